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

// ParseCursor reads an opaque cursor ("" is no cursor: the first page).
func ParseCursor(s string) (*Cursor, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(s) > 128 {
		return nil, invalid("cursor", "is not a cursor this API returned")
	}
	ts, id, ok := strings.Cut(string(b), ".")
	micros, err1 := strconv.ParseInt(ts, 10, 64)
	u, err2 := uuid.Parse(id)
	if !ok || err1 != nil || err2 != nil || len(id) != 36 {
		return nil, invalid("cursor", "is not a cursor this API returned")
	}
	return &Cursor{Time: time.UnixMicro(micros).UTC(), ID: u}, nil
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
