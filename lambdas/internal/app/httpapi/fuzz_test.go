package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/event"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
)

// memStore answers without a database: creates succeed, lookups find nothing. Like PostgreSQL, it
// fails a list whose cursor time is outside timestamptz's range (before 4714-11-24 BC), so a
// cursor that slips past validation shows up as a 5xx.
type memStore struct{}

var pgMinTimestamptz = time.Date(-4713, time.November, 24, 0, 0, 0, 0, time.UTC)

func checkCursor(after *items.Cursor) error {
	if after != nil && after.Time.Before(pgMinTimestamptz) {
		return errors.New("ERROR: timestamp out of range (SQLSTATE 22008)")
	}
	return nil
}

func (memStore) CreateItem(_ context.Context, it items.Item, _ event.Event, _ *items.Idempotency) (items.Item, bool, error) {
	return it, false, nil
}
func (memStore) GetItem(context.Context, string, uuid.UUID) (items.Item, error) {
	return items.Item{}, items.ErrNotFound
}
func (memStore) ListItems(_ context.Context, _ string, _ items.Status, after *items.Cursor, _ int) ([]items.Item, error) {
	return nil, checkCursor(after)
}
func (memStore) UpdateItem(context.Context, string, uuid.UUID, func(items.Item) (items.Item, *event.Event, error)) (items.Item, error) {
	return items.Item{}, items.ErrNotFound
}
func (memStore) DeleteItem(context.Context, string, uuid.UUID, func(items.Item) (event.Event, error)) error {
	return items.ErrNotFound
}
func (memStore) CreateAttachment(context.Context, items.Attachment, event.Event) error { return nil }
func (memStore) ListAttachments(context.Context, string, uuid.UUID) ([]items.Attachment, error) {
	return nil, items.ErrNotFound
}
func (memStore) ListActivity(_ context.Context, _ string, after *items.Cursor, _ int) ([]items.Activity, error) {
	return nil, checkCursor(after)
}
func (memStore) Ping(context.Context) error { return nil }

// FuzzDecodeRequest feeds arbitrary methods, paths, bodies and headers through
// the whole transport (routing, auth, schema validation, strict decoding,
// domain validation): whatever comes in, the answer is well-formed JSON and
// never a 5xx, and whatever is accepted satisfies the domain's rules.
// `go test` runs the seed corpus; `go test -fuzz FuzzDecodeRequest` explores.
func FuzzDecodeRequest(f *testing.F) {
	id := "3f1c9a52-7a4e-4b7e-9d3b-2a1f0e9c8b7d"
	seeds := []struct{ method, path, body, ifMatch, idem string }{
		{"POST", "/items", `{"title":"Buy milk","notes":"2 l","status":"open","dueDate":"2030-01-31"}`, "", "k1"},
		{"POST", "/items", `{"title":"a","dueDate":null}`, "", ""},
		{"POST", "/items", `{"title":""}`, "", ""},
		{"POST", "/items", `{"title":"a","extra":1}`, "", ""},
		{"POST", "/items", `{"title":"a","dueDate":"2030-02-30"}`, "", ""},
		{"POST", "/items", `{"title":"\u0000"}`, "", ""},
		{"POST", "/items", `{"title":"a"}{"title":"b"}`, "", ""},
		{"POST", "/items", `[]`, "", ""},
		{"POST", "/items", `null`, "", ""},
		{"POST", "/items", `{"title":1e400}`, "", ""},
		{"POST", "/items", "\xff\xfe", "", ""},
		{"PATCH", "/items/" + id, `{"status":"done","dueDate":null}`, `"1"`, ""},
		{"PATCH", "/items/" + id, `{}`, `W/"7"`, ""},
		{"PATCH", "/items/" + id, `{"title":null}`, "*", ""},
		{"PATCH", "/items/" + id, `{"notes":"` + "\\ud800" + `"}`, "", ""},
		{"PATCH", "/items/x", `{}`, "bogus", ""},
		{"POST", "/items/" + id + "/attachments", `{"fileName":"a.png","contentType":"image/png","size":10}`, "", ""},
		{"POST", "/items/" + id + "/attachments", `{"fileName":"..","contentType":"image/png","size":-1}`, "", ""},
		{"POST", "/items/" + id + "/attachments", `{"fileName":"a","contentType":"a/b","size":9007199254740993}`, "", ""},
		{"GET", "/items", "", "", ""},
		{"GET", "/items/" + id, "", "", ""},
		{"GET", "/activity", "", "", ""},
		{"GET", "/items?limit=2&cursor=" + items.Cursor{Time: time.Unix(1700000000, 0), ID: uuid.MustParse(id)}.Encode(), "", "", ""},
		{"GET", "/activity?cursor=" + outOfRangeCursor, "", "", ""},
		{"DELETE", "/items/" + id, "", `"0"`, ""},
		{"GET", "/health", "", "", ""},
		{"TRACE", "/", "", "", ""},
		{"GET", "//items//", "", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.body, s.ifMatch, s.idem)
	}
	h, err := New(&items.Service{Store: memStore{}, Uploads: fakeUploads{}, Limits: items.StaticLimits(items.DefaultLimits())},
		Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, path, body, ifMatch, idem string) {
		ev := event_(method, path, alice, body, "If-Match", ifMatch, "Idempotency-Key", idem)
		if !strings.Contains(path, "?") {
			ev.Path = path // as sent, even when it does not parse as a path
		}
		out, err := h.Handle(context.Background(), ev)
		if err != nil {
			t.Fatalf("error %v", err)
		}
		if out.StatusCode >= 500 || out.StatusCode < 200 {
			t.Fatalf("%s %q %q: status %d %s", method, path, body, out.StatusCode, out.Body)
		}
		if out.Body == "" {
			return
		}
		var res map[string]any
		if err := json.Unmarshal([]byte(out.Body), &res); err != nil {
			t.Fatalf("response is not JSON: %q", out.Body)
		}
		if out.StatusCode >= 400 {
			e, _ := res["error"].(map[string]any)
			if e["code"] == "" || e["message"] == "" {
				t.Fatalf("error without code/message: %s", out.Body)
			}
			return
		}
		if method == "POST" && out.StatusCode == 201 && res["title"] != nil {
			title := res["title"].(string)
			if title == "" || utf8.RuneCountInString(title) > contract.MaxTitle {
				t.Fatalf("accepted title %q", title)
			}
		}
	})
}

type fakeUploads struct{}

func (fakeUploads) PresignPut(_ context.Context, key, _ string, _ int64) (items.Upload, error) {
	return items.Upload{URL: "https://uploads.example/" + key, Method: "PUT"}, nil
}
