package httpapi

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

// The benchmarks compare a request end to end (proxy event → routing →
// schema validation → domain → store → JSON response) against the bare SQL
// round trips it needs, on the same local PostgreSQL and one connection.
//
//	go test -run '^$' -bench . -benchtime 2s ./lambdas/internal/app/httpapi

// modes are the exec modes worth timing: pgx's default, what DB_PROXY=true
// uses, and the simple protocol.
var modes = []pgtest.ExecMode{
	{Name: "cache_statement", Mode: pgx.QueryExecModeCacheStatement},
	{Name: "exec", Mode: pgx.QueryExecModeExec},
	{Name: "simple_protocol", Mode: pgx.QueryExecModeSimpleProtocol},
}

func BenchmarkCreateItem(b *testing.B) {
	dsn := pgtest.NewDB(b)
	for _, m := range modes {
		b.Run("handler/"+m.Name, func(b *testing.B) {
			a := newAPIWithDSN(b, dsn)
			a.svc.Store = storeOn(pgtest.NewPool(b, dsn, m.Mode))
			a.svc.Events = nil
			ev := event_("POST", "/items", alice, `{"title":"Benchmark item","notes":"some notes","dueDate":"2030-01-31"}`)
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				if res, _ := a.h.Handle(ctx, ev); res.StatusCode != 201 {
					b.Fatalf("%d %s", res.StatusCode, res.Body)
				}
			}
		})
	}
	b.Run("bare_sql", func(b *testing.B) {
		pool := pgtest.NewPool(b, dsn, pgx.QueryExecModeCacheStatement)
		ctx := context.Background()
		payload := []byte(`{"item":{"title":"Benchmark item"}}`)
		for b.Loop() {
			// The same single round trip the store makes: item and outbox row in one implicit transaction.
			now := time.Now()
			var batch pgx.Batch
			batch.Queue(`INSERT INTO items (id, owner, title, notes, status, due_date, version, created_at, updated_at) VALUES ($1, $2, $3, $4, 'open', '2030-01-31', 1, $5, $5)`,
				uuid.New(), alice, "Benchmark item", "some notes", now)
			batch.Queue(`INSERT INTO outbox (id, type, owner, payload, created_at) VALUES ($1, 'item.created', $2, $3, $4)`, uuid.New(), alice, payload, now)
			if err := pool.SendBatch(ctx, &batch).Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkListItems(b *testing.B) {
	dsn := pgtest.NewDB(b)
	seed := newAPIWithDSN(b, dsn)
	for i := range 200 {
		owner := alice
		if i%2 == 1 {
			owner = bob
		}
		seed.create(owner, fmt.Sprintf(`{"title":"item %d"}`, i))
	}
	for _, m := range modes {
		b.Run("handler/"+m.Name, func(b *testing.B) {
			a := newAPIWithDSN(b, dsn)
			a.svc.Store = storeOn(pgtest.NewPool(b, dsn, m.Mode))
			ev := event_("GET", "/items?limit=20", alice, "")
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				if res, _ := a.h.Handle(ctx, ev); res.StatusCode != 200 {
					b.Fatalf("%d %s", res.StatusCode, res.Body)
				}
			}
		})
	}
	b.Run("bare_sql", func(b *testing.B) {
		pool := pgtest.NewPool(b, dsn, pgx.QueryExecModeCacheStatement)
		ctx := context.Background()
		for b.Loop() {
			rows, _ := pool.Query(ctx, `SELECT id, owner, title, notes, status, due_date, version, created_at, updated_at
				FROM items WHERE owner = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, alice, 21)
			n := 0
			for rows.Next() {
				n++
			}
			if rows.Err() != nil || n != 21 {
				b.Fatal(rows.Err(), n)
			}
		}
	})
}
