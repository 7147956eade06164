package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/event"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/worker"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func quiet() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

func newPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), pgtest.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// fakeS3 answers HEAD with a fixed object per key.
type fakeS3 struct {
	mu      sync.Mutex
	objects map[string]awsx.ObjectInfo
	err     error
	heads   int
}

func (f *fakeS3) Head(_ context.Context, bucket, key string) (awsx.ObjectInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.heads++
	if f.err != nil {
		return awsx.ObjectInfo{}, f.err
	}
	info, ok := f.objects[bucket+"/"+key]
	if !ok {
		return awsx.ObjectInfo{}, fmt.Errorf("head: %w", awsx.ErrObjectNotFound)
	}
	return info, nil
}

func itemEvent(typ, owner, itemID, title string, extra map[string]any) event.Event {
	p := map[string]any{"item": map[string]any{"id": itemID, "title": title, "status": "open"}}
	for k, v := range extra {
		p[k] = v
	}
	if typ == event.ItemUpdated && extra["changed"] != nil && extra["status"] != nil {
		p["item"].(map[string]any)["status"] = extra["status"]
	}
	payload, _ := json.Marshal(p)
	return event.Event{ID: uuid.NewString(), Type: typ, Time: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC), Owner: owner, Payload: payload}
}

// sqsRecord is e as the subscription's queue delivers it (raw message delivery).
func sqsRecord(e event.Event) events.SQSMessage {
	body, _ := json.Marshal(e)
	return events.SQSMessage{
		MessageId: uuid.NewString(), Body: string(body), EventSource: "aws:sqs",
		EventSourceARN: "arn:aws:sqs:eu-west-1:123456789012:worker",
		MessageAttributes: map[string]events.SQSMessageAttribute{
			"type":     {DataType: "String", StringValue: &e.Type},
			"event_id": {DataType: "String", StringValue: &e.ID},
		},
	}
}

func rawRecord(body string) events.SQSMessage {
	return events.SQSMessage{MessageId: uuid.NewString(), Body: body, EventSource: "aws:sqs",
		EventSourceARN: "arn:aws:sqs:eu-west-1:123456789012:worker"}
}

func failures(resp events.SQSEventResponse) []string {
	ids := []string{}
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

type activityRow struct {
	Owner, Type, ItemID, Summary string
	OccurredAt                   time.Time
}

func activities(t testing.TB, db *pgxpool.Pool, owner string) []activityRow {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT owner, type, coalesce(item_id::text, ''), summary, occurred_at
		FROM activity WHERE owner = $1 ORDER BY created_at, id`, owner)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []activityRow
	for rows.Next() {
		var a activityRow
		if err := rows.Scan(&a.Owner, &a.Type, &a.ItemID, &a.Summary, &a.OccurredAt); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func TestItemEventsBecomeTheOwnersActivity(t *testing.T) {
	db := newPool(t)
	c := worker.New(db, &fakeS3{}, worker.Options{Logger: quiet()})
	item := uuid.NewString()
	batch := events.SQSEvent{Records: []events.SQSMessage{
		sqsRecord(itemEvent(event.ItemCreated, "alice", item, "Buy milk", nil)),
		sqsRecord(itemEvent(event.ItemUpdated, "alice", item, "Buy milk", map[string]any{"changed": []string{"status"}, "status": "done"})),
		sqsRecord(itemEvent(event.ItemUpdated, "alice", item, "Buy oat milk", map[string]any{"changed": []string{"title", "notes"}})),
		sqsRecord(itemEvent(event.ItemDeleted, "alice", item, "Buy oat milk", nil)),
	}}
	resp, err := c.HandleSQS(context.Background(), batch)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("resp = %+v, %v", resp, err)
	}
	got := activities(t, db, "alice")
	want := []string{`Created "Buy milk"`, `Completed "Buy milk"`, `Updated "Buy oat milk" (title, notes)`, `Deleted "Buy oat milk"`}
	if len(got) != len(want) {
		t.Fatalf("activity = %+v", got)
	}
	for i, a := range got {
		if a.Summary != want[i] || a.ItemID != item || !a.OccurredAt.Equal(time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)) {
			t.Errorf("activity %d = %+v, want summary %q for item %s", i, a, want[i], item)
		}
	}
	if n := len(activities(t, db, "bob")); n != 0 {
		t.Errorf("bob sees %d of alice's entries", n)
	}
}

func TestAttachmentRequestedBecomesActivity(t *testing.T) {
	db := newPool(t)
	item, att := uuid.NewString(), uuid.NewString()
	payload, _ := json.Marshal(map[string]any{"attachment": map[string]any{"id": att, "fileName": "report.pdf"},
		"key": "attachments/alice/" + item + "/" + att + "/report.pdf"})
	e := event.Event{ID: uuid.NewString(), Type: event.AttachmentRequested, Time: time.Now().UTC(), Owner: "alice", Payload: payload}
	res, err := worker.New(db, &fakeS3{}, worker.Options{Logger: quiet()}).Process(context.Background(), worker.Message{Body: string(mustJSON(e)), Type: e.Type})
	if err != nil || res.Outcome != worker.Processed {
		t.Fatalf("res = %+v, %v", res, err)
	}
	if got := activities(t, db, "alice"); len(got) != 1 || got[0].Summary != `Upload of "report.pdf" requested` || got[0].ItemID != item {
		t.Errorf("activity = %+v", got)
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// The same event delivered twice (in one batch, in a later batch, and concurrently) is one entry.
func TestSameEventDeliveredTwiceIsOneActivity(t *testing.T) {
	db := newPool(t)
	c := worker.New(db, &fakeS3{}, worker.Options{Logger: quiet()})
	e := itemEvent(event.ItemCreated, "alice", uuid.NewString(), "Once", nil)
	first, again := sqsRecord(e), sqsRecord(e)
	resp, _ := c.HandleSQS(context.Background(), events.SQSEvent{Records: []events.SQSMessage{first, again}})
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v", failures(resp))
	}
	res, err := c.Process(context.Background(), worker.Message{Body: first.Body, Type: e.Type})
	if err != nil || res.Outcome != worker.Duplicate {
		t.Fatalf("redelivery: %+v, %v; want duplicate", res, err)
	}
	e2 := itemEvent(event.ItemCreated, "alice", uuid.NewString(), "Raced", nil)
	var wg sync.WaitGroup
	outcomes := make([]worker.Outcome, 4)
	for i := range outcomes {
		wg.Go(func() {
			r, err := c.Process(context.Background(), worker.Message{Body: string(mustJSON(e2)), Type: e2.Type})
			if err != nil {
				t.Error(err)
			}
			outcomes[i] = r.Outcome
		})
	}
	wg.Wait()
	processed := 0
	for _, o := range outcomes {
		if o == worker.Processed {
			processed++
		}
	}
	if processed != 1 {
		t.Errorf("concurrent deliveries: outcomes %v, want exactly one processed", outcomes)
	}
	if got := activities(t, db, "alice"); len(got) != 2 {
		t.Errorf("activity = %+v, want one entry per event", got)
	}
}

func TestPoisonRecordFailsOnlyItself(t *testing.T) {
	db := newPool(t)
	c := worker.New(db, &fakeS3{}, worker.Options{Logger: quiet()})
	poison := rawRecord(`{"id": "0b6c…`)
	unknown := sqsRecord(event.Event{ID: uuid.NewString(), Type: "item.archived", Time: time.Now(), Owner: "alice", Payload: json.RawMessage(`{}`)})
	batch := events.SQSEvent{Records: []events.SQSMessage{
		sqsRecord(itemEvent(event.ItemCreated, "alice", uuid.NewString(), "before", nil)),
		poison,
		rawRecord(""), // dropped
		unknown,       // dropped
		sqsRecord(itemEvent(event.ItemCreated, "alice", uuid.NewString(), "after", nil)),
	}}
	resp, err := c.HandleSQS(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	if got := failures(resp); len(got) != 1 || got[0] != poison.MessageId {
		t.Fatalf("BatchItemFailures = %v, want only the poison record %s", got, poison.MessageId)
	}
	if got := activities(t, db, "alice"); len(got) != 2 {
		t.Errorf("activity = %+v, want the two good records", got)
	}
}

func TestFIFOFailureFailsTheRestOfTheBatch(t *testing.T) {
	db := newPool(t)
	c := worker.New(db, &fakeS3{}, worker.Options{Logger: quiet()})
	recs := []events.SQSMessage{
		sqsRecord(itemEvent(event.ItemCreated, "alice", uuid.NewString(), "1", nil)),
		rawRecord("not json"),
		sqsRecord(itemEvent(event.ItemCreated, "alice", uuid.NewString(), "3", nil)),
	}
	for i := range recs {
		recs[i].EventSourceARN = "arn:aws:sqs:eu-west-1:123456789012:worker.fifo"
	}
	resp, _ := c.HandleSQS(context.Background(), events.SQSEvent{Records: recs})
	if got := failures(resp); len(got) != 2 || got[0] != recs[1].MessageId || got[1] != recs[2].MessageId {
		t.Fatalf("failures = %v, want the failed record and every later one", got)
	}
	if got := activities(t, db, "alice"); len(got) != 1 {
		t.Errorf("activity = %+v, want only the first record applied", got)
	}
}

func TestEmptyBatchAnswersNoFailures(t *testing.T) {
	resp, err := worker.New(newPool(t), &fakeS3{}, worker.Options{Logger: quiet()}).HandleSQS(context.Background(), events.SQSEvent{})
	if err != nil || resp.BatchItemFailures == nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("resp = %#v, %v; want an empty (not null) list", resp, err)
	}
	b, _ := json.Marshal(resp)
	if string(b) != `{"batchItemFailures":[]}` {
		t.Errorf("JSON = %s", b)
	}
}

func TestDatabaseDownFailsEveryRecord(t *testing.T) {
	db := newPool(t)
	c := worker.New(db, &fakeS3{}, worker.Options{Logger: quiet()})
	db.Close()
	recs := []events.SQSMessage{
		sqsRecord(itemEvent(event.ItemCreated, "alice", uuid.NewString(), "a", nil)),
		sqsRecord(itemEvent(event.ItemCreated, "alice", uuid.NewString(), "b", nil)),
	}
	resp, err := c.HandleSQS(context.Background(), events.SQSEvent{Records: recs})
	if err != nil || len(resp.BatchItemFailures) != 2 {
		t.Fatalf("resp = %+v, %v; want both to be retried", resp, err)
	}
}

func TestMessageClassification(t *testing.T) {
	db := newPool(t)
	c := worker.New(db, &fakeS3{}, worker.Options{Logger: quiet(), UploadsBucket: "uploads-bucket"})
	valid := itemEvent(event.ItemCreated, "alice", uuid.NewString(), "x", nil)
	with := func(f func(*event.Event)) string {
		e := valid
		e.ID = uuid.NewString()
		f(&e)
		return string(mustJSON(e))
	}
	testEvent, _ := os.ReadFile("testdata/s3-test-event.json")
	wrapped, _ := os.ReadFile("testdata/sns-wrapped.json")
	cases := []struct {
		name, body, typ string
		want            worker.Outcome
		detail          string
	}{
		{"empty body", "", "", worker.Dropped, "empty body"},
		{"blank body", " \n", "", worker.Dropped, "empty body"},
		{"not JSON", "hello", "", worker.Failed, ""},
		{"JSON array", "[1,2]", "", worker.Failed, ""},
		{"JSON null", "null", "", worker.Failed, ""},
		{"unknown shape", `{"hello":"world"}`, "", worker.Failed, ""},
		{"SNS envelope (raw delivery off)", string(wrapped), "", worker.Failed, ""},
		{"id not a UUID", with(func(e *event.Event) { e.ID = "42" }), event.ItemCreated, worker.Failed, ""},
		{"no owner", with(func(e *event.Event) { e.Owner = "" }), event.ItemCreated, worker.Failed, ""},
		{"no time", with(func(e *event.Event) { e.Time = time.Time{} }), event.ItemCreated, worker.Failed, ""},
		{"type attribute disagrees", with(func(*event.Event) {}), event.ItemDeleted, worker.Failed, ""},
		{"item payload without id", with(func(e *event.Event) { e.Payload = json.RawMessage(`{"item":{}}`) }), event.ItemCreated, worker.Failed, ""},
		{"unknown type", with(func(e *event.Event) { e.Type = "item.shared" }), "item.shared", worker.Dropped, `"item.shared" is not handled`},
		{"envelope without type attribute", with(func(*event.Event) {}), "", worker.Processed, ""},
		{"s3:TestEvent", string(testEvent), "", worker.Dropped, "s3:TestEvent"},
		{"S3 key outside attachments", s3Body("avatars/alice/me.png", 10, "1"), "", worker.Dropped, "is not attachments/"},
		{"S3 other bucket", strings.Replace(s3Body("attachments/alice/"+uuid.NewString()+"/"+uuid.NewString()+"/a.txt", 1, "1"), `"uploads-bucket"`, `"other"`, 1), "", worker.Dropped, "not the uploads bucket"},
		{"S3 attachment unknown", s3Body("attachments/alice/"+uuid.NewString()+"/"+uuid.NewString()+"/a.txt", 1, "1"), "", worker.Dropped, "does not exist"},
		{"S3 without records", `{"Records":[]}`, "", worker.Dropped, "without records"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := c.Process(context.Background(), worker.Message{ID: "m", Body: tc.body, Type: tc.typ})
			if res.Outcome != tc.want || (tc.want == worker.Failed) != (err != nil) {
				t.Fatalf("outcome %s (%v), want %s", res.Outcome, err, tc.want)
			}
			if !strings.Contains(res.Detail, tc.detail) {
				t.Errorf("detail %q, want it to mention %q", res.Detail, tc.detail)
			}
		})
	}
}

// s3Body is a real S3 object-created notification for key (URL-encoded as S3 does).
func s3Body(key string, size int64, sequencer string) string {
	b, err := os.ReadFile("testdata/s3-put.json")
	if err != nil {
		panic(err)
	}
	enc := strings.NewReplacer(" ", "+", "(", "%28", ")", "%29").Replace(key)
	return strings.NewReplacer("KEY", enc, "SIZE", fmt.Sprint(size), "SEQ", sequencer).Replace(string(b))
}

// upload creates an item and a pending attachment (as POST /items/{id}/attachments does) and
// returns its key.
func upload(t testing.TB, db *pgxpool.Pool, owner, fileName, contentType string, size int64) (attID, key string) {
	t.Helper()
	ctx := context.Background()
	item, att := uuid.NewString(), uuid.NewString()
	key = "attachments/" + owner + "/" + item + "/" + att + "/" + fileName
	if _, err := db.Exec(ctx, `INSERT INTO items (id, owner, title) VALUES ($1, $2, 'with attachment')`, item, owner); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO attachments (id, item_id, owner, file_name, content_type, size, s3_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, att, item, owner, fileName, contentType, size, key); err != nil {
		t.Fatal(err)
	}
	return att, key
}

func status(t testing.TB, db *pgxpool.Pool, att string) string {
	t.Helper()
	var s string
	if err := db.QueryRow(context.Background(), `SELECT status FROM attachments WHERE id = $1`, att).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestUploadChecks(t *testing.T) {
	db := newPool(t)
	cases := []struct {
		name, declType string
		declSize       int64
		got            awsx.ObjectInfo
		want, summary  string
	}{
		{"matches", "application/pdf", 2048, awsx.ObjectInfo{Size: 2048, ContentType: "application/pdf"}, "ready", `is ready`},
		{"type with parameter and case", "text/plain", 5, awsx.ObjectInfo{Size: 5, ContentType: "Text/Plain; charset=utf-8"}, "ready", `is ready`},
		{"size differs", "application/pdf", 2048, awsx.ObjectInfo{Size: 4096, ContentType: "application/pdf"}, "rejected", "size 4096 B, declared 2048 B"},
		{"type differs", "image/png", 100, awsx.ObjectInfo{Size: 100, ContentType: "application/x-msdownload"}, "rejected", `content type "application/x-msdownload", declared "image/png"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			owner := "owner-" + uuid.NewString()[:8]
			att, key := upload(t, db, owner, "my report (1).pdf", tc.declType, tc.declSize)
			s3 := &fakeS3{objects: map[string]awsx.ObjectInfo{"uploads-bucket/" + key: tc.got}}
			c := worker.New(db, s3, worker.Options{Logger: quiet(), UploadsBucket: "uploads-bucket"})
			resp, _ := c.HandleSQS(context.Background(), events.SQSEvent{Records: []events.SQSMessage{rawRecord(s3Body(key, tc.got.Size, "0062"))}})
			if len(resp.BatchItemFailures) != 0 {
				t.Fatalf("failures %v", failures(resp))
			}
			if got := status(t, db, att); got != tc.want {
				t.Errorf("status %s, want %s", got, tc.want)
			}
			acts := activities(t, db, owner)
			if len(acts) != 1 || !strings.Contains(acts[0].Summary, tc.summary) || acts[0].Type != "attachment."+tc.want {
				t.Errorf("activity = %+v, want one attachment.%s entry mentioning %q", acts, tc.want, tc.summary)
			}
		})
	}
}

func TestUploadNotificationTwiceChecksOnceButANewUploadIsChecked(t *testing.T) {
	db := newPool(t)
	att, key := upload(t, db, "alice", "a.txt", "text/plain", 3)
	s3 := &fakeS3{objects: map[string]awsx.ObjectInfo{"uploads-bucket/" + key: {Size: 4, ContentType: "text/plain"}}}
	c := worker.New(db, s3, worker.Options{Logger: quiet()})
	for range 2 {
		if res, err := c.Process(context.Background(), worker.Message{Body: s3Body(key, 4, "01")}); err != nil {
			t.Fatal(res, err)
		}
	}
	if s3.heads != 1 || status(t, db, att) != "rejected" {
		t.Fatalf("heads %d status %s; want one check, rejected", s3.heads, status(t, db, att))
	}
	s3.objects["uploads-bucket/"+key] = awsx.ObjectInfo{Size: 3, ContentType: "text/plain"}
	if res, err := c.Process(context.Background(), worker.Message{Body: s3Body(key, 3, "02")}); err != nil || res.Outcome != worker.Processed {
		t.Fatal(res, err)
	}
	if status(t, db, att) != "ready" {
		t.Errorf("a correct re-upload stays %s", status(t, db, att))
	}
}

func TestUploadS3ErrorIsRetriedAndObjectGoneIsDropped(t *testing.T) {
	db := newPool(t)
	att, key := upload(t, db, "alice", "a.txt", "text/plain", 3)
	s3 := &fakeS3{err: errors.New("SlowDown: please reduce your request rate")}
	c := worker.New(db, s3, worker.Options{Logger: quiet()})
	msg := rawRecord(s3Body(key, 3, "01"))
	resp, _ := c.HandleSQS(context.Background(), events.SQSEvent{Records: []events.SQSMessage{msg}})
	if got := failures(resp); len(got) != 1 || status(t, db, att) != "pending" {
		t.Fatalf("failures %v status %s; want a retry, still pending", got, status(t, db, att))
	}
	s3.err = nil // the object was deleted meanwhile
	resp, _ = c.HandleSQS(context.Background(), events.SQSEvent{Records: []events.SQSMessage{msg}})
	if got := failures(resp); len(got) != 0 || status(t, db, att) != "pending" {
		t.Fatalf("failures %v status %s; want dropped, still pending", got, status(t, db, att))
	}
	s3.objects = map[string]awsx.ObjectInfo{"uploads-bucket/" + key: {Size: 3, ContentType: "text/plain"}}
	resp, _ = c.HandleSQS(context.Background(), events.SQSEvent{Records: []events.SQSMessage{msg}})
	if got := failures(resp); len(got) != 0 || status(t, db, att) != "ready" {
		t.Fatalf("failures %v status %s; want ready once the object is there", got, status(t, db, att))
	}
}

func TestHandleSQSLogsOneLinePerMessage(t *testing.T) {
	var buf strings.Builder
	c := worker.New(newPool(t), &fakeS3{}, worker.Options{Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	e := itemEvent(event.ItemCreated, "alice", uuid.NewString(), "x", nil)
	_, _ = c.HandleSQS(context.Background(), events.SQSEvent{Records: []events.SQSMessage{sqsRecord(e), rawRecord(""), rawRecord("x")}})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want 3:\n%s", len(lines), buf.String())
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first["event_id"] != e.ID || first["outcome"] != "processed" {
		t.Errorf("first line %s (%v)", lines[0], err)
	}
}
