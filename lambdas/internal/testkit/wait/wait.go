// Package wait is how tests wait: for a condition, with a deadline, never for a time. A test that
// sleeps "long enough" is flaky on a loaded machine and slow on an idle one; a test that waits for
// the state it needs is neither.
//
//	wait.For(t, 30*time.Second, "the server's ready file", func() error {
//		_, err := os.Stat(ready)
//		return err
//	}, wait.Logs("server", logs.String))
//
// The condition is checked at once, then at growing intervals (from 5 ms to 100 ms). On timeout
// the test fails with what it waited for, the condition's last error and the last lines of each
// log given, so that a timeout explains itself.
package wait

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// Option adds to what a failed wait prints.
type Option func(*config)

type config struct {
	logs []namedLog
}

type namedLog struct {
	name string
	read func() string
}

// TailLines is how many lines of each log a timeout prints.
const TailLines = 40

// Logs prints the last TailLines lines of read() (a process's output) when the wait times out.
func Logs(name string, read func() string) Option {
	return func(c *config) { c.logs = append(c.logs, namedLog{name, read}) }
}

// For waits until cond returns nil, for at most timeout; then it fails t (t.Fatalf) saying what it
// waited for, cond's last error and the tails of the logs given. Call it from the test's goroutine.
func For(t testing.TB, timeout time.Duration, what string, cond func() error, opts ...Option) {
	t.Helper()
	if err := Until(context.Background(), timeout, cond); err != nil {
		var c config
		for _, o := range opts {
			o(&c)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "waited %v for %s: %v", timeout, what, err)
		for _, l := range c.logs {
			fmt.Fprintf(&b, "\n--- last lines of %s:\n%s", l.name, Tail(l.read(), TailLines))
		}
		t.Fatal(b.String())
	}
}

// True is For with a condition that holds or not.
func True(t testing.TB, timeout time.Duration, what string, cond func() bool, opts ...Option) {
	t.Helper()
	For(t, timeout, what, func() error {
		if cond() {
			return nil
		}
		return errNotYet
	}, opts...)
}

var errNotYet = fmt.Errorf("not yet")

// Until checks cond until it returns nil, ctx ends or timeout passes, and returns cond's last error
// (or the context's, when cond never ran).
func Until(ctx context.Context, timeout time.Duration, cond func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	interval := 5 * time.Millisecond
	for {
		last := cond()
		if last == nil {
			return nil
		}
		timer := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("%w (last: %v)", ctx.Err(), last)
		case <-timer.C:
		}
		interval = min(2*interval, 100*time.Millisecond)
	}
}

// Tail is the last n lines of s.
func Tail(s string, n int) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "(nothing)"
	}
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		return fmt.Sprintf("(%d earlier lines left out)\n%s", len(lines)-n, strings.Join(lines[len(lines)-n:], "\n"))
	}
	return s
}

// Buffer collects a process's output (cmd.Stdout, cmd.Stderr) and can be read while the process
// writes to it: exec copies a pipe into it from a goroutine of its own, so a bytes.Buffer would race.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String is everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
