package items

import (
	"encoding/json"
	"fmt"
	"time"
)

// Date is a calendar date without a time zone (a due date).
type Date struct{ t time.Time } // midnight UTC

// ParseDate parses YYYY-MM-DD, rejecting dates that do not exist (2023-02-30).
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Format(time.DateOnly) != s {
		return Date{}, invalid("dueDate", "%q is not a date (YYYY-MM-DD)", s)
	}
	return Date{t}, nil
}

// DateOf is the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// Time is midnight UTC of d.
func (d Date) Time() time.Time { return d.t }

// String is YYYY-MM-DD.
func (d Date) String() string { return d.t.Format(time.DateOnly) }

// Equal reports whether two optional dates are the same.
func (d *Date) Equal(o *Date) bool {
	if d == nil || o == nil {
		return d == o
	}
	return d.t.Equal(o.t)
}

// MarshalJSON writes "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads "YYYY-MM-DD".
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("dueDate: want a string YYYY-MM-DD")
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
