package store_test

import (
	"math"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
)

// The cursor's time range that items.ParseCursor accepts is exactly what PostgreSQL's timestamptz
// holds: its first microsecond works in both list queries, the one before it is refused by
// ParseCursor and would have failed the query (the 500 a client could once cause), and the last
// microsecond a cursor can hold works.
func TestCursorRangeIsTheColumnsRange(t *testing.T) {
	f := setup(t)
	owner := uuid.NewString()
	first := int64(-210_866_803_200_000_000) // 4714-11-24 00:00:00 UTC BC in Unix microseconds
	cursor := func(micros int64) *items.Cursor {
		return &items.Cursor{Time: time.UnixMicro(micros).UTC(), ID: uuid.New()}
	}
	for _, micros := range []int64{first, math.MaxInt64} {
		c := cursor(micros)
		if _, err := items.ParseCursor(c.Encode()); err != nil {
			t.Errorf("ParseCursor refuses %d µs: %v", micros, err)
		}
		if _, err := f.st.ListItems(f.ctx, owner, "", c, 10); err != nil {
			t.Errorf("ListItems after %d µs: %v", micros, err)
		}
		if _, err := f.st.ListActivity(f.ctx, owner, c, 10); err != nil {
			t.Errorf("ListActivity after %d µs: %v", micros, err)
		}
	}
	before := cursor(first - 1)
	if _, err := items.ParseCursor(before.Encode()); err == nil {
		t.Error("ParseCursor accepts a time before PostgreSQL's range")
	}
	if _, err := f.st.ListItems(f.ctx, owner, "", before, 10); err == nil {
		t.Error("PostgreSQL accepts a time before 4714-11-24 BC: the range check is stricter than the column")
	}
}
