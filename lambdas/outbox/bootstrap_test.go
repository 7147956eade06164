package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/lambdatest"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/wait"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fakeSNS answers the SNS Query API's Publish and records the form of each request.
type fakeSNS struct {
	*httptest.Server
	down  atomic.Bool
	mu    sync.Mutex
	forms []url.Values
}

func newFakeSNS(t *testing.T) *fakeSNS {
	f := &fakeSNS{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		w.Header().Set("Content-Type", "text/xml")
		if f.down.Load() || form.Get("Action") != "Publish" {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>down</Message></Error><RequestId>r</RequestId></ErrorResponse>`)
			return
		}
		f.mu.Lock()
		f.forms = append(f.forms, form)
		f.mu.Unlock()
		_, _ = io.WriteString(w, `<PublishResponse><PublishResult><MessageId>`+uuid.NewString()+`</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>`)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeSNS) published() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.forms...)
}

func insertRow(t *testing.T, conn *pgx.Conn, age time.Duration) string {
	t.Helper()
	id := uuid.NewString()
	payload := `{"item":{"id":"` + uuid.NewString() + `","title":"t","status":"open"}}`
	if _, err := conn.Exec(context.Background(), `INSERT INTO outbox (id, type, owner, payload, created_at)
		VALUES ($1, 'item.created', 'alice', $2, now() - make_interval(secs => $3))`, id, payload, age.Seconds()); err != nil {
		t.Fatal(err)
	}
	return id
}

// The outbox Lambda as a real bootstrap under the emulator, invoked with a scheduled event: with
// SNS down it keeps the rows; once SNS is back it publishes each waiting row once.
func TestBootstrapPublishesWaitingRowsOnSchedule(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDB(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	waiting := map[string]bool{insertRow(t, conn, time.Minute): true, insertRow(t, conn, 2*time.Minute): true, insertRow(t, conn, time.Hour): true}

	sns := newFakeSNS(t)
	sns.down.Store(true)
	bin := lambdatest.Build(t, "github.com/stratus-cdk/stratus/lambdas/outbox")
	fn := lambdatest.Start(t, bin, map[string]string{
		contract.EnvDatabaseURL:   dsn,
		contract.EnvDBProxy:       "true", // statements as behind an RDS Proxy (no named prepared statements)
		contract.EnvEventTopicArn: "arn:aws:sns:eu-west-1:123456789012:events",
		contract.EnvOutboxMinAge:  "30s",
		"AWS_REGION":              "eu-west-1",
		"AWS_ACCESS_KEY_ID":       "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY":   "secret",
		"AWS_ENDPOINT_URL_SNS":    sns.URL,
		"AWS_MAX_ATTEMPTS":        "1",
	})
	fresh := insertRow(t, conn, 0) // after the (slow) build: it must stay younger than OUTBOX_MIN_AGE
	scheduled, err := os.ReadFile("testdata/scheduled-event.json")
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		Published int `json:"published"`
		Failed    int `json:"failed"`
	}
	invoke := func() result {
		t.Helper()
		out := fn.Invoke(t, json.RawMessage(scheduled))
		var r result
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("response %s: %v\nlogs:\n%s", out, err, fn.Logs())
		}
		return r
	}

	if r := invoke(); r != (result{Failed: 3}) {
		t.Fatalf("with SNS down: %+v, want 3 failed\nlogs:\n%s", r, fn.Logs())
	}
	sns.down.Store(false)
	if r := invoke(); r != (result{Published: 3}) {
		t.Fatalf("with SNS up: %+v, want 3 published\nlogs:\n%s", r, fn.Logs())
	}
	if r := invoke(); r != (result{}) {
		t.Fatalf("third run: %+v, want nothing left", r)
	}
	// Between runs the function holds no connection: the paused environment
	// would otherwise keep an auto-pausing cluster awake. A closed
	// connection's backend leaves pg_stat_activity a moment after the
	// client's Terminate, so the count gets up to 15 s (a loaded machine) to reach zero; a
	// connection the function kept would stay.
	var others int
	if err := wait.Until(ctx, 15*time.Second, func() error {
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&others); err != nil {
			return err
		}
		if others != 0 {
			return fmt.Errorf("%d connections", others)
		}
		return nil
	}); err != nil {
		t.Errorf("15 s after its run the function still holds connections: %v\nlogs:\n%s", err, wait.Tail(fn.Logs(), wait.TailLines))
	}
	forms := sns.published()
	if len(forms) != 3 {
		t.Fatalf("SNS got %d publishes, want 3", len(forms))
	}
	for _, f := range forms {
		var body struct{ ID, Type, Owner string }
		if err := json.Unmarshal([]byte(f.Get("Message")), &body); err != nil || !waiting[body.ID] {
			t.Errorf("message %q (%v) is not one of the waiting rows", f.Get("Message"), err)
		}
		delete(waiting, body.ID)
		attrs := map[string]string{}
		for i := 1; f.Has(fmt.Sprintf("MessageAttributes.entry.%d.Name", i)); i++ {
			attrs[f.Get(fmt.Sprintf("MessageAttributes.entry.%d.Name", i))] = f.Get(fmt.Sprintf("MessageAttributes.entry.%d.Value.StringValue", i))
		}
		// traceparent: the publish span's, in the run's trace (these rows were written outside a span).
		if attrs["type"] != "item.created" || attrs["event_id"] != body.ID || len(attrs["traceparent"]) != 55 || len(attrs) != 3 {
			t.Errorf("attributes of %s: %v", body.ID, f)
		}
	}
	var freshPublished bool
	if err := conn.QueryRow(ctx, `SELECT published_at IS NOT NULL FROM outbox WHERE id = $1`, fresh).Scan(&freshPublished); err != nil || freshPublished {
		t.Errorf("the fresh row was published (%v): it belongs to the API's flush for 30s", err)
	}
	var logged bool
	for _, l := range fn.LogLines() {
		if l["msg"] == "outbox run" && l["request_id"] != nil && l["published"] == float64(3) {
			logged = true
		}
	}
	if !logged {
		t.Errorf("no JSON log line with the request id and the count:\n%s", fn.Logs())
	}
}
