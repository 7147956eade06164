package items

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/event"
)

func TestParseDate(t *testing.T) {
	for in, ok := range map[string]bool{
		"2030-01-31": true, "2028-02-29": true, "2030-02-29": false, "2030-13-01": false,
		"2030-1-1": false, "30-01-01": false, "2030-01-31T00:00:00Z": false, "": false,
	} {
		d, err := ParseDate(in)
		if (err == nil) != ok || (ok && d.String() != in) {
			t.Errorf("ParseDate(%q) = %v, %v", in, d, err)
		}
	}
	var d Date
	if err := json.Unmarshal([]byte(`"2030-05-17"`), &d); err != nil || d.String() != "2030-05-17" {
		t.Fatal(d, err)
	}
	if b, _ := json.Marshal(Item{DueDate: &d}); !strings.Contains(string(b), `"dueDate":"2030-05-17"`) {
		t.Fatal(string(b))
	}
	if b, _ := json.Marshal(Item{}); !strings.Contains(string(b), `"dueDate":null`) || strings.Contains(string(b), "owner") {
		t.Fatal(string(b))
	}
}

func TestCursorRoundTripsAndRejectsForgeries(t *testing.T) {
	c := Cursor{Time: time.Date(2030, 1, 2, 3, 4, 5, 123456000, time.UTC), ID: uuid.New()}
	got, err := ParseCursor(c.Encode())
	if err != nil || !got.Time.Equal(c.Time) || got.ID != c.ID {
		t.Fatalf("%v %v", got, err)
	}
	if got, err := ParseCursor(""); got != nil || err != nil {
		t.Fatal("empty cursor is the first page")
	}
	for _, bad := range []string{"!!", "bm9wZQ", c.Encode() + "A", strings.Repeat("A", 200)} {
		var ve *ValidationError
		if _, err := ParseCursor(bad); !errors.As(err, &ve) || ve.Field != "cursor" {
			t.Errorf("ParseCursor(%q): %v", bad, err)
		}
	}
}

func TestNewItemValidation(t *testing.T) {
	n := NewItem{Title: "ok"}
	if err := n.Validate(); err != nil || n.Status != StatusOpen {
		t.Fatalf("%v %v", n, err)
	}
	err := (&NewItem{Title: " ", Notes: strings.Repeat("n", contract.MaxNotes+1), Status: "later"}).Validate()
	for _, f := range []string{"title", "notes", "status"} {
		if err == nil || !strings.Contains(err.Error(), f+":") {
			t.Errorf("%v does not name %s", err, f)
		}
	}
	if err := (&NewItem{Title: strings.Repeat("é", contract.MaxTitle)}).Validate(); err != nil {
		t.Errorf("200 two-byte characters: %v", err)
	}
	if err := (&NewItem{Title: strings.Repeat("é", contract.MaxTitle+1)}).Validate(); err == nil {
		t.Error("201 characters accepted")
	}
}

func TestPatchApplyReportsChanges(t *testing.T) {
	d, _ := ParseDate("2030-01-01")
	it := Item{Title: "a", Notes: "n", Status: StatusOpen, DueDate: &d}
	title, done := "b", StatusDone
	next, changed := Patch{Title: &title, Status: &done, DueDate: &OptionalDate{}}.Apply(it)
	if fmt.Sprint(changed) != "[title status dueDate]" || next.Title != "b" || next.DueDate != nil || next.Notes != "n" {
		t.Fatalf("%+v %v", next, changed)
	}
	same := "a"
	if _, changed := (Patch{Title: &same, DueDate: &OptionalDate{Date: &d}}).Apply(it); len(changed) != 0 {
		t.Fatalf("no-op patch changed %v", changed)
	}
	if !(Patch{}).Empty() {
		t.Fatal("empty patch")
	}
}

func TestNewAttachmentValidation(t *testing.T) {
	l := Limits{MaxAttachmentBytes: 100, AllowedContentTypes: []string{"image/png"}}
	a := NewAttachment{FileName: "cat.png", ContentType: " Image/PNG ", Size: 100}
	if err := a.Validate(l); err != nil || a.ContentType != "image/png" {
		t.Fatalf("%+v %v", a, err)
	}
	if err := (&NewAttachment{FileName: "cat.png", ContentType: "image/png", Size: 101}).Validate(l); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	longest := NewAttachment{FileName: strings.Repeat("猫", contract.MaxFileName), ContentType: "image/png", Size: 1}
	if err := longest.Validate(l); err != nil {
		t.Fatalf("255 three-byte characters: %v", err)
	}
	if key := AttachmentKey(strings.Repeat("o", 128), uuid.New(), uuid.New(), longest.FileName); len(key) > 1024 {
		t.Fatalf("the longest accepted name makes a %d-byte S3 key", len(key))
	}
	for _, bad := range []NewAttachment{
		{FileName: "a/b.png", ContentType: "image/png", Size: 1},
		{FileName: `a\b.png`, ContentType: "image/png", Size: 1},
		{FileName: "..", ContentType: "image/png", Size: 1},
		{FileName: "a\nb", ContentType: "image/png", Size: 1},
		{FileName: "a.svg", ContentType: "image/svg+xml", Size: 1},
		{FileName: "a.png", ContentType: "image/png", Size: 0},
		// 255 characters, but 1,020 bytes: the S3 key would pass 1,024 bytes.
		{FileName: strings.Repeat("😀", contract.MaxFileName), ContentType: "image/png", Size: 1},
	} {
		var ve *ValidationError
		if err := bad.Validate(l); !errors.As(err, &ve) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

// fakeStore records what the service asks of it.
type fakeStore struct {
	Store
	items    map[uuid.UUID]Item
	events   []event.Event
	replay   bool
	listArgs []int
}

func (f *fakeStore) CreateItem(_ context.Context, it Item, ev event.Event, idem *Idempotency) (Item, bool, error) {
	if f.replay {
		return it, true, nil
	}
	f.items[it.ID] = it
	f.events = append(f.events, ev)
	return it, false, nil
}

func (f *fakeStore) UpdateItem(_ context.Context, owner string, id uuid.UUID, change func(Item) (Item, *event.Event, error)) (Item, error) {
	cur, ok := f.items[id]
	if !ok || cur.Owner != owner {
		return Item{}, ErrNotFound
	}
	next, ev, err := change(cur)
	if err != nil {
		return Item{}, err
	}
	if ev != nil {
		f.items[id] = next
		f.events = append(f.events, *ev)
	}
	return next, nil
}

func (f *fakeStore) ListItems(_ context.Context, _ string, _ Status, _ *Cursor, limit int) ([]Item, error) {
	f.listArgs = append(f.listArgs, limit)
	var out []Item
	for i := range limit {
		out = append(out, Item{ID: uuid.New(), CreatedAt: time.Unix(int64(1000-i), 0)})
	}
	return out, nil
}

type flusher struct{ got []event.Event }

func (f *flusher) Flush(_ context.Context, evs []event.Event) { f.got = append(f.got, evs...) }

func newService() (*Service, *fakeStore, *flusher) {
	st := &fakeStore{items: map[uuid.UUID]Item{}}
	fl := &flusher{}
	now := time.Date(2030, 1, 1, 12, 0, 0, 999, time.UTC)
	return &Service{Store: st, Events: fl, Now: func() time.Time { now = now.Add(time.Second); return now }}, st, fl
}

func TestCreateBuildsTheEventAndFlushesAfterCommit(t *testing.T) {
	svc, st, fl := newService()
	it, _, err := svc.Create(context.Background(), "alice", NewItem{Title: "t"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if it.Version != 1 || it.Status != StatusOpen || it.CreatedAt.Nanosecond()%1000 != 0 || it.Owner != "alice" {
		t.Fatalf("%+v", it)
	}
	ev := st.events[0]
	if ev.Type != event.ItemCreated || ev.Owner != "alice" || !ev.Time.Equal(it.CreatedAt) || len(fl.got) != 1 || fl.got[0].ID != ev.ID {
		t.Fatalf("event %+v, flushed %+v", ev, fl.got)
	}
	if _, err := uuid.Parse(ev.ID); err != nil {
		t.Fatal(err)
	}
	var p struct{ Item Item }
	if err := json.Unmarshal(ev.Payload, &p); err != nil || p.Item.ID != it.ID {
		t.Fatalf("%s", ev.Payload)
	}
	st.replay = true
	if _, replayed, _ := svc.Create(context.Background(), "alice", NewItem{Title: "t"}, "k"); !replayed || len(fl.got) != 1 {
		t.Fatal("a replay flushed an event")
	}
	if _, _, err := svc.Create(context.Background(), "alice", NewItem{}, ""); err == nil || len(st.events) != 1 {
		t.Fatal("invalid input reached the store")
	}
}

func TestIdempotencyHashIgnoresDefaults(t *testing.T) {
	a, b := NewItem{Title: "x"}, NewItem{Title: "x", Status: StatusOpen}
	_ = a.Validate()
	_ = b.Validate()
	if a.hash() != b.hash() || a.hash() == (NewItem{Title: "y", Status: StatusOpen}).hash() {
		t.Fatal("hash")
	}
}

func TestUpdateVersionsAndPreconditions(t *testing.T) {
	svc, st, fl := newService()
	it, _, _ := svc.Create(context.Background(), "alice", NewItem{Title: "t"}, "")
	one, two := 1, 2
	done := StatusDone
	if _, err := svc.Update(context.Background(), "alice", it.ID, Patch{Status: &done}, &two); !errors.Is(err, ErrVersionMismatch) {
		t.Fatal(err)
	}
	up, err := svc.Update(context.Background(), "alice", it.ID, Patch{Status: &done}, &one)
	if err != nil || up.Version != 2 || !up.UpdatedAt.After(it.UpdatedAt) || !up.CreatedAt.Equal(it.CreatedAt) {
		t.Fatalf("%+v %v", up, err)
	}
	if same, _ := svc.Update(context.Background(), "alice", it.ID, Patch{Status: &done}, nil); same.Version != 2 || len(st.events) != 2 || len(fl.got) != 2 {
		t.Fatal("a no-op update wrote an event or a version")
	}
	if _, err := svc.Update(context.Background(), "bob", it.ID, Patch{Status: &done}, nil); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	blank := ""
	if _, err := svc.Update(context.Background(), "alice", it.ID, Patch{Title: &blank}, nil); err == nil {
		t.Fatal("blank title accepted")
	}
}

func TestListAsksForOneMoreRowToKnowIfThereIsANextPage(t *testing.T) {
	svc, st, _ := newService()
	p, err := svc.List(context.Background(), "alice", "", PageQuery{Limit: 3})
	if err != nil || len(p.Items) != 3 || p.Next == "" || st.listArgs[0] != 4 {
		t.Fatalf("%+v %v %v", p, err, st.listArgs)
	}
	c, _ := ParseCursor(p.Next)
	if c.ID != p.Items[2].ID {
		t.Fatal("the cursor is not the last row of the page")
	}
	if _, err := svc.List(context.Background(), "alice", "", PageQuery{}); err != nil || st.listArgs[1] != DefaultLimit+1 {
		t.Fatal("default limit")
	}
	for _, q := range []PageQuery{{Limit: -1}, {Limit: MaxLimit + 1}, {Cursor: "x"}} {
		if _, err := svc.List(context.Background(), "alice", "", q); err == nil {
			t.Errorf("%+v accepted", q)
		}
	}
	if _, err := svc.List(context.Background(), "alice", "later", PageQuery{}); err == nil {
		t.Error("bad status accepted")
	}
}

func TestAttachmentKey(t *testing.T) {
	item, att := uuid.MustParse("11111111-1111-1111-1111-111111111111"), uuid.MustParse("22222222-2222-2222-2222-222222222222")
	if k := AttachmentKey("sub-1", item, att, "a b.png"); k != "attachments/sub-1/"+item.String()+"/"+att.String()+"/a b.png" {
		t.Fatal(k)
	}
}
