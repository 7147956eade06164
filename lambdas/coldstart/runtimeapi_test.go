package coldstart

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/lambdatest"
)

// initAndFirstInvoke runs bootstrap against a Lambda Runtime API of its own
// and times the two parts of a cold start separately: init, from the
// process's start to its first request for an event (the Go runtime, every
// package's init, main's wiring: what Lambda reports as Init Duration), and
// the first invoke, from handing it event to its answer. The emulator
// cannot split them: it starts the process at the first invoke and reports
// an Init Duration of its own bookkeeping (under 0.1 ms), not the
// function's.
func initAndFirstInvoke(ctx context.Context, bootstrap string, env map[string]string, event string) (initD, invokeD time.Duration, err error) {
	initD, invokeD, _, err = runFirstInvoke(ctx, bootstrap, env, event)
	return initD, invokeD, err
}

// runFirstInvoke is initAndFirstInvoke with the function's answer:
// "<request id> <response|error> <body>".
func runFirstInvoke(ctx context.Context, bootstrap string, env map[string]string, event string) (initD, invokeD time.Duration, got string, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, "", err
	}
	var (
		mu       sync.Mutex
		start    time.Time
		asked    time.Time // the first GET …/next
		answered = make(chan time.Time, 1)
		answer   []byte
		served   bool
	)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := !served
		if first {
			asked, served = time.Now(), true
		}
		mu.Unlock()
		if !first {
			<-r.Context().Done() // the next event never comes: the process is stopped
			return
		}
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", "bench-1")
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(30*time.Second).UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:123456789012:function:bench")
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
		_, _ = io.WriteString(w, event)
	})
	// A handler's error is an answer too: both end the first invoke.
	done := func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		answer = append([]byte(r.PathValue("id")+" "+r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]+" "), body...)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		select {
		case answered <- at:
		default:
		}
	}
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", done)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", done)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	cmd := exec.Command(bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "AWS_LAMBDA_RUNTIME_API=" + ln.Addr().String(),
		"AWS_LAMBDA_FUNCTION_NAME=bench", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/bench", "AWS_LAMBDA_LOG_STREAM_NAME=bench"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	start = time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, "", err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	select {
	case at := <-answered:
		mu.Lock()
		defer mu.Unlock()
		return asked.Sub(start), at.Sub(asked), string(answer), nil
	case <-ctx.Done():
		return 0, 0, "", fmt.Errorf("%s did not answer its first event within 30s: %v; its output:\n%s", bootstrap, ctx.Err(), logs.String())
	}
}

// The benchmark's Runtime API serves a real bootstrap: hello asks for an
// event after its init, gets it, and answers it, so init and the first
// invoke are each a positive span of the same run.
func TestInitIsTimedApartFromTheFirstInvoke(t *testing.T) {
	bin := lambdatest.Build(t, "./testdata/hello")
	initD, invokeD, got, err := runFirstInvoke(t.Context(), bin, nil, `{"a":1}`)
	if err != nil {
		t.Fatal(err)
	}
	if got != `bench-1 response "ok"` {
		t.Errorf("the function answered %q, want its response to request bench-1", got)
	}
	if initD <= 0 || invokeD <= 0 {
		t.Errorf("init %v, first invoke %v: want both measured", initD, invokeD)
	}
}
