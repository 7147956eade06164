package tracing_test

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/tracing"
	"github.com/stratus-cdk/stratus/lambdas/internal/local/traces"
)

func spanContext(t *testing.T, tid, sid string, remote bool) trace.SpanContext {
	t.Helper()
	ti, err := trace.TraceIDFromHex(tid)
	if err != nil {
		t.Fatal(err)
	}
	si, err := trace.SpanIDFromHex(sid)
	if err != nil {
		t.Fatal(err)
	}
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: ti, SpanID: si, TraceFlags: trace.FlagsSampled, Remote: remote})
}

// Two spans of one function: a server span under a remote parent (Lambda's) that failed, with
// every kind of attribute and an event, and a consumer span of another trace that links to it.
func stubs(t *testing.T) []sdktrace.ReadOnlySpan {
	res := resource.NewSchemaless(attribute.String("service.name", "api"), attribute.String("cloud.provider", "aws"))
	scope := instrumentation.Scope{Name: tracing.Name, Version: "1"}
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 123456789, time.UTC)
	req := tracetest.SpanStub{
		Name:        "POST /items",
		SpanContext: spanContext(t, "6b169fc0bd862e3fe1be46a994272793", "53995c3f42cd8ad8", false),
		Parent:      spanContext(t, "6b169fc0bd862e3fe1be46a994272793", "0102030405060708", true),
		SpanKind:    trace.SpanKindServer,
		StartTime:   t0, EndTime: t0.Add(1500 * time.Microsecond),
		Attributes: []attribute.KeyValue{attribute.String("http.route", "/items"), attribute.Int64("http.response.status_code", 500),
			attribute.Int64("big", math.MaxInt64), attribute.Bool("ok", false), attribute.Float64("ratio", 0.25),
			attribute.Float64("nan", math.NaN()), attribute.StringSlice("tags", []string{"a", "b"}), attribute.Int64Slice("ns", []int64{1, -2})},
		Events:   []sdktrace.Event{{Name: "exception", Time: t0.Add(time.Millisecond), Attributes: []attribute.KeyValue{attribute.String("exception.message", "boom")}}},
		Status:   sdktrace.Status{Code: codes.Error, Description: "boom"},
		Resource: res, InstrumentationScope: scope,
	}
	worker := tracetest.SpanStub{
		Name:        "worker",
		SpanContext: spanContext(t, "6b169fc1000000000000000000000001", "00000000000000aa", false),
		SpanKind:    trace.SpanKindConsumer,
		StartTime:   t0.Add(time.Second), EndTime: t0.Add(2 * time.Second),
		Links:    []sdktrace.Link{{SpanContext: spanContext(t, "6b169fc0bd862e3fe1be46a994272793", "53995c3f42cd8ad8", true), Attributes: []attribute.KeyValue{attribute.String("k", "v")}}},
		Status:   sdktrace.Status{Code: codes.Ok},
		Resource: res, InstrumentationScope: scope,
	}
	return []sdktrace.ReadOnlySpan{req.Snapshot(), worker.Snapshot()}
}

// The body is the OTLP specification's JSON encoding: lowerCamelCase keys, hex ids (not
// base64), enums as integers, 64-bit integers as decimal strings.
func TestExportIsOTLPJSON(t *testing.T) {
	var body []byte
	var ctype string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(r.Body)
		body, ctype = buf.Bytes(), r.Header.Get("Content-Type")
		if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" {
			t.Errorf("%s %s", r.Method, r.URL.Path)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
	}))
	defer srv.Close()
	exp := &tracing.Exporter{URL: srv.URL + "/v1/traces"}
	if err := exp.ExportSpans(t.Context(), stubs(t)); err != nil {
		t.Fatal(err)
	}
	if ctype != "application/json" {
		t.Errorf("Content-Type %q", ctype)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	rs := doc["resourceSpans"].([]any)[0].(map[string]any)
	ss := rs["scopeSpans"].([]any)[0].(map[string]any)
	if name := ss["scope"].(map[string]any)["name"]; name != tracing.Name {
		t.Errorf("scope %v", name)
	}
	if attrs := rs["resource"].(map[string]any)["attributes"].([]any); len(attrs) != 2 {
		t.Errorf("resource attributes %v", attrs)
	}
	s := ss["spans"].([]any)[0].(map[string]any)
	for k, want := range map[string]any{
		"traceId": "6b169fc0bd862e3fe1be46a994272793", "spanId": "53995c3f42cd8ad8", "parentSpanId": "0102030405060708",
		"name": "POST /items", "kind": 2.0, "startTimeUnixNano": "1796644800123456789", "endTimeUnixNano": "1796644800124956789",
		"flags": float64(0x301), "status": map[string]any{"code": 2.0, "message": "boom"},
	} {
		if !reflect.DeepEqual(s[k], want) {
			t.Errorf("%s = %#v, want %#v", k, s[k], want)
		}
	}
	for _, want := range []string{`{"key":"big","value":{"intValue":"9223372036854775807"}}`, `{"key":"ratio","value":{"doubleValue":0.25}}`,
		`{"key":"nan","value":{"doubleValue":"NaN"}}`, `{"key":"ok","value":{"boolValue":false}}`,
		`{"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"a"},{"stringValue":"b"}]}}}`,
		`"events":[{"timeUnixNano":"1796644800124456789","name":"exception","attributes":[{"key":"exception.message","value":{"stringValue":"boom"}}]}]`,
		`"links":[{"traceId":"6b169fc0bd862e3fe1be46a994272793","spanId":"53995c3f42cd8ad8","attributes":[{"key":"k","value":{"stringValue":"v"}}],"flags":1}]`,
		`"kind":5`, `"status":{"code":1}`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body lacks %s:\n%s", want, body)
		}
	}
	for _, bad := range []string{"trace_id", "SPAN_KIND", "STATUS_CODE", "==\""} {
		if strings.Contains(string(body), bad) {
			t.Errorf("body has %q (snake case, enum names or base64):\n%s", bad, body)
		}
	}
}

// What the exporter encodes, the receiver decodes: ids, parent, links, attributes, status, times.
func TestSpansRoundTripThroughTheReceiver(t *testing.T) {
	in := stubs(t)
	body, err := json.Marshal(tracing.Encode(in))
	if err != nil {
		t.Fatal(err)
	}
	var td tracing.TracesData
	if err := json.Unmarshal(body, &td); err != nil {
		t.Fatal(err)
	}
	if again, _ := json.Marshal(&td); !bytes.Equal(again, body) {
		t.Errorf("decode then encode changed the body:\n%s\n%s", body, again)
	}
	rc := &traces.Receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	if err := (&tracing.Exporter{URL: srv.URL + "/v1/traces"}).ExportSpans(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	got := rc.Spans()
	if len(got) != 2 {
		t.Fatalf("%d spans: %+v", len(got), got)
	}
	req, worker := got[0], got[1]
	want := traces.Span{Service: "api", TraceID: "6b169fc0bd862e3fe1be46a994272793", SpanID: "53995c3f42cd8ad8", ParentID: "0102030405060708",
		Name: "POST /items", Kind: "SERVER", Start: in[0].StartTime(), End: in[0].EndTime(), Error: true,
		Attrs: map[string]string{"http.route": "/items", "http.response.status_code": "500", "big": "9223372036854775807", "ok": "false",
			"ratio": "0.25", "nan": "NaN", "tags": "[a b]", "ns": "[1 -2]"}}
	if !req.Start.Equal(want.Start) || !req.End.Equal(want.End) {
		t.Errorf("times %v–%v, want %v–%v", req.Start, req.End, want.Start, want.End)
	}
	req.Start, req.End, want.Start, want.End = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(req, want) {
		t.Errorf("request span\n %+v\nwant\n %+v", req, want)
	}
	if worker.Kind != "CONSUMER" || worker.Error || worker.ParentID != "" || !reflect.DeepEqual(worker.Links, []string{"6b169fc0bd862e3fe1be46a994272793/53995c3f42cd8ad8"}) ||
		worker.Duration() != time.Second {
		t.Errorf("worker span %+v", worker)
	}
	s := td.ResourceSpans[0].ScopeSpans[0].Spans
	if st := s[0].Status; st == nil || *st != (tracing.Status{Code: tracing.StatusError, Message: "boom"}) || s[1].Status.Code != tracing.StatusOk {
		t.Errorf("statuses %+v %+v", s[0].Status, s[1].Status)
	}
	if len(s[0].Events) != 1 || s[0].Events[0].Name != "exception" || int64(s[0].Events[0].TimeUnixNano) != in[0].Events()[0].Time.UnixNano() {
		t.Errorf("events %+v", s[0].Events)
	}
	if l := s[1].Links; len(l) != 1 || l[0].Attributes[0].Value.String() != "v" {
		t.Errorf("links %+v", l)
	}
}

// The receiver refuses what it cannot read: protobuf (415) and ids that are not hex (400), and
// reads 64-bit integers given as JSON numbers and upper-case ids, as the specification allows.
func TestReceiverChecksTheBody(t *testing.T) {
	rc := &traces.Receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	post := func(ctype, body string) int {
		res, err := http.Post(srv.URL+"/v1/traces", ctype, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	span := func(tid string) string {
		return `{"resourceSpans":[{"resource":{},"scopeSpans":[{"scope":{},"spans":[{"traceId":"` + tid +
			`","spanId":"53995C3F42CD8AD8","name":"x","kind":1,"startTimeUnixNano":1796644800000000000,"endTimeUnixNano":"1796644801000000000","unknownField":true}]}]}]}`
	}
	if code := post("application/x-protobuf", "\x0a\x00"); code != http.StatusUnsupportedMediaType {
		t.Errorf("protobuf: %d", code)
	}
	if code := post("application/json", span("base64+notHex==")); code != http.StatusBadRequest {
		t.Errorf("a base64 id: %d", code)
	}
	if code := post("application/json; charset=utf-8", span("6B169FC0BD862E3FE1BE46A994272793")); code != http.StatusOK {
		t.Fatalf("a good span: %d", code)
	}
	got := rc.Spans()
	if len(got) != 1 || got[0].TraceID != "6b169fc0bd862e3fe1be46a994272793" || got[0].SpanID != "53995c3f42cd8ad8" || got[0].Duration() != time.Second || got[0].Kind != "INTERNAL" {
		t.Errorf("spans %+v", got)
	}
}
