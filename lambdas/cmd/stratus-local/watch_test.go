package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/wait"
)

// The supervisor rebuilds for Go code, migrations and module files, and not for tests or others.
func TestFingerprintSeesWhatTheServerIsBuiltFrom(t *testing.T) {
	root := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		// Distinct modification times even on coarse-grained file systems.
		later := time.Now().Add(time.Duration(len(body)+1) * time.Second)
		if err := os.Chtimes(p, later, later); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module x")
	write("lambdas/api/main.go", "package main")
	base, _ := fingerprint(root)
	for _, name := range []string{"lambdas/api/main_test.go", "lambdas/README.md", "web/src/App.tsx"} {
		write(name, "ignored change")
		if got, _ := fingerprint(root); got != base {
			t.Errorf("a change to %s triggers a rebuild", name)
		}
	}
	for _, name := range []string{"lambdas/api/main.go", "lambdas/internal/app/schema/sql/00002_x.sql", "go.sum", "go.mod"} {
		write(name, "changed: "+name)
		if got, _ := fingerprint(root); got == base {
			t.Errorf("a change to %s is not seen", name)
		} else {
			base = got
		}
	}
}

func TestFixedPortKeepsOneAddressAcrossRestarts(t *testing.T) {
	addr, err := fixedPort("127.0.0.1:0")
	if err != nil || strings.HasSuffix(addr, ":0") {
		t.Fatalf("fixedPort(:0) = %q, %v", addr, err)
	}
	if l, err := net.Listen("tcp", addr); err != nil {
		t.Fatalf("the chosen port is not free: %v", err)
	} else {
		l.Close()
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	if _, err := fixedPort(busy.Addr().String()); err == nil || !strings.Contains(err.Error(), "another server") {
		t.Fatalf("fixedPort(a busy port) = %v, want an error saying so", err)
	}
	if _, err := fixedPort("no-port"); err == nil {
		t.Fatal("fixedPort accepted an address without a port")
	}
}

// fakeServer is a server program for the watcher: it writes "<version> <pid>" to its ready file,
// and "stopped <version>" to its stop file when interrupted.
const fakeServer = `package main

import (
	"fmt"
	"os"
	"os/signal"
)

const version = %q

func main() {
	ready, stopped := os.Args[1], os.Args[2]
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	os.WriteFile(ready, []byte(fmt.Sprintf("%%s %%d", version, os.Getpid())), 0o644)
	<-sig
	os.WriteFile(stopped, []byte("stopped "+version), 0o644)
}
`

// The watcher restarts the server with the new code after a change, keeps the old one running
// when the new code does not build, starts it again when it is killed, and stops it cleanly when
// told to.
func TestWatcherRestartsTheServerWhenItsCodeChanges(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "lambdas", "fake", "main.go")
	ready, stopped := filepath.Join(root, "ready"), filepath.Join(root, "stopped")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Dir(src), 0o755))
	must(os.WriteFile(filepath.Join(root, "go.mod"), []byte("module fake\n\ngo 1.22\n"), 0o644))
	writeVersion := func(code string) {
		t.Helper()
		must(os.WriteFile(src, []byte(code), 0o644))
		// A later modification time than the last build saw, even on coarse-grained file systems.
		later := time.Now().Add(time.Hour)
		must(os.Chtimes(src, later, later))
	}
	logs := &logRecorder{}
	waitFor := func(file, prefix string) string {
		t.Helper()
		return waitForFile(t, file, prefix, logs)
	}
	writeVersion(fmt.Sprintf(fakeServer, "v1"))

	// minUptime 0: every exit is a crash to restart from (the fake server never fails its start),
	// so the kill -9 below needs no wait for the server to have run "long enough".
	w := watcher{root: root, pkg: "./lambdas/fake", bin: filepath.Join(root, "bin", "fake"),
		args: []string{ready, stopped}, env: os.Environ(), log: slog.New(logs), minUptime: 0}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()

	first := waitFor(ready, "v1 ")
	writeVersion(fmt.Sprintf(fakeServer, "v2"))
	waitFor(stopped, "stopped v1") // the old server was interrupted, not killed
	second := waitFor(ready, "v2 ")
	if first == second {
		t.Fatal("the server was not restarted")
	}

	writeVersion("package main\n\nfunc main() { not go }\n")
	logs.waitFor(t, "build failed; the previous server keeps running") // noticed, built, failed
	if got, _ := os.ReadFile(ready); string(got) != second {
		t.Fatalf("after a failed build the ready file is %q, want the running %q", got, second)
	}
	writeVersion(fmt.Sprintf(fakeServer, "v3"))
	waitFor(stopped, "stopped v2")
	third := waitFor(ready, "v3 ")

	// kill -9: the same build starts again by itself.
	var pid int
	if _, err := fmt.Sscanf(third, "v3 %d", &pid); err != nil {
		t.Fatal(err)
	}
	must(syscall.Kill(pid, syscall.SIGKILL))
	wait.For(t, time.Minute, "the killed server to start again", func() error {
		if got, _ := os.ReadFile(ready); string(got) == third || !strings.HasPrefix(string(got), "v3 ") {
			return fmt.Errorf("ready file %q", got)
		}
		return nil
	}, wait.Logs("the watcher's log", logs.String))

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run = %v", err)
	}
	done <- nil // for the deferred cleanup
	waitFor(stopped, "stopped v3")
}

// A save during a build (the rest of a git checkout, a second file of a refactoring) is built
// too before the server restarts: the server never runs a build of a tree that was changing.
func TestWatcherBuildsAgainWhenTheCodeChangesDuringABuild(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "lambdas", "fake", "main.go")
	ready, stopped := filepath.Join(root, "ready"), filepath.Join(root, "stopped")
	if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module fake\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeVersion := func(v int) error {
		if err := os.WriteFile(src, []byte(fmt.Sprintf(fakeServer, fmt.Sprint("v", v))), 0o644); err != nil {
			return err
		}
		later := time.Now().Add(time.Duration(v) * time.Hour) // a new modification time each
		return os.Chtimes(src, later, later)
	}
	if err := writeVersion(1); err != nil {
		t.Fatal(err)
	}
	var builds atomic.Int32 // counted on the watcher's goroutine
	hookErr := make(chan error, 1)
	w := watcher{root: root, pkg: "./lambdas/fake", bin: filepath.Join(root, "bin", "fake"),
		args: []string{ready, stopped}, env: os.Environ(), log: slog.New(slog.NewTextHandler(io.Discard, nil)), minUptime: time.Minute,
		afterBuild: func() {
			if builds.Add(1) == 2 { // the build of v2: v3 is saved while it runs
				hookErr <- writeVersion(3)
			}
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	waitForFile(t, ready, "v1 ", nil)
	if err := writeVersion(2); err != nil {
		t.Fatal(err)
	}
	waitForFile(t, ready, "v3 ", nil)
	if err := <-hookErr; err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(stopped); string(got) != "stopped v1" {
		t.Fatalf("the stop file says %q: v2, built while v3 was being saved, ran", got)
	}
	if n := builds.Load(); n != 3 {
		t.Errorf("%d builds, want 3 (v1, v2 with v3 saved during it, v3)", n)
	}
}

// waitForFile waits (for up to a minute: a build on a loaded machine) until file starts with prefix,
// and returns its content; on timeout it prints the watcher's log, when there is one.
func waitForFile(t *testing.T, file, prefix string, logs *logRecorder) string {
	t.Helper()
	var b []byte
	var opts []wait.Option
	if logs != nil {
		opts = append(opts, wait.Logs("the watcher's log", logs.String))
	}
	wait.For(t, time.Minute, fmt.Sprintf("%s to start with %q", filepath.Base(file), prefix), func() error {
		b, _ = os.ReadFile(file)
		if !strings.HasPrefix(string(b), prefix) {
			return fmt.Errorf("it is %q", b)
		}
		return nil
	}, opts...)
	return string(b)
}

// logRecorder is a slog handler keeping the watcher's log lines, for tests to wait for one.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *logRecorder) WithGroup(string) slog.Handler            { return r }
func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	line := rec.Message
	rec.Attrs(func(a slog.Attr) bool { line += " " + a.String(); return true })
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, line)
	return nil
}

func (r *logRecorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n")
}

// waitFor waits until a line starting with msg is logged, and consumes the lines up to it.
func (r *logRecorder) waitFor(t *testing.T, msg string) {
	t.Helper()
	wait.True(t, time.Minute, fmt.Sprintf("the log line %q", msg), func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		for i, l := range r.lines {
			if strings.HasPrefix(l, msg) {
				r.lines = r.lines[i+1:]
				return true
			}
		}
		return false
	}, wait.Logs("the watcher's log", r.String))
}

// What one poll of the module costs: the supervisor does it every pollEvery.
func BenchmarkFingerprint(b *testing.B) {
	root, err := moduleRoot()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		fingerprint(root)
	}
}
