package store_test

import (
	"context"
	"testing"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/store"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

// Every operation works in every pgx exec mode (pgtest.ExecModes).
func TestEveryOperationInEveryExecMode(t *testing.T) {
	for _, m := range pgtest.ExecModes() {
		t.Run(m.Name, func(t *testing.T) {
			f := setup(t)
			pool := pgtest.NewPool(t, f.pool.Config().ConnString(), m.Mode)
			ctx := context.Background()
			svc := &items.Service{Store: store.New(pool), Uploads: fakeUploads{}}
			due, _ := items.ParseDate("2030-01-31")
			it, _, err := svc.Create(ctx, "alice", items.NewItem{Title: "t", DueDate: &due}, "")
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if _, _, err := svc.Create(ctx, "alice", items.NewItem{Title: "t"}, "key"); err != nil {
				t.Fatalf("create with key: %v", err)
			}
			if _, replayed, err := svc.Create(ctx, "alice", items.NewItem{Title: "t"}, "key"); err != nil || !replayed {
				t.Fatalf("replay: %v %v", replayed, err)
			}
			if got, err := svc.Get(ctx, "alice", it.ID); err != nil || got.DueDate.String() != "2030-01-31" {
				t.Fatalf("get: %+v %v", got, err)
			}
			title := "u"
			if _, err := svc.Update(ctx, "alice", it.ID, items.Patch{Title: &title, DueDate: &items.OptionalDate{}}, nil); err != nil {
				t.Fatalf("update: %v", err)
			}
			if _, _, err := svc.RequestUpload(ctx, "alice", it.ID, items.NewAttachment{FileName: "a.png", ContentType: "image/png", Size: 1}); err != nil {
				t.Fatalf("attachment: %v", err)
			}
			if as, err := svc.Attachments(ctx, "alice", it.ID); err != nil || len(as) != 1 {
				t.Fatalf("attachments: %v %v", as, err)
			}
			p, err := svc.List(ctx, "alice", items.StatusOpen, items.PageQuery{Limit: 1})
			if err != nil || p.Next == "" {
				t.Fatalf("list: %+v %v", p, err)
			}
			if _, err := svc.List(ctx, "alice", "", items.PageQuery{Limit: 1, Cursor: p.Next}); err != nil {
				t.Fatalf("list page 2: %v", err)
			}
			if _, err := svc.Activity(ctx, "alice", items.PageQuery{Cursor: p.Next}); err != nil {
				t.Fatalf("activity: %v", err)
			}
			if err := svc.Delete(ctx, "alice", it.ID, nil); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if err := svc.Health(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
