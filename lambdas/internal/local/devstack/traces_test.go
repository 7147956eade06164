package devstack

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

// One POST /v1/items gives one trace, visible end to end at /_local/v1/traces/{id}: the request,
// its SQL, the outbox's publish and the worker's message span.
func TestOnePostShowsItsTraceEndToEnd(t *testing.T) {
	ctx := context.Background()
	cfg := Config{Stage: stageOf(t, "Dev"), Addr: "127.0.0.1:0", DataDir: t.TempDir(), WebDir: webDir(t), DatabaseURL: pgtest.NewDB(t), Logger: quiet()}
	stack, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { stack.Shutdown(ctx) }()
	c := client{t: t, stack: stack}
	alice := c.signUp("alice@example.com", password)
	if status, out := c.api("POST", "/items", alice, map[string]any{"title": "Trace me"}); status != 201 {
		t.Fatalf("create = %d %v", status, out)
	}
	var trace string
	for _, s := range stack.Traces().Spans() {
		if s.Name == "POST /items" {
			trace = s.TraceID
		}
	}
	if trace == "" {
		t.Fatalf("no POST /items span recorded: %+v", stack.Traces().Spans())
	}
	eventually(t, "the worker's span in the request's trace", func() string {
		res, err := http.Get(stack.URLs.Site + "_local/v1/traces/" + trace)
		if err != nil {
			return err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		for _, want := range []string{"POST /items", "BATCH", "outbox publish", "worker message"} {
			if !strings.Contains(string(b), want) {
				return "no " + want + " in:\n" + string(b)
			}
		}
		return ""
	})
}
