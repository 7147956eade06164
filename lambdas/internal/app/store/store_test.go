package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/event"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/store"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/wait"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func newPool(t testing.TB, dsn string, maxConns int32) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

type fixture struct {
	pool *pgxpool.Pool
	st   *store.Store
	svc  *items.Service
	ctx  context.Context
}

func setup(t *testing.T) *fixture {
	t.Helper()
	pool := newPool(t, pgtest.NewDB(t), 1) // one connection, as in Lambda
	st := store.New(pool)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return &fixture{pool: pool, st: st, svc: &items.Service{Store: st}, ctx: ctx}
}

func (f *fixture) outbox(t *testing.T, owner string) []event.Event {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, `SELECT id::text, type, owner, payload, created_at FROM outbox WHERE owner = $1 ORDER BY created_at, type`, owner)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []event.Event
	for rows.Next() {
		var e event.Event
		if err := rows.Scan(&e.ID, &e.Type, &e.Owner, &e.Payload, &e.Time); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func TestCreateGetRoundTripsEveryField(t *testing.T) {
	f := setup(t)
	due, _ := items.ParseDate("2030-01-31")
	it, replayed, err := f.svc.Create(f.ctx, "alice", items.NewItem{Title: "Buy milk ✓", Notes: "2 litres\nfull fat", Status: items.StatusDone, DueDate: &due}, "")
	if err != nil || replayed {
		t.Fatal(err, replayed)
	}
	got, err := f.st.GetItem(f.ctx, "alice", it.ID)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(it)
	b, _ := json.Marshal(got)
	if string(a) != string(b) || got.Owner != "alice" {
		t.Fatalf("created %s\nread    %s", a, b)
	}
	evs := f.outbox(t, "alice")
	if len(evs) != 1 || evs[0].Type != event.ItemCreated {
		t.Fatalf("outbox: %+v", evs)
	}
	var payload struct{ Item items.Item }
	if err := json.Unmarshal(evs[0].Payload, &payload); err != nil || payload.Item.ID != it.ID {
		t.Fatalf("payload %s: %v", evs[0].Payload, err)
	}
}

func TestOwnersAreIsolated(t *testing.T) {
	f := setup(t)
	it, _, err := f.svc.Create(f.ctx, "alice", items.NewItem{Title: "mine"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Get(f.ctx, "bob", it.ID); !errors.Is(err, items.ErrNotFound) {
		t.Errorf("get: %v", err)
	}
	if _, err := f.svc.Update(f.ctx, "bob", it.ID, items.Patch{Title: ptr("stolen")}, nil); !errors.Is(err, items.ErrNotFound) {
		t.Errorf("update: %v", err)
	}
	if err := f.svc.Delete(f.ctx, "bob", it.ID, nil); !errors.Is(err, items.ErrNotFound) {
		t.Errorf("delete: %v", err)
	}
	if _, err := f.svc.Attachments(f.ctx, "bob", it.ID); !errors.Is(err, items.ErrNotFound) {
		t.Errorf("attachments: %v", err)
	}
	a := items.Attachment{ID: uuid.New(), ItemID: it.ID, Owner: "bob", FileName: "x", ContentType: "text/plain", Size: 1, Status: "pending", Key: "k", CreatedAt: time.Now()}
	if err := f.st.CreateAttachment(f.ctx, a, event.Event{ID: uuid.NewString(), Type: "t", Owner: "bob", Payload: []byte(`{}`)}); !errors.Is(err, items.ErrNotFound) {
		t.Errorf("attachment: %v", err)
	}
	page, err := f.svc.List(f.ctx, "bob", "", items.PageQuery{})
	if err != nil || len(page.Items) != 0 {
		t.Errorf("bob lists %d items, %v", len(page.Items), err)
	}
	if got, _ := f.svc.Get(f.ctx, "alice", it.ID); got.Title != "mine" {
		t.Errorf("alice's item changed: %+v", got)
	}
	if n := len(f.outbox(t, "bob")); n != 0 {
		t.Errorf("bob's failed attempts wrote %d events", n)
	}
}

func TestListPaginatesNewestFirstWithStatusFilter(t *testing.T) {
	f := setup(t)
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	f.svc.Now = func() time.Time { n++; return base.Add(time.Duration(n/3) * time.Second) } // ties on purpose
	var want []uuid.UUID
	for i := range 25 {
		st := items.StatusOpen
		if i%2 == 1 {
			st = items.StatusDone
		}
		it, _, err := f.svc.Create(f.ctx, "alice", items.NewItem{Title: fmt.Sprint(i), Status: st}, "")
		if err != nil {
			t.Fatal(err)
		}
		want = append([]uuid.UUID{it.ID}, want...)
	}
	if _, _, err := f.svc.Create(f.ctx, "bob", items.NewItem{Title: "other"}, ""); err != nil {
		t.Fatal(err)
	}
	var got []items.Item
	cursor, pages := "", 0
	for {
		p, err := f.svc.List(f.ctx, "alice", "", items.PageQuery{Limit: 7, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		got, pages = append(got, p.Items...), pages+1
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	if pages != 4 || len(got) != 25 {
		t.Fatalf("%d pages, %d items", pages, len(got))
	}
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		if a.CreatedAt.Before(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID.String() < b.ID.String()) {
			t.Fatalf("not newest first at %d: %v %v / %v %v", i, a.CreatedAt, a.ID, b.CreatedAt, b.ID)
		}
	}
	seen := map[uuid.UUID]bool{}
	for _, it := range got {
		seen[it.ID] = true
	}
	for _, id := range want {
		if !seen[id] {
			t.Fatalf("item %v missing", id)
		}
	}
	done, err := f.svc.List(f.ctx, "alice", items.StatusDone, items.PageQuery{Limit: 100})
	if err != nil || len(done.Items) != 12 || done.Next != "" {
		t.Fatalf("done: %d items, next %q, %v", len(done.Items), done.Next, err)
	}
	for _, it := range done.Items {
		if it.Status != items.StatusDone {
			t.Fatalf("status filter let %q through", it.Status)
		}
	}
}

func TestIdempotentCreate(t *testing.T) {
	f := setup(t)
	first, replayed, err := f.svc.Create(f.ctx, "alice", items.NewItem{Title: "once"}, "key-1")
	if err != nil || replayed {
		t.Fatal(err, replayed)
	}
	again, replayed, err := f.svc.Create(f.ctx, "alice", items.NewItem{Title: "once", Status: items.StatusOpen}, "key-1")
	if err != nil || !replayed || again.ID != first.ID || !again.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("retry: %+v %v %v", again, replayed, err)
	}
	if _, _, err := f.svc.Create(f.ctx, "alice", items.NewItem{Title: "twice"}, "key-1"); !errors.Is(err, items.ErrIdempotencyMismatch) {
		t.Fatalf("different body: %v", err)
	}
	// Keys are per owner.
	if other, replayed, err := f.svc.Create(f.ctx, "bob", items.NewItem{Title: "once"}, "key-1"); err != nil || replayed || other.ID == first.ID {
		t.Fatalf("bob with alice's key: %v %v", replayed, err)
	}
	if n := len(f.outbox(t, "alice")); n != 1 {
		t.Fatalf("%d events for one create", n)
	}
}

func TestConcurrentIdempotentCreatesMakeOneItem(t *testing.T) {
	f := setup(t)
	svc := &items.Service{Store: store.New(newPool(t, f.pool.Config().ConnString(), 8))}
	var wg sync.WaitGroup
	ids := make([]uuid.UUID, 8)
	errs := make([]error, 8)
	for i := range 8 {
		wg.Go(func() {
			it, _, err := svc.Create(f.ctx, "alice", items.NewItem{Title: "race"}, "same")
			ids[i], errs[i] = it.ID, err
		})
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("request %d: %v %v (first %v)", i, ids[i], errs[i], ids[0])
		}
	}
	var n int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM items`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d items, %v", n, err)
	}
}

func TestUpdateWithVersionsAndEvents(t *testing.T) {
	f := setup(t)
	due, _ := items.ParseDate("2031-12-01")
	it, _, _ := f.svc.Create(f.ctx, "alice", items.NewItem{Title: "a", DueDate: &due}, "")
	up, err := f.svc.Update(f.ctx, "alice", it.ID, items.Patch{Status: ptr(items.StatusDone), DueDate: &items.OptionalDate{}}, ptr(1))
	if err != nil {
		t.Fatal(err)
	}
	if up.Version != 2 || up.Status != items.StatusDone || up.DueDate != nil || up.Title != "a" || !up.UpdatedAt.After(it.UpdatedAt) && !up.UpdatedAt.Equal(it.UpdatedAt) {
		t.Fatalf("updated: %+v", up)
	}
	if _, err := f.svc.Update(f.ctx, "alice", it.ID, items.Patch{Title: ptr("b")}, ptr(1)); !errors.Is(err, items.ErrVersionMismatch) {
		t.Fatalf("stale If-Match: %v", err)
	}
	same, err := f.svc.Update(f.ctx, "alice", it.ID, items.Patch{Title: ptr("a")}, nil)
	if err != nil || same.Version != 2 {
		t.Fatalf("no-op update: %+v %v", same, err)
	}
	got, _ := f.svc.Get(f.ctx, "alice", it.ID)
	if got.Version != 2 || got.DueDate != nil || got.Status != items.StatusDone {
		t.Fatalf("stored: %+v", got)
	}
	evs := f.outbox(t, "alice")
	if len(evs) != 2 || evs[1].Type != event.ItemUpdated {
		t.Fatalf("events: %+v", evs)
	}
	var p struct{ Changed []string }
	_ = json.Unmarshal(evs[1].Payload, &p)
	if fmt.Sprint(p.Changed) != "[status dueDate]" {
		t.Fatalf("changed: %v", p.Changed)
	}
}

func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	f := setup(t)
	svc := &items.Service{Store: store.New(newPool(t, f.pool.Config().ConnString(), 4))}
	it, _, _ := svc.Create(f.ctx, "alice", items.NewItem{Title: "n"}, "")
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			if _, err := svc.Update(f.ctx, "alice", it.ID, items.Patch{Notes: ptr(fmt.Sprint(i))}, nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, _ := svc.Get(f.ctx, "alice", it.ID)
	if got.Version != 11 {
		t.Fatalf("version %d after 10 updates", got.Version)
	}
}

func TestDeleteRemovesAttachmentsAndWritesEvent(t *testing.T) {
	f := setup(t)
	f.svc.Uploads = fakeUploads{}
	it, _, _ := f.svc.Create(f.ctx, "alice", items.NewItem{Title: "x"}, "")
	a, _, err := f.svc.RequestUpload(f.ctx, "alice", it.ID, items.NewAttachment{FileName: "cat.png", ContentType: "IMAGE/PNG", Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	if a.ContentType != "image/png" || a.Key != "attachments/alice/"+it.ID.String()+"/"+a.ID.String()+"/cat.png" {
		t.Fatalf("attachment %+v", a)
	}
	list, err := f.svc.Attachments(f.ctx, "alice", it.ID)
	if err != nil || len(list) != 1 || list[0].ID != a.ID || list[0].Status != items.AttachmentPending {
		t.Fatalf("list %+v %v", list, err)
	}
	if err := f.svc.Delete(f.ctx, "alice", it.ID, ptr(2)); !errors.Is(err, items.ErrVersionMismatch) {
		t.Fatalf("stale delete: %v", err)
	}
	if err := f.svc.Delete(f.ctx, "alice", it.ID, ptr(1)); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Delete(f.ctx, "alice", it.ID, nil); !errors.Is(err, items.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	var n int
	_ = f.pool.QueryRow(f.ctx, `SELECT count(*) FROM attachments`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d attachments left", n)
	}
	var types []string
	for _, e := range f.outbox(t, "alice") {
		types = append(types, e.Type)
	}
	if fmt.Sprint(types) != "[item.created attachment.requested item.deleted]" {
		t.Fatalf("events %v", types)
	}
}

type fakeUploads struct{}

func (fakeUploads) PresignPut(_ context.Context, key, ct string, size int64) (items.Upload, error) {
	return items.Upload{URL: "https://example.test/" + key, Method: "PUT"}, nil
}

func TestActivityPages(t *testing.T) {
	f := setup(t)
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		if _, err := f.pool.Exec(f.ctx, `INSERT INTO activity (owner, event_id, type, item_id, summary, occurred_at) VALUES ($1, $2, 'item.created', $3, $4, $5)`,
			"alice", uuid.New(), uuid.New(), fmt.Sprint("created ", i), base.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	p1, err := f.svc.Activity(f.ctx, "alice", items.PageQuery{Limit: 3})
	if err != nil || len(p1.Items) != 3 || p1.Next == "" || p1.Items[0].Summary != "created 4" {
		t.Fatalf("page 1: %+v %v", p1, err)
	}
	p2, err := f.svc.Activity(f.ctx, "alice", items.PageQuery{Limit: 3, Cursor: p1.Next})
	if err != nil || len(p2.Items) != 2 || p2.Next != "" || p2.Items[1].Summary != "created 0" {
		t.Fatalf("page 2: %+v %v", p2, err)
	}
	if p, _ := f.svc.Activity(f.ctx, "bob", items.PageQuery{}); len(p.Items) != 0 {
		t.Fatal("bob sees alice's activity")
	}
}

// After an Aurora failover the old writer answers 25006 until the connection
// is dropped: the store drops it and retries on a fresh one.
func TestReadOnlyConnectionIsDroppedAndRetried(t *testing.T) {
	f := setup(t)
	if _, err := f.pool.Exec(f.ctx, `SET default_transaction_read_only = on`); err != nil {
		t.Fatal(err)
	}
	var pid1 int
	_ = f.pool.QueryRow(f.ctx, `SELECT pg_backend_pid()`).Scan(&pid1)
	if _, _, err := f.svc.Create(f.ctx, "alice", items.NewItem{Title: "after failover"}, ""); err != nil {
		t.Fatalf("create on a read-only connection: %v", err)
	}
	var pid2 int
	_ = f.pool.QueryRow(f.ctx, `SELECT pg_backend_pid()`).Scan(&pid2)
	if pid1 == pid2 {
		t.Fatal("the read-only connection was kept")
	}
}

func TestTerminatedConnectionIsRetried(t *testing.T) {
	f := setup(t)
	var pid int
	_ = f.pool.QueryRow(f.ctx, `SELECT pg_backend_pid()`).Scan(&pid)
	admin := newPool(t, f.pool.Config().ConnString(), 1)
	if _, err := admin.Exec(f.ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	// pg_terminate_backend only signals: wait until the backend has gone, so that the pool's
	// connection is certainly dead when the service uses it.
	wait.For(t, 30*time.Second, "the terminated backend to exit", func() error {
		var n int
		if err := admin.QueryRow(f.ctx, `SELECT count(*) FROM pg_stat_activity WHERE pid = $1`, pid).Scan(&n); err != nil {
			return err
		}
		if n != 0 {
			return fmt.Errorf("backend %d still listed in pg_stat_activity", pid)
		}
		return nil
	})
	if err := f.svc.Health(f.ctx); err != nil {
		t.Fatalf("health after the server ended the connection: %v", err)
	}
	if _, err := f.svc.List(f.ctx, "alice", "", items.PageQuery{}); err != nil {
		t.Fatal(err)
	}
}

func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	pool := newPool(t, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1", 1)
	st := store.New(pool)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	err := st.Ping(ctx)
	if !errors.Is(err, items.ErrUnavailable) {
		t.Fatalf("ping: %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatalf("retries overran the deadline: %v", time.Since(start))
	}
	if _, _, err := (&items.Service{Store: st}).Create(ctx, "a", items.NewItem{Title: "x"}, ""); !errors.Is(err, items.ErrUnavailable) {
		t.Fatalf("create: %v", err)
	}
}
