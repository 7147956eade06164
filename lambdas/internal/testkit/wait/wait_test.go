package wait

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestUntilReturnsOnceTheConditionHolds(t *testing.T) {
	var n atomic.Int32
	if err := Until(context.Background(), 10*time.Second, func() error {
		if n.Add(1) < 3 {
			return errors.New("not yet")
		}
		return nil
	}); err != nil || n.Load() != 3 {
		t.Fatalf("Until = %v after %d checks, want nil after 3", err, n.Load())
	}
}

func TestUntilTimesOutWithTheLastError(t *testing.T) {
	err := Until(context.Background(), 20*time.Millisecond, func() error { return errors.New("port closed") })
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "port closed") {
		t.Fatalf("Until = %v, want the deadline and the condition's last error", err)
	}
}

func TestTail(t *testing.T) {
	if got := Tail("a\nb\nc\n", 2); got != "(1 earlier lines left out)\nb\nc" {
		t.Fatalf("Tail = %q", got)
	}
	if got := Tail("", 2); got != "(nothing)" {
		t.Fatalf("Tail of nothing = %q", got)
	}
}

// A failed wait prints what it waited for and the log's tail.
func TestForExplainsATimeout(t *testing.T) {
	ft := &fakeT{}
	func() {
		defer func() { _ = recover() }()
		For(ft, 10*time.Millisecond, "the server", func() error { return errors.New("refused") },
			Logs("server", func() string { return "starting\nlistening failed: address in use\n" }))
	}()
	if !strings.Contains(ft.msg, "the server: ") || !strings.Contains(ft.msg, "refused") || !strings.Contains(ft.msg, "address in use") {
		t.Fatalf("failure message = %q", ft.msg)
	}
}

type fakeT struct {
	testing.TB
	msg string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatal(args ...any) {
	f.msg = args[0].(string)
	panic("fatal")
}
