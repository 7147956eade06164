package store_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stratus-cdk/stratus/lambdas/internal/items"
	"github.com/stratus-cdk/stratus/lambdas/internal/store"
)

// Behind RDS Proxy (DB_PROXY=true) statements run unnamed (QueryExecModeExec);
// every query must also work there and in the simple protocol, where pgx
// picks parameter types from Go types instead of asking the server.
func TestEveryOperationInEveryExecMode(t *testing.T) {
	for name, mode := range map[string]pgx.QueryExecMode{
		"cache_statement": pgx.QueryExecModeCacheStatement,
		"exec":            pgx.QueryExecModeExec,
		"simple_protocol": pgx.QueryExecModeSimpleProtocol,
	} {
		t.Run(name, func(t *testing.T) {
			f := setup(t)
			cfg, _ := pgxpool.ParseConfig(f.pool.Config().ConnString())
			cfg.MaxConns = 1
			cfg.ConnConfig.DefaultQueryExecMode = mode
			pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
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
