package items

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Cursor is a keyset position: the (time, id) of the last row of a page.
type Cursor struct {
	Time time.Time
	ID   uuid.UUID
}

// Encode makes the opaque string clients pass back.
func (c Cursor) Encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.Time.UnixMicro(), 10) + "." + c.ID.String()))
}

// The range of PostgreSQL's timestamptz, which the cursor's time is compared with, in microseconds
// since the Unix epoch: from 4714-11-24 00:00:00 UTC BC (Julian day 0, PostgreSQL's MIN_TIMESTAMP,
// -211813488000000000 µs from its epoch 2000-01-01). Its upper end (294276 AD) lies beyond the
// int64 microseconds a cursor can hold, so only the lower end needs a check.
const (
	pgEpochMicros   int64 = 946_684_800_000_000 // 2000-01-01 00:00:00 UTC
	minCursorMicros int64 = -211_813_488_000_000_000 + pgEpochMicros
)

// ParseCursor reads an opaque cursor ("" is no cursor: the first page). Every field is checked
// against its column: the time must be one PostgreSQL's timestamptz holds, the id a UUID, and the
// whole must be exactly what Encode writes, so a client's made-up cursor is a validation error
// (400), never a failed query (500).
func ParseCursor(s string) (*Cursor, error) {
	if s == "" {
		return nil, nil
	}
	notOurs := invalid("cursor", "is not a cursor this API returned")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(s) > 128 {
		return nil, notOurs
	}
	ts, id, ok := strings.Cut(string(b), ".")
	micros, err1 := strconv.ParseInt(ts, 10, 64)
	u, err2 := uuid.Parse(id)
	if !ok || err1 != nil || err2 != nil || len(id) != 36 || micros < minCursorMicros {
		return nil, notOurs
	}
	c := &Cursor{Time: time.UnixMicro(micros).UTC(), ID: u}
	if c.Encode() != s {
		return nil, notOurs
	}
	return c, nil
}

// PageQuery selects a page of a list.
type PageQuery struct {
	Limit  int // 1..MaxLimit; 0 means DefaultLimit
	Cursor string
}

func (q PageQuery) parse() (*Cursor, int, error) {
	c, err := ParseCursor(q.Cursor)
	if err != nil {
		return nil, 0, err
	}
	limit := q.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		return nil, 0, invalid("limit", "must be between 1 and %d", MaxLimit)
	}
	return c, limit, nil
}
