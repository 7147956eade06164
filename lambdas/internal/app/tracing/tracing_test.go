package tracing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/tracing"
	"github.com/stratus-cdk/stratus/lambdas/internal/local/traces"
)

func TestTraceIDsAreXRayIDs(t *testing.T) {
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	g := tracing.IDGenerator{Now: func() time.Time { return at }}
	seen := map[trace.TraceID]bool{}
	for range 100 {
		tid, sid := g.NewIDs(context.Background())
		if !tid.IsValid() || !sid.IsValid() || seen[tid] {
			t.Fatalf("ids %s %s: invalid or repeated", tid, sid)
		}
		seen[tid] = true
		if got := tid.String()[:8]; got != "6b169fc0" { // 2026-12-07T12:00:00Z in Unix seconds, hex
			t.Fatalf("trace id %s starts with %s, want the time 6b169fc0", tid, got)
		}
		if x := tracing.XRayTraceID(tid); !strings.HasPrefix(x, "1-6b169fc0-") || len(x) != 35 {
			t.Fatalf("X-Ray form %s", x)
		}
	}
}

func TestLambdasXRayHeaderIsTheParent(t *testing.T) {
	sc, ok := tracing.FromXRayHeader("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	if !ok || sc.TraceID().String() != "5759e988bd862e3fe1be46a994272793" || sc.SpanID().String() != "53995c3f42cd8ad8" || !sc.IsSampled() || !sc.IsRemote() {
		t.Fatalf("parsed %+v %v", sc, ok)
	}
	if sc, ok := tracing.FromXRayHeader("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0"); !ok || sc.IsSampled() {
		t.Fatalf("Sampled=0: %+v %v", sc, ok)
	}
	for _, bad := range []string{"", "Root=1-5759e988-bd862e3fe1be46a994272793", "Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8",
		"Root=1-5759e988-zz862e3fe1be46a994272793;Parent=53995c3f42cd8ad8", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=5399"} {
		if _, ok := tracing.FromXRayHeader(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestTraceParentRoundTrips(t *testing.T) {
	if tracing.TraceParent(context.Background()) != "" {
		t.Fatal("a traceparent without a span")
	}
	tp := "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01"
	ctx := tracing.ContextWithTraceParent(context.Background(), tp)
	if got := tracing.TraceParent(ctx); got != tp {
		t.Fatalf("round trip %q, want %q", got, tp)
	}
	for _, bad := range []string{"", "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8", "ff-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01",
		"00-00000000000000000000000000000000-53995c3f42cd8ad8-01", "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01-extra", "00-xyz-53995c3f42cd8ad8-01"} {
		if _, ok := tracing.ParseTraceParent(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSamplerConfig(t *testing.T) {
	for _, c := range []struct {
		cfg tracing.Config
		err string
	}{
		{tracing.Config{}, ""},
		{tracing.Config{Sampler: "traceidratio", SamplerArg: "0.05"}, ""},
		{tracing.Config{Sampler: "traceidratio", SamplerArg: "5%"}, "OTEL_TRACES_SAMPLER_ARG"},
		{tracing.Config{Sampler: "traceidratio", SamplerArg: "1.5"}, "OTEL_TRACES_SAMPLER_ARG"},
		{tracing.Config{Sampler: "xray"}, "OTEL_TRACES_SAMPLER"},
		{tracing.Config{Endpoint: "localhost:4318"}, "OTEL_EXPORTER_OTLP_ENDPOINT"},
	} {
		_, err := tracing.Setup(c.cfg, "test")
		if (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%+v: error %v, want one naming %q", c.cfg, err, c.err)
		}
	}
}

// A traceidratio sampler decides on the trace id alone: whatever Lambda's header says, and the
// same for every span of a trace (so the API's and the worker's spans of one request agree).
func TestTraceIDRatioIgnoresLambdasDecision(t *testing.T) {
	p, err := tracing.Setup(tracing.Config{Sampler: "traceidratio", SamplerArg: "1"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), "x-amzn-trace-id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0")
	_, span := p.Tracer().Start(tracing.LambdaParent(ctx), "root")
	if !span.SpanContext().IsSampled() || span.SpanContext().TraceID().String() != "5759e988bd862e3fe1be46a994272793" {
		t.Fatalf("span %+v: want Lambda's trace, sampled", span.SpanContext())
	}
	p, _ = tracing.Setup(tracing.Config{Sampler: "traceidratio", SamplerArg: "0"}, "test")
	if _, span := p.Tracer().Start(context.Background(), "root"); span.SpanContext().IsSampled() {
		t.Fatal("ratio 0 sampled")
	}
}

func TestLogLinesCarryTheTrace(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(tracing.LogHandler(slog.NewJSONHandler(&buf, nil))).With("stage", "Dev")
	log.Info("outside")
	ctx := tracing.ContextWithTraceParent(context.Background(), "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01")
	log.WithGroup("g").InfoContext(ctx, "inside", "k", "v")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var outside, inside map[string]any
	_ = json.Unmarshal([]byte(lines[0]), &outside)
	_ = json.Unmarshal([]byte(lines[1]), &inside)
	if _, ok := outside["trace_id"]; ok {
		t.Errorf("a line without a span has a trace id: %s", lines[0])
	}
	g, _ := inside["g"].(map[string]any)
	if g["trace_id"] != "5759e988bd862e3fe1be46a994272793" || g["span_id"] != "53995c3f42cd8ad8" ||
		g["xray_trace_id"] != "1-5759e988-bd862e3fe1be46a994272793" || inside["stage"] != "Dev" {
		t.Errorf("line %s", lines[1])
	}
}

// Invocation joins Lambda's trace, and its spans reach the OTLP receiver before it returns.
func TestInvocationFlushesItsSpansBeforeItReturns(t *testing.T) {
	rc := &traces.Receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	p, err := tracing.Setup(tracing.Config{Endpoint: srv.URL}, "unit")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(context.Background())
	h := tracing.Invocation(p, "handler", trace.SpanKindServer, func(ctx context.Context, in string) (string, error) {
		_, child := p.Tracer().Start(ctx, "child")
		child.End()
		return in, errors.New("boom")
	})
	ctx := context.WithValue(context.Background(), "x-amzn-trace-id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	if _, err := h(ctx, "x"); err == nil {
		t.Fatal("the handler's error was lost")
	}
	spans := rc.Trace("1-5759e988-bd862e3fe1be46a994272793")
	if len(spans) != 2 {
		t.Fatalf("%d spans received when the invocation returned, want 2: %+v", len(spans), rc.Spans())
	}
	root, child := spans[0], spans[1]
	if root.Name != "handler" || root.ParentID != "53995c3f42cd8ad8" || !root.Error || root.Service != "unit" || root.Kind != "SERVER" {
		t.Errorf("root %+v", root)
	}
	if child.ParentID != root.SpanID {
		t.Errorf("child %+v is not under the root", child)
	}
	if out := rc.Render(root.TraceID); !strings.Contains(out, "handler") || !strings.Contains(out, "  +") {
		t.Errorf("render:\n%s", out)
	}
}
