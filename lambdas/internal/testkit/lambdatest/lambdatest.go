// Package lambdatest runs Lambda main packages the way Lambda does: built as a
// `bootstrap` binary with the flags constructs/gofunction uses (for the host
// architecture), started by the Lambda Runtime Interface Emulator
// (github.com/aws/aws-lambda-runtime-interface-emulator, a Go tool dependency
// of this module) and invoked with real event JSON over its HTTP API.
//
//	bin := lambdatest.Build(t, "github.com/stratus-cdk/stratus/lambdas/api")
//	fn := lambdatest.Start(t, bin, map[string]string{contract.EnvDatabaseURL: dsn})
//	out := fn.Invoke(t, events.APIGatewayProxyRequest{...})
//
// Each emulator listens on free loopback ports (its invoke API and the Runtime
// API it gives the function), so tests and packages can run in parallel.
// Builds happen once per test binary and package (the Go build cache makes
// them incremental); outputs live in one folder per package under
// $TMPDIR/stratus-lambdatest-$UID, replaced atomically by each build.
package lambdatest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/local/freeport"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/wait"
)

// RIEPackage is the emulator's main package (a `tool` in go.mod).
const RIEPackage = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"

var (
	buildMu sync.Mutex
	built   = map[string]string{}
)

// Build compiles the main package pkg (an import path, or a path relative to
// the test's working directory) into a `bootstrap` for the host architecture:
//
//	CGO_ENABLED=0 GOOS=linux go build -trimpath -buildvcs=false -tags lambda.norpc -ldflags "-s -w -buildid="
func Build(t testing.TB, pkg string) string {
	t.Helper()
	path, err := BuildE(pkg)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// BuildE is Build returning the error.
func BuildE(pkg string) (string, error) {
	return build(pkg, "bootstrap", "-tags", "lambda.norpc", "-ldflags", "-s -w -buildid=")
}

// RIE builds the emulator and returns its path.
func RIE(t testing.TB) string {
	t.Helper()
	path, err := build(RIEPackage, "aws-lambda-rie")
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func build(pkg, name string, flags ...string) (string, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built[pkg]; ok {
		return p, nil
	}
	key := pkg
	if strings.HasPrefix(pkg, ".") {
		abs, err := filepath.Abs(pkg)
		if err != nil {
			return "", err
		}
		key = abs
	}
	// The module's checkout is part of the key: two worktrees of this
	// repository testing at once build the same package path from different
	// sources, and one must not run the other's binary.
	key = moduleRoot() + "/" + key
	sub := filepath.Join(os.TempDir(), fmt.Sprintf("stratus-lambdatest-%d", os.Getuid()), strings.NewReplacer("/", "_", ".", "_").Replace(key))
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return "", err
	}
	out := filepath.Join(sub, name)
	tmpDir, err := os.MkdirTemp(sub, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmpDir)
	tmp := filepath.Join(tmpDir, name)
	args := append([]string{"build", "-trimpath", "-buildvcs=false", "-o", tmp}, flags...)
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	// Atomic: an emulator of another test process may be starting the old one.
	if err := os.Rename(tmp, out); err != nil {
		return "", err
	}
	built[pkg] = out
	return out, nil
}

// moduleRoot is the directory of the go.mod above the working directory ("" if none).
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Emulator is a running aws-lambda-rie with one function.
type Emulator struct {
	// URL is the invoke endpoint.
	URL  string
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan struct{}
	// invokes counts the invocations sent, for Logs.
	invokes atomic.Int32
}

// Start runs bootstrap under the emulator with env (plus PATH and HOME; the
// test process' AWS_* variables are not passed through) and waits until it
// accepts invocations. The function initialises on the first invoke, as a
// cold start does. The emulator stops when the test ends.
func Start(t testing.TB, bootstrap string, env map[string]string) *Emulator {
	t.Helper()
	e, err := StartE(RIE(t), bootstrap, env)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		e.Stop()
		if t.Failed() {
			t.Logf("emulator logs:\n%s", e.Logs())
		}
	})
	return e
}

// StartE is Start with explicit paths, returning the error; call Stop.
//
// The emulator takes addresses, not listeners, so its ports are ones the kernel chose free a moment
// before: another process can take one in between. An emulator that exits because its address is
// in use is started again on new ports (up to 3 times).
func StartE(rie, bootstrap string, env map[string]string) (*Emulator, error) {
	for attempt := 1; ; attempt++ {
		e, err := startE(rie, bootstrap, env)
		if err == nil || attempt == 3 || !strings.Contains(err.Error(), "address already in use") {
			return e, err
		}
	}
}

func startE(rie, bootstrap string, env map[string]string) (*Emulator, error) {
	invokePort, err := freeport.Loopback()
	if err != nil {
		return nil, err
	}
	apiPort, err := freeport.Loopback()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(rie,
		"--runtime-interface-emulator-address", fmt.Sprintf("127.0.0.1:%d", invokePort),
		"--runtime-api-address", fmt.Sprintf("127.0.0.1:%d", apiPort),
		bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "LOG_LEVEL=warn",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=30", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512", "AWS_REGION=us-east-1"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", rie, err)
	}
	e := &Emulator{URL: fmt.Sprintf("http://127.0.0.1:%d/2015-03-31/functions/function/invocations", invokePort),
		cmd: cmd, logs: logs, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(e.done) }()
	errExited := errors.New("exited")
	err = wait.Until(context.Background(), startTimeout, func() error {
		select {
		case <-e.done:
			return errExited
		default:
		}
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", invokePort), 200*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err
	})
	switch {
	case err == nil:
		return e, nil
	case errors.Is(err, errExited):
		return nil, fmt.Errorf("aws-lambda-rie exited early; its last lines:\n%s", wait.Tail(logs.String(), wait.TailLines))
	default:
		e.Stop()
		return nil, fmt.Errorf("aws-lambda-rie did not listen within %v (%v); its last lines:\n%s", startTimeout, err, wait.Tail(logs.String(), wait.TailLines))
	}
}

// startTimeout bounds an emulator's start: it listens within milliseconds on an idle machine.
const startTimeout = 30 * time.Second

// Invoke sends event (marshalled to JSON unless it is []byte or
// json.RawMessage) and returns the function's response payload. A function
// error is returned as the payload (errorMessage/errorType), as Lambda does.
func (e *Emulator) Invoke(t testing.TB, event any) []byte {
	t.Helper()
	out, err := e.InvokeE(context.Background(), event)
	if err != nil {
		t.Fatalf("%v\nemulator logs:\n%s", err, e.Logs())
	}
	return out
}

// InvokeE is Invoke returning the error.
func (e *Emulator) InvokeE(ctx context.Context, event any) ([]byte, error) {
	var body []byte
	switch v := event.(type) {
	case []byte:
		body = v
	case json.RawMessage:
		body = v
	default:
		var err error
		if body, err = json.Marshal(event); err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	e.invokes.Add(1)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke: %w", err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return out, fmt.Errorf("invoke: HTTP %d: %s", res.StatusCode, out)
	}
	return out, nil
}

// Logs is everything the emulator and the function wrote so far, once the
// emulator has logged the end of every invocation sent (for up to 2 s): the
// emulator relays the function's output through a pipe, so an invocation's
// response can arrive before its log lines do.
func (e *Emulator) Logs() string {
	var logs string
	_ = wait.Until(context.Background(), 2*time.Second, func() error {
		logs = e.logs.String()
		select {
		case <-e.done:
			return nil
		default:
		}
		if ended := strings.Count(logs, "REPORT RequestId:") + strings.Count(logs, "Invoke DONE failed"); ended < int(e.invokes.Load()) {
			return fmt.Errorf("%d of %d invocations logged", ended, e.invokes.Load())
		}
		return nil
	})
	return logs
}

// LogLines returns the lines of the function's logs that are JSON objects
// (slog's JSON handler output), decoded.
func (e *Emulator) LogLines() []map[string]any {
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(e.Logs()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			lines = append(lines, m)
		}
	}
	return lines
}

// Stop ends the emulator and the function.
func (e *Emulator) Stop() {
	select {
	case <-e.done:
		return
	default:
	}
	_ = e.cmd.Process.Kill()
	select {
	case <-e.done:
	case <-time.After(5 * time.Second):
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
