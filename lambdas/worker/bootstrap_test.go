package main_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/lambdatest"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// jsonString is s as a JSON string literal without the quotes (for a body inside the SQS JSON).
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// The worker as a real bootstrap under the emulator, invoked with a real SQS batch: an item event,
// a truncated (poison) body, an S3 object-created notification and the s3:TestEvent. It answers a
// partial batch response naming only the poison message, and applies the rest.
func TestBootstrapAnswersAPartialBatchResponse(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDB(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	item, att := uuid.NewString(), uuid.NewString()
	key := "attachments/alice/" + item + "/" + att + "/scan 1.png"
	if _, err := conn.Exec(ctx, `INSERT INTO items (id, owner, title) VALUES ($1, 'alice', 'tax return')`, item); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO attachments (id, item_id, owner, file_name, content_type, size, s3_key)
		VALUES ($1, $2, 'alice', 'scan 1.png', 'image/png', 5120, $3)`, att, item, key); err != nil {
		t.Fatal(err)
	}
	var heads atomic.Int32
	s3 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead || r.URL.EscapedPath() != "/uploads-bucket/"+strings.ReplaceAll(key, " ", "%20") {
			http.NotFound(w, r)
			return
		}
		heads.Add(1)
		w.Header().Set("Content-Length", "5120")
		w.Header().Set("Content-Type", "image/png")
	}))
	defer s3.Close()

	eventID := uuid.NewString()
	itemEvent := `{"id":"` + eventID + `","type":"item.created","time":"2026-11-27T08:00:00Z","owner":"alice","payload":{"item":{"id":"` +
		item + `","title":"tax return","status":"open"}}}`
	s3Event := `{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"eu-west-1","eventTime":"2026-11-27T08:00:05.000Z",` +
		`"eventName":"ObjectCreated:Put","s3":{"s3SchemaVersion":"1.0","bucket":{"name":"uploads-bucket","arn":"arn:aws:s3:::uploads-bucket"},` +
		`"object":{"key":"` + strings.ReplaceAll(key, " ", "+") + `","size":5120,"eTag":"0f343b0931126a20f133d67c2b018a3b","sequencer":"0055AED6DCD90281E5"}}}]}`
	tmpl, err := os.ReadFile("testdata/sqs-event.json")
	if err != nil {
		t.Fatal(err)
	}
	batch := strings.NewReplacer("ITEM_EVENT", jsonString(itemEvent), "EVENT_ID", eventID, "S3_EVENT", jsonString(s3Event)).Replace(string(tmpl))

	bin := lambdatest.Build(t, "github.com/stratus-cdk/stratus/lambdas/worker")
	fn := lambdatest.Start(t, bin, map[string]string{
		contract.EnvDatabaseURL:   dsn,
		contract.EnvDBProxy:       "true", // statements as behind an RDS Proxy (no named prepared statements)
		contract.EnvUploadsBucket: "uploads-bucket",
		"AWS_REGION":              "eu-west-1",
		"AWS_ACCESS_KEY_ID":       "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY":   "secret",
		"AWS_ENDPOINT_URL_S3":     s3.URL,
		"AWS_MAX_ATTEMPTS":        "1",
	})
	for i := range 2 { // the second delivery of the same batch changes nothing
		out := fn.Invoke(t, json.RawMessage(batch))
		if want := `{"batchItemFailures":[{"itemIdentifier":"2e1424d4-f796-459a-8184-9c92662be6da"}]}`; string(out) != want {
			t.Fatalf("delivery %d: response %s\nwant %s\nlogs:\n%s", i+1, out, want, fn.Logs())
		}
	}

	var summaries []string
	rows, err := conn.Query(ctx, `SELECT type || ': ' || summary FROM activity WHERE owner = 'alice' ORDER BY occurred_at`)
	if err != nil {
		t.Fatal(err)
	}
	summaries, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`item.created: Created "tax return"`, `attachment.ready: Attachment "scan 1.png" is ready`}
	if strings.Join(summaries, "|") != strings.Join(want, "|") {
		t.Errorf("activity = %q, want %q", summaries, want)
	}
	var status string
	if err := conn.QueryRow(ctx, `SELECT status FROM attachments WHERE id = $1`, att).Scan(&status); err != nil || status != "ready" {
		t.Errorf("attachment status %q (%v), want ready", status, err)
	}
	if heads.Load() != 1 {
		t.Errorf("%d HEAD requests, want 1 (the redelivery is a duplicate)", heads.Load())
	}
	outcomes := map[string]int{}
	for _, l := range fn.LogLines() {
		if l["request_id"] == nil || l["sqs_message_id"] == nil {
			continue
		}
		outcomes[l["outcome"].(string)]++
	}
	if outcomes["processed"] != 2 || outcomes["duplicate"] != 2 || outcomes["failed"] != 2 || outcomes["dropped"] != 2 {
		t.Errorf("outcomes logged %v, want 2 processed, 2 duplicate, 2 failed, 2 dropped\n%s", outcomes, fn.Logs())
	}
}
