package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/local/traces"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/lambdatest"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

// One item's path as three real bootstraps under the emulator, each exporting its spans over
// OTLP/HTTP to a test receiver: POST /v1/items to the API (no topic, so the event waits in the
// outbox), the outbox function's scheduled run (which publishes it to a fake SNS), then the worker
// with the SQS message that SNS's raw delivery makes of it. The API's request span, the relay's
// publish and the worker's message span share one trace id, carried by the outbox row's
// trace_context and the message's traceparent attribute; the outbox run and the worker's
// invocation, which serve many items, link to it; and each function's log line about the item
// carries that trace id.
func TestOneTraceFromTheRequestToTheWorker(t *testing.T) {
	dsn := pgtest.NewDB(t)
	rc := &traces.Receiver{}
	otlp := httptest.NewServer(rc)
	defer otlp.Close()
	var mu sync.Mutex
	var publishes []url.Values
	sns := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		mu.Lock()
		publishes = append(publishes, form)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		_, _ = io.WriteString(w, `<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>`)
	}))
	defer sns.Close()
	tracingEnv := func(service string) map[string]string {
		return map[string]string{contract.EnvOTLPEndpoint: otlp.URL, contract.EnvOTELServiceName: service,
			contract.EnvOTELSampler: "traceidratio", contract.EnvOTELSamplerArg: "1",
			contract.EnvDatabaseURL: dsn, contract.EnvStage: "Dev",
			"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_MAX_ATTEMPTS": "1"}
	}

	// 1. The request.
	apiEnv := tracingEnv("api")
	apiEnv[contract.EnvUploadsBucket] = "uploads-bucket"
	api := lambdatest.Start(t, lambdatest.Build(t, "github.com/stratus-cdk/stratus/lambdas/api"), apiEnv)
	req, err := os.ReadFile("../api/testdata/create-item.json")
	if err != nil {
		t.Fatal(err)
	}
	var res events.APIGatewayProxyResponse
	if out := api.Invoke(t, json.RawMessage(req)); json.Unmarshal(out, &res) != nil || res.StatusCode != 201 {
		t.Fatalf("create: %s", out)
	}
	request := one(t, rc, func(s traces.Span) bool { return s.Service == "api" && s.Name == "POST /items" })
	trace := request.TraceID
	one(t, rc, func(s traces.Span) bool {
		return s.Service == "api" && s.TraceID == trace && strings.Contains(s.Attrs["db.query.text"]+s.Name, "BATCH")
	})

	// 2. The outbox run publishes the waiting row.
	outboxEnv := tracingEnv("outbox")
	outboxEnv[contract.EnvEventTopicArn] = "arn:aws:sns:eu-west-1:123456789012:events"
	outboxEnv[contract.EnvOutboxMinAge] = "0s"
	outboxEnv["AWS_ENDPOINT_URL_SNS"] = sns.URL
	relay := lambdatest.Start(t, lambdatest.Build(t, "github.com/stratus-cdk/stratus/lambdas/outbox"), outboxEnv)
	sched, err := os.ReadFile("../outbox/testdata/scheduled-event.json")
	if err != nil {
		t.Fatal(err)
	}
	if out := relay.Invoke(t, json.RawMessage(sched)); !strings.Contains(string(out), `"published":1`) {
		t.Fatalf("outbox run: %s\n%s", out, relay.Logs())
	}
	run := one(t, rc, func(s traces.Span) bool { return s.Service == "outbox" && s.Name == "outbox" })
	publish := one(t, rc, func(s traces.Span) bool { return s.Service == "outbox" && s.Name == "outbox publish" })
	if publish.TraceID != trace {
		t.Errorf("the relay published in trace %s, not the request's %s: the outbox row's trace context is lost", publish.TraceID, trace)
	}
	if !linksTo(publish, run) {
		t.Errorf("the publish span does not link to the run that found the row: %v", publish.Links)
	}
	one(t, rc, func(s traces.Span) bool {
		return s.Name == "SNS Publish" && s.TraceID == trace && s.ParentID == publish.SpanID
	})

	// 3. The worker gets the message as SNS's raw delivery hands it to SQS: attributes and all.
	mu.Lock()
	if len(publishes) != 1 {
		t.Fatalf("%d publishes, want 1", len(publishes))
	}
	form := publishes[0]
	mu.Unlock()
	attrs := map[string]events.SQSMessageAttribute{}
	for i := 1; form.Has("MessageAttributes.entry." + itoa(i) + ".Name"); i++ {
		v := form.Get("MessageAttributes.entry." + itoa(i) + ".Value.StringValue")
		attrs[form.Get("MessageAttributes.entry."+itoa(i)+".Name")] = events.SQSMessageAttribute{DataType: "String", StringValue: &v}
	}
	batch := events.SQSEvent{Records: []events.SQSMessage{{MessageId: "4f9d2a61-8c1e-4e1b-9f7a-2d6c3b5a4e10", Body: form.Get("Message"),
		MessageAttributes: attrs, EventSource: "aws:sqs", EventSourceARN: "arn:aws:sqs:eu-west-1:123456789012:worker"}}}
	worker := lambdatest.Start(t, lambdatest.Build(t, "github.com/stratus-cdk/stratus/lambdas/worker"), tracingEnv("worker"))
	if out := worker.Invoke(t, batch); string(out) != `{"batchItemFailures":[]}` {
		t.Fatalf("worker: %s\n%s", out, worker.Logs())
	}
	invocation := one(t, rc, func(s traces.Span) bool { return s.Service == "worker" && s.Name == "worker" })
	message := one(t, rc, func(s traces.Span) bool { return s.Service == "worker" && s.Name == "worker message" })
	if message.TraceID != trace || message.ParentID != publish.SpanID {
		t.Errorf("the worker's message span is in trace %s under %s, want the request's trace %s under the publish span %s",
			message.TraceID, message.ParentID, trace, publish.SpanID)
	}
	if !linksTo(message, invocation) {
		t.Errorf("the message span does not link to its invocation (the batch): %v", message.Links)
	}
	if out := rc.Render(trace); !strings.Contains(out, "POST /items") || !strings.Contains(out, "worker message") {
		t.Errorf("the trace does not show the path end to end:\n%s", out)
	}

	// The log lines of each step carry the request's trace.
	logged := func(fn *lambdatest.Emulator, msg string) {
		t.Helper()
		for _, l := range fn.LogLines() {
			if l["msg"] == msg && l["trace_id"] == trace && l["span_id"] != nil && l["xray_trace_id"] == "1-"+trace[:8]+"-"+trace[8:] {
				return
			}
		}
		t.Errorf("no %q line with trace_id %s:\n%s", msg, trace, fn.Logs())
	}
	logged(api, "request")
	logged(worker, "message done")
	if t.Failed() {
		t.Logf("spans:\n%s", rc.Render(trace))
	}
}

// one is the single span that matches.
func one(t *testing.T, rc *traces.Receiver, match func(traces.Span) bool) traces.Span {
	t.Helper()
	var got []traces.Span
	for _, s := range rc.Spans() {
		if match(s) {
			got = append(got, s)
		}
	}
	if len(got) != 1 {
		var all []string
		for _, s := range rc.Spans() {
			all = append(all, s.Service+" "+s.Name+" "+s.TraceID)
		}
		t.Fatalf("%d matching spans, want 1; received:\n%s", len(got), strings.Join(all, "\n"))
	}
	return got[0]
}

func linksTo(s, target traces.Span) bool {
	for _, l := range s.Links {
		if l == target.TraceID+"/"+target.SpanID {
			return true
		}
	}
	return false
}

func itoa(i int) string { return string(rune('0' + i)) }
