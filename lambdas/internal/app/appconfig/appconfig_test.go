package appconfig

import (
	"context"
	"errors"
	"testing"
)

type reader struct {
	vals  map[string]string
	err   error
	calls int
}

func (r *reader) Parameters(_ context.Context, names ...string) (map[string]string, error) {
	r.calls++
	return r.vals, r.err
}

func (r *reader) ParametersByPath(context.Context, string) (map[string]string, error) {
	return nil, errors.New("unused")
}

func TestReadsOnceAndOverridesDefaults(t *testing.T) {
	r := &reader{vals: map[string]string{"/app/config": `{"maxAttachmentBytes": 5}`}}
	s := &Source{Reader: r, Name: "/app/config"}
	for range 3 {
		l, err := s.Limits(context.Background())
		if err != nil || l.MaxAttachmentBytes != 5 || len(l.AllowedContentTypes) == 0 {
			t.Fatalf("%+v %v", l, err)
		}
	}
	if r.calls != 1 {
		t.Fatalf("%d reads", r.calls)
	}
}

func TestMissingParameterMeansDefaults(t *testing.T) {
	s := &Source{Reader: &reader{vals: map[string]string{}}, Name: "/x"}
	if l, err := s.Limits(context.Background()); err != nil || l.MaxAttachmentBytes != 10<<20 {
		t.Fatalf("%+v %v", l, err)
	}
	if l, err := (&Source{}).Limits(context.Background()); err != nil || l.MaxAttachmentBytes != 10<<20 {
		t.Fatalf("no reader: %+v %v", l, err)
	}
}

func TestFailedReadIsRetried(t *testing.T) {
	r := &reader{err: errors.New("throttled")}
	s := &Source{Reader: r, Name: "/x"}
	if _, err := s.Limits(context.Background()); err == nil {
		t.Fatal("no error")
	}
	r.err, r.vals = nil, map[string]string{"/x": `{"allowedContentTypes": ["text/csv"]}`}
	if l, err := s.Limits(context.Background()); err != nil || len(l.AllowedContentTypes) != 1 {
		t.Fatalf("%+v %v", l, err)
	}
}

func TestParseRejectsNonsense(t *testing.T) {
	for _, v := range []string{`nope`, `{"maxAttachmentBytes": 0}`, `{"maxAttachmentBytes": "big"}`} {
		if _, err := Parse(v); err == nil {
			t.Errorf("%s accepted", v)
		}
	}
}
