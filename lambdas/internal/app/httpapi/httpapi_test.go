package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/event"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
)

func TestEveryRouteHasAHandlerAndCompiles(t *testing.T) {
	if _, err := New(&items.Service{}, Options{}); err != nil {
		t.Fatal(err)
	}
	if len(handlers) != len(contract.Routes()) {
		t.Fatalf("%d handlers for %d routes", len(handlers), len(contract.Routes()))
	}
}

func TestHealth(t *testing.T) {
	a := newAPI(t)
	r := a.do("GET", "/health", "", "")
	if r.Status != 200 || r.Body["status"] != "ok" || r.Body["version"] != "1.2.3" {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
}

func TestHealthIs503WhenTheDatabaseIsUnreachable(t *testing.T) {
	a := newAPIWithDSN(t, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1")
	r := a.do("GET", "/health", "", "")
	if r.Status != 503 || r.code() != "unavailable" || r.Headers["Retry-After"] != "1" {
		t.Fatalf("%d %v %s", r.Status, r.Headers, r.Raw)
	}
	// Other routes say the same, not 500.
	if r := a.do("GET", "/items", alice, ""); r.Status != 503 || r.Headers["Retry-After"] != "1" {
		t.Fatalf("list: %d %v %s", r.Status, r.Headers, r.Raw)
	}
}

func TestEveryPrivateRouteNeedsASignedInUser(t *testing.T) {
	a := newAPI(t)
	id := uuid.NewString()
	for _, rt := range contract.Routes() {
		if rt.Public {
			continue
		}
		path := strings.ReplaceAll(rt.Path, "{id}", id)
		r := a.do(rt.Method, path, "", `{}`)
		if r.Status != 401 || r.code() != "unauthorized" {
			t.Errorf("%s %s without claims: %d %s", rt.Method, path, r.Status, r.Raw)
		}
	}
	// Claims without a usable sub are no user either.
	ev := event_("GET", "/items", alice, "")
	delete(ev.RequestContext.Authorizer["claims"].(map[string]any), "sub")
	if r := a.send(ev); r.Status != 401 {
		t.Errorf("claims without sub: %d", r.Status)
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	a := newAPI(t)
	if r := a.do("GET", "/nope", alice, ""); r.Status != 404 || r.code() != "not_found" {
		t.Errorf("unknown path: %d %s", r.Status, r.Raw)
	}
	r := a.do("PUT", "/items", alice, "{}")
	if r.Status != 405 || r.Headers["Allow"] != "GET, POST" {
		t.Errorf("PUT /items: %d %v %s", r.Status, r.Headers, r.Raw)
	}
	r = a.do("OPTIONS", "/items/"+uuid.NewString(), "", "", "Origin", "https://app.example.com")
	if r.Status != 204 || !strings.Contains(r.Headers["Access-Control-Allow-Methods"], "PATCH") ||
		r.Headers["Access-Control-Allow-Origin"] != "https://app.example.com" {
		t.Errorf("preflight: %d %v", r.Status, r.Headers)
	}
}

func TestItemLifecycle(t *testing.T) {
	a := newAPI(t)
	r := a.do("POST", "/items", alice, `{"title":"Write report","notes":"by Friday","dueDate":"2030-05-17"}`)
	if r.Status != 201 || r.Headers["ETag"] != `"1"` || r.Headers["Location"] != "/items/"+r.Body["id"].(string) {
		t.Fatalf("create: %d %v %s", r.Status, r.Headers, r.Raw)
	}
	for k, want := range map[string]any{"title": "Write report", "notes": "by Friday", "status": "open", "dueDate": "2030-05-17", "version": 1.0} {
		if r.Body[k] != want {
			t.Errorf("%s = %v, want %v", k, r.Body[k], want)
		}
	}
	for _, k := range []string{"createdAt", "updatedAt"} {
		if _, err := time.Parse(time.RFC3339, r.Body[k].(string)); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	id := r.Body["id"].(string)
	created := r.Raw

	got := a.do("GET", "/items/"+id, alice, "")
	if got.Status != 200 || got.Raw != created || got.Headers["ETag"] != `"1"` {
		t.Fatalf("get: %d %s\nwant %s", got.Status, got.Raw, created)
	}

	up := a.do("PATCH", "/items/"+id, alice, `{"status":"done","dueDate":null}`, "If-Match", `"1"`)
	if up.Status != 200 || up.Body["status"] != "done" || up.Body["dueDate"] != nil || up.Body["title"] != "Write report" ||
		up.Body["version"] != 2.0 || up.Headers["ETag"] != `"2"` {
		t.Fatalf("patch: %d %s", up.Status, up.Raw)
	}
	stale := a.do("PATCH", "/items/"+id, alice, `{"title":"x"}`, "If-Match", `"1"`)
	if stale.Status != 412 || stale.code() != "precondition_failed" {
		t.Fatalf("stale patch: %d %s", stale.Status, stale.Raw)
	}
	if r := a.do("PATCH", "/items/"+id, alice, `{"notes":""}`, "If-Match", `W/"2"`); r.Status != 200 || r.Body["notes"] != "" || r.Body["version"] != 3.0 {
		t.Fatalf("weak If-Match: %d %s", r.Status, r.Raw)
	}
	if r := a.do("DELETE", "/items/"+id, alice, "", "If-Match", `"2"`); r.Status != 412 {
		t.Fatalf("stale delete: %d %s", r.Status, r.Raw)
	}
	if r := a.do("DELETE", "/items/"+id, alice, ""); r.Status != 204 || r.Raw != "" {
		t.Fatalf("delete: %d %s", r.Status, r.Raw)
	}
	for _, m := range []string{"GET", "DELETE"} {
		if r := a.do(m, "/items/"+id, alice, ""); r.Status != 404 || r.code() != "not_found" {
			t.Fatalf("%s after delete: %d %s", m, r.Status, r.Raw)
		}
	}
	if got := fmt.Sprint(a.flushed.types()); got != "[item.created item.updated item.updated item.deleted]" {
		t.Fatalf("flushed %s", got)
	}
	var n int
	if err := a.pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox`).Scan(&n); err != nil || n != 4 {
		t.Fatalf("%d outbox rows, %v", n, err)
	}
}

func TestOtherUsersItemsAreNotFound(t *testing.T) {
	a := newAPI(t)
	id := a.create(alice, `{"title":"private"}`)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/items/" + id, ""},
		{"PATCH", "/items/" + id, `{"title":"mine now"}`},
		{"DELETE", "/items/" + id, ""},
		{"GET", "/items/" + id + "/attachments", ""},
		{"POST", "/items/" + id + "/attachments", `{"fileName":"a.png","contentType":"image/png","size":10}`},
	} {
		if r := a.do(c.method, c.path, bob, c.body); r.Status != 404 || r.code() != "not_found" {
			t.Errorf("bob %s %s: %d %s", c.method, c.path, r.Status, r.Raw)
		}
	}
	if r := a.do("GET", "/items", bob, ""); len(r.Body["items"].([]any)) != 0 {
		t.Errorf("bob lists %s", r.Raw)
	}
	if r := a.do("GET", "/items/"+id, alice, ""); r.Body["title"] != "private" || r.Body["version"] != 1.0 {
		t.Errorf("alice's item changed: %s", r.Raw)
	}
}

func TestIdempotencyKey(t *testing.T) {
	a := newAPI(t)
	first := a.do("POST", "/items", alice, `{"title":"pay rent"}`, "Idempotency-Key", "k-123")
	again := a.do("POST", "/items", alice, `{ "title": "pay rent", "status": "open" }`, "Idempotency-Key", "k-123")
	if first.Status != 201 || again.Status != 201 || again.Raw != first.Raw || again.Headers["Location"] != first.Headers["Location"] ||
		again.Headers["Idempotent-Replayed"] != "true" || first.Headers["Idempotent-Replayed"] != "" {
		t.Fatalf("retry:\n%d %v %s\n%d %v %s", first.Status, first.Headers, first.Raw, again.Status, again.Headers, again.Raw)
	}
	if r := a.do("POST", "/items", alice, `{"title":"pay rent twice"}`, "Idempotency-Key", "k-123"); r.Status != 422 || r.code() != "unprocessable" {
		t.Fatalf("same key, other body: %d %s", r.Status, r.Raw)
	}
	// Changing the item afterwards does not change the replay.
	a.do("PATCH", first.Headers["Location"], alice, `{"title":"changed"}`)
	if r := a.do("POST", "/items", alice, `{"title":"pay rent"}`, "Idempotency-Key", "k-123"); r.Raw != first.Raw {
		t.Fatalf("replay after change: %s", r.Raw)
	}
	if r := a.do("GET", "/items", alice, ""); len(r.Body["items"].([]any)) != 1 {
		t.Fatalf("%s", r.Raw)
	}
	if got := fmt.Sprint(a.flushed.types()); got != "[item.created item.updated]" {
		t.Fatalf("flushed %s", got)
	}
}

func TestPagination(t *testing.T) {
	a := newAPI(t)
	var ids []string
	for i := range 5 {
		status := "open"
		if i >= 3 {
			status = "done"
		}
		ids = append(ids, a.create(alice, fmt.Sprintf(`{"title":"item %d","status":%q}`, i, status)))
	}
	a.create(bob, `{"title":"bob's"}`)
	var got []string
	path := "/items?limit=2"
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("too many pages")
		}
		r := a.do("GET", path, alice, "")
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		for _, it := range r.Body["items"].([]any) {
			got = append(got, it.(map[string]any)["id"].(string))
		}
		next, ok := r.Body["nextCursor"]
		if !ok {
			t.Fatalf("no nextCursor key: %s", r.Raw)
		}
		if next == nil {
			break
		}
		path = "/items?limit=2&cursor=" + url.QueryEscape(next.(string))
	}
	want := []string{ids[4], ids[3], ids[2], ids[1], ids[0]}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v\nwant %v (newest first)", got, want)
	}
	r := a.do("GET", "/items?status=done", alice, "")
	if list := r.Body["items"].([]any); len(list) != 2 || r.Body["nextCursor"] != nil {
		t.Fatalf("status=done: %s", r.Raw)
	}
	r = a.do("GET", "/items", alice, "") // default limit 20
	if len(r.Body["items"].([]any)) != 5 {
		t.Fatalf("default: %s", r.Raw)
	}
}

func TestAttachments(t *testing.T) {
	a := newAPI(t)
	id := a.create(alice, `{"title":"with files"}`)
	r := a.do("POST", "/items/"+id+"/attachments", alice, `{"fileName":"scan 1.pdf","contentType":"application/pdf","size":2048}`)
	if r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	att := r.Body["attachment"].(map[string]any)
	up := r.Body["upload"].(map[string]any)
	if att["itemId"] != id || att["status"] != "pending" || att["fileName"] != "scan 1.pdf" || att["size"] != 2048.0 {
		t.Fatalf("attachment %v", att)
	}
	u, err := url.Parse(up["url"].(string))
	if err != nil || up["method"] != "PUT" || !strings.Contains(u.Host, "uploads-bucket") ||
		u.Path != "/attachments/"+alice+"/"+id+"/"+att["id"].(string)+"/scan 1.pdf" || u.Query().Get("X-Amz-Signature") == "" {
		t.Fatalf("upload %v (path %q)", up, u.Path)
	}
	if !strings.Contains(u.Query().Get("X-Amz-SignedHeaders"), "content-length") || !strings.Contains(u.Query().Get("X-Amz-SignedHeaders"), "content-type") {
		t.Errorf("signed headers %q", u.Query().Get("X-Amz-SignedHeaders"))
	}
	if h := up["headers"].(map[string]any); h["Content-Type"] != "application/pdf" {
		t.Errorf("headers %v", h)
	}
	exp, err := time.Parse(time.RFC3339, up["expiresAt"].(string))
	if err != nil || time.Until(exp) < 10*time.Minute {
		t.Errorf("expiresAt %v %v", up["expiresAt"], err)
	}
	list := a.do("GET", "/items/"+id+"/attachments", alice, "")
	as := list.Body["attachments"].([]any)
	if list.Status != 200 || len(as) != 1 || as[0].(map[string]any)["id"] != att["id"] {
		t.Fatalf("list %s", list.Raw)
	}
	empty := a.do("GET", "/items/"+a.create(alice, `{"title":"no files"}`)+"/attachments", alice, "")
	if empty.Raw != `{"attachments":[]}` {
		t.Fatalf("empty list %s", empty.Raw)
	}
	if r := a.do("POST", "/items/"+uuid.NewString()+"/attachments", alice, `{"fileName":"a.png","contentType":"image/png","size":1}`); r.Status != 404 {
		t.Fatalf("unknown item: %d", r.Status)
	}
	var p struct {
		Key string `json:"key"`
	}
	var requested []event.Event
	for _, e := range a.flushed.evs {
		if e.Type == event.AttachmentRequested {
			requested = append(requested, e)
		}
	}
	if len(requested) != 1 || json.Unmarshal(requested[0].Payload, &p) != nil || !strings.HasSuffix(p.Key, "/scan 1.pdf") {
		t.Fatalf("events %+v", requested)
	}
}

func TestActivity(t *testing.T) {
	a := newAPI(t)
	itemID := uuid.New()
	for i := range 3 {
		if _, err := a.pool.Exec(context.Background(), `INSERT INTO activity (owner, event_id, type, item_id, summary, occurred_at) VALUES ($1, $2, 'item.created', $3, $4, $5)`,
			alice, uuid.New(), itemID, fmt.Sprintf("Created item %d", i), time.Date(2030, 1, 1, 0, i, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
	r := a.do("GET", "/activity?limit=2", alice, "")
	list := r.Body["activity"].([]any)
	if r.Status != 200 || len(list) != 2 || r.Body["nextCursor"] == nil {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	first := list[0].(map[string]any)
	if first["summary"] != "Created item 2" || first["itemId"] != itemID.String() || first["type"] != "item.created" || first["occurredAt"] != "2030-01-01T00:02:00Z" {
		t.Fatalf("entry %v", first)
	}
	r = a.do("GET", "/activity?limit=2&cursor="+r.Body["nextCursor"].(string), alice, "")
	if list := r.Body["activity"].([]any); len(list) != 1 || r.Body["nextCursor"] != nil {
		t.Fatalf("page 2 %s", r.Raw)
	}
	if r := a.do("GET", "/activity", bob, ""); r.Raw != `{"activity":[],"nextCursor":null}` {
		t.Fatalf("bob: %s", r.Raw)
	}
}

// Every client mistake is a 4xx with an error code, never a 5xx.
func TestClientMistakesAre4xx(t *testing.T) {
	a := newAPI(t)
	id := a.create(alice, `{"title":"target"}`)
	item := "/items/" + id
	att := item + "/attachments"
	long := strings.Repeat("x", 201)
	cases := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		code                     string
	}{
		{"malformed JSON", "POST", "/items", `{"title":`, nil, 400, "bad_request"},
		{"not an object", "POST", "/items", `["title"]`, nil, 400, "validation_failed"},
		{"trailing data", "POST", "/items", `{"title":"a"} {}`, nil, 400, "bad_request"},
		{"no body", "POST", "/items", ``, nil, 400, "bad_request"},
		{"unknown field", "POST", "/items", `{"title":"a","owner":"bob"}`, nil, 400, "validation_failed"},
		{"missing title", "POST", "/items", `{"notes":"a"}`, nil, 400, "validation_failed"},
		{"empty title", "POST", "/items", `{"title":""}`, nil, 400, "validation_failed"},
		{"blank title", "POST", "/items", `{"title":"   "}`, nil, 400, "validation_failed"},
		{"long title", "POST", "/items", `{"title":"` + long + `"}`, nil, 400, "validation_failed"},
		{"control char in title", "POST", "/items", `{"title":"a\u0007b"}`, nil, 400, "validation_failed"},
		{"NUL in notes", "POST", "/items", `{"title":"a","notes":"x\u0000y"}`, nil, 400, "validation_failed"},
		{"long notes", "POST", "/items", `{"title":"a","notes":"` + strings.Repeat("n", 10001) + `"}`, nil, 400, "validation_failed"},
		{"bad status", "POST", "/items", `{"title":"a","status":"later"}`, nil, 400, "validation_failed"},
		{"title not a string", "POST", "/items", `{"title":5}`, nil, 400, "validation_failed"},
		{"bad date format", "POST", "/items", `{"title":"a","dueDate":"17/05/2030"}`, nil, 400, "validation_failed"},
		{"impossible date", "POST", "/items", `{"title":"a","dueDate":"2030-02-30"}`, nil, 400, "validation_failed"},
		{"date not a string", "POST", "/items", `{"title":"a","dueDate":20300101}`, nil, 400, "validation_failed"},
		{"huge body", "POST", "/items", `{"title":"a","notes":"` + strings.Repeat("n", MaxBodyBytes) + `"}`, nil, 413, "payload_too_large"},
		{"bad idempotency key", "POST", "/items", `{"title":"a"}`, []string{"Idempotency-Key", "ключ"}, 400, "bad_request"},
		{"long idempotency key", "POST", "/items", `{"title":"a"}`, []string{"Idempotency-Key", strings.Repeat("k", 256)}, 400, "bad_request"},
		{"invalid id", "GET", "/items/not-a-uuid", ``, nil, 400, "bad_request"},
		{"braced id", "GET", "/items/{" + id + "}", ``, nil, 400, "bad_request"},
		{"unknown id", "GET", "/items/" + uuid.NewString(), ``, nil, 404, "not_found"},
		{"invalid id patch", "PATCH", "/items/123", `{"title":"a"}`, nil, 400, "bad_request"},
		{"invalid id delete", "DELETE", "/items/123", ``, nil, 400, "bad_request"},
		{"invalid id attachments", "GET", "/items/123/attachments", ``, nil, 400, "bad_request"},
		{"patch unknown field", "PATCH", item, `{"version":7}`, nil, 400, "validation_failed"},
		{"patch null title", "PATCH", item, `{"title":null}`, nil, 400, "validation_failed"},
		{"patch bad If-Match", "PATCH", item, `{"title":"b"}`, []string{"If-Match", "yesterday"}, 400, "bad_request"},
		{"patch stale If-Match", "PATCH", item, `{"title":"b"}`, []string{"If-Match", `"9"`}, 412, "precondition_failed"},
		{"patch unknown id", "PATCH", "/items/" + uuid.NewString(), `{"title":"b"}`, nil, 404, "not_found"},
		{"limit zero", "GET", "/items?limit=0", ``, nil, 400, "validation_failed"},
		{"limit too big", "GET", "/items?limit=101", ``, nil, 400, "validation_failed"},
		{"limit not a number", "GET", "/items?limit=ten", ``, nil, 400, "validation_failed"},
		{"bad status filter", "GET", "/items?status=all", ``, nil, 400, "validation_failed"},
		{"bad cursor", "GET", "/items?cursor=garbage!", ``, nil, 400, "validation_failed"},
		{"forged cursor", "GET", "/items?cursor=" + base64.RawURLEncoding.EncodeToString([]byte("1.x")), ``, nil, 400, "validation_failed"},
		{"activity bad limit", "GET", "/activity?limit=-1", ``, nil, 400, "validation_failed"},
		{"activity bad cursor", "GET", "/activity?cursor=%%%", ``, nil, 400, "validation_failed"},
		// Well-formed, but the time (-9e18 µs, before 4714 BC) is outside PostgreSQL's timestamptz range.
		{"cursor before the column's range", "GET", "/items?cursor=" + outOfRangeCursor, ``, nil, 400, "validation_failed"},
		{"activity cursor before the column's range", "GET", "/activity?cursor=" + outOfRangeCursor, ``, nil, 400, "validation_failed"},
		{"cursor not in canonical form", "GET", "/items?cursor=" + base64.RawURLEncoding.EncodeToString([]byte("+1."+strings.ToUpper(id))), ``, nil, 400, "validation_failed"},
		{"attachment type not allowed", "POST", att, `{"fileName":"a.exe","contentType":"application/x-msdownload","size":10}`, nil, 400, "validation_failed"},
		{"attachment too big", "POST", att, `{"fileName":"a.png","contentType":"image/png","size":2000000}`, nil, 413, "payload_too_large"},
		{"attachment over the schema maximum", "POST", att, `{"fileName":"a.png","contentType":"image/png","size":99999999999}`, nil, 400, "validation_failed"},
		{"attachment size zero", "POST", att, `{"fileName":"a.png","contentType":"image/png","size":0}`, nil, 400, "validation_failed"},
		{"attachment size fraction", "POST", att, `{"fileName":"a.png","contentType":"image/png","size":1.5}`, nil, 400, "validation_failed"},
		{"attachment slash in name", "POST", att, `{"fileName":"../a.png","contentType":"image/png","size":1}`, nil, 400, "validation_failed"},
		{"attachment dot dot", "POST", att, `{"fileName":"..","contentType":"image/png","size":1}`, nil, 400, "validation_failed"},
		{"attachment missing size", "POST", att, `{"fileName":"a.png","contentType":"image/png"}`, nil, 400, "validation_failed"},
		{"attachment bad content type", "POST", att, `{"fileName":"a.png","contentType":"png","size":1}`, nil, 400, "validation_failed"},
	}
	for _, c := range cases {
		r := a.do(c.method, c.path, alice, c.body, c.headers...)
		if r.Status != c.status || r.code() != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.Status, truncate(r.Raw), c.status, c.code)
			continue
		}
		msg, _ := r.Body["error"].(map[string]any)["message"].(string)
		if msg == "" {
			t.Errorf("%s: no message", c.name)
		}
	}
	if strings.Contains(a.logs.String(), `"level":"ERROR"`) {
		t.Errorf("a client mistake was logged as an error:\n%s", a.logs.String())
	}
	if r := a.do("GET", item, alice, ""); r.Body["version"] != 1.0 {
		t.Errorf("the bad requests changed the item: %s", r.Raw)
	}
}

func truncate(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

func TestBase64Bodies(t *testing.T) {
	a := newAPI(t)
	ev := event_("POST", "/items", alice, base64.StdEncoding.EncodeToString([]byte(`{"title":"encoded"}`)))
	ev.IsBase64Encoded = true
	if r := a.send(ev); r.Status != 201 || r.Body["title"] != "encoded" {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	ev.Body = "***"
	if r := a.send(ev); r.Status != 400 || r.code() != "bad_request" {
		t.Fatalf("bad base64: %d %s", r.Status, r.Raw)
	}
}

func TestCORSOnlyForConfiguredOrigins(t *testing.T) {
	a := newAPI(t)
	r := a.do("GET", "/health", "", "", "origin", "https://app.example.com")
	if r.Headers["Access-Control-Allow-Origin"] != "https://app.example.com" || r.Headers["Vary"] != "Origin" {
		t.Fatalf("allowed origin: %v", r.Headers)
	}
	r = a.do("GET", "/items", "", "", "Origin", "https://app.example.com") // errors too: the browser must read them
	if r.Status != 401 || r.Headers["Access-Control-Allow-Origin"] != "https://app.example.com" {
		t.Fatalf("401: %v", r.Headers)
	}
	if r := a.do("GET", "/health", "", "", "Origin", "https://evil.example.com"); r.Headers["Access-Control-Allow-Origin"] != "" {
		t.Fatalf("other origin: %v", r.Headers)
	}
}

// panicStore panics in every method: the transport still answers.
type panicStore struct{ items.Store }

func (panicStore) GetItem(context.Context, string, uuid.UUID) (items.Item, error) { panic("boom") }

func TestPanicsBecome500WithALogLine(t *testing.T) {
	a := newAPI(t)
	a.svc.Store = panicStore{}
	r := a.do("GET", "/items/"+uuid.NewString(), alice, "")
	if r.Status != 500 || r.code() != "internal" || strings.Contains(r.Raw, "boom") {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(a.logs.String())), &line); err != nil {
		t.Fatalf("log %q: %v", a.logs.String(), err)
	}
	if line["level"] != "ERROR" || !strings.Contains(line["error"].(string), "boom") || line["route"] != "getItem" || line["status"] != 500.0 {
		t.Fatalf("log line %v", line)
	}
}

func TestLogsHaveRequestIDsButNoTokens(t *testing.T) {
	a := newAPI(t)
	a.do("GET", "/items", alice, "", "Authorization", "Bearer secret-token")
	logs := a.logs.String()
	if !strings.Contains(logs, `"apiRequestId":"77375676-xmpl-4b79-853a-f982474efe18"`) || strings.Contains(logs, "secret-token") {
		t.Fatalf("logs: %s", logs)
	}
}

func TestInternalErrorsAreNotLeaked(t *testing.T) {
	r := fail(errors.New("pq: password authentication failed for user app"))
	b, _ := json.Marshal(r.body)
	if r.status != 500 || strings.Contains(string(b), "password") {
		t.Fatalf("%d %s", r.status, b)
	}
}
