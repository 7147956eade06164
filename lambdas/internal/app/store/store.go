// Package store is the PostgreSQL adapter of items.Store (pgx v5).
//
// Every write is a single atomic round trip: one statement (data-modifying
// CTEs) or one pipelined batch, which PostgreSQL runs as one implicit
// transaction. There are no interactive transactions, so nothing holds a lock
// or a pinned RDS Proxy session across network round trips, and an update is
// optimistic (read, then a conditional write on the version read). Each
// change writes its event to the outbox in the same statement or batch.
//
// Connection failures (refused, 57P03 cannot_connect_now, 25006
// read_only_sql_transaction after an Aurora failover, 57P01 admin_shutdown)
// are retried with backoff within the request's deadline; a connection that
// answered "read only" or "shutting down" is closed so the pool dials the new
// writer. Writes are retried only when the server did not apply them. What
// still fails wraps items.ErrUnavailable.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/event"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/tracing"
)

// Store implements items.Store on a pgx pool.
type Store struct {
	pool *pgxpool.Pool
	// MaxAttempts bounds the tries of one operation (default 6); backoff
	// starts at 25 ms and doubles, within the context's deadline.
	MaxAttempts int
}

var _ items.Store = (*Store)(nil)

// New returns a Store on pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

const itemCols = `id, owner, title, notes, status, due_date, version, created_at, updated_at`

// idempotencyTTL is how long an Idempotency-Key is remembered.
const idempotencyTTL = "24 hours"

func scanItem(row pgx.Row) (items.Item, error) {
	var it items.Item
	var due pgtype.Date
	var status string
	err := row.Scan(&it.ID, &it.Owner, &it.Title, &it.Notes, &status, &due, &it.Version, &it.CreatedAt, &it.UpdatedAt)
	if err != nil {
		return items.Item{}, err
	}
	it.Status = items.Status(status)
	if due.Valid {
		d := items.DateOf(due.Time)
		it.DueDate = &d
	}
	it.CreatedAt, it.UpdatedAt = it.CreatedAt.UTC(), it.UpdatedAt.UTC()
	return it, nil
}

// traceContext is the outbox row's trace_context: the traceparent of the request's span, or NULL
// outside a span. The relay publishes the row in that trace, so the worker's span joins it.
func traceContext(ctx context.Context) *string {
	if tp := tracing.TraceParent(ctx); tp != "" {
		return &tp
	}
	return nil
}

func dateArg(d *items.Date) pgtype.Date {
	if d == nil {
		return pgtype.Date{}
	}
	return pgtype.Date{Time: d.Time(), Valid: true}
}

// CreateItem implements items.Store.
func (s *Store) CreateItem(ctx context.Context, it items.Item, ev event.Event, idem *items.Idempotency) (items.Item, bool, error) {
	insertItem := `INSERT INTO items (` + itemCols + `) SELECT $1::uuid, $2::text, $3::text, $4::text, $5::text, $6::date, $7::int, $8::timestamptz, $9::timestamptz`
	insertEvent := `INSERT INTO outbox (id, type, owner, payload, created_at, trace_context) SELECT $1::uuid, $2::text, $3::text, $4::jsonb, $5::timestamptz, $6::text`
	itemArgs := []any{it.ID, it.Owner, it.Title, it.Notes, string(it.Status), dateArg(it.DueDate), it.Version, it.CreatedAt, it.UpdatedAt}
	evArgs := []any{ev.ID, ev.Type, ev.Owner, string(ev.Payload), ev.Time, traceContext(ctx)}
	if idem == nil {
		return it, false, s.do(ctx, true, func(c *pgxpool.Conn) error {
			var b pgx.Batch // a new batch per attempt: pgx caches statement descriptions in it
			b.Queue(insertItem, itemArgs...)
			b.Queue(insertEvent, evArgs...)
			return c.SendBatch(ctx, &b).Close()
		})
	}
	response, err := json.Marshal(it)
	if err != nil {
		return items.Item{}, false, err
	}
	// The key row names the item it created: the item and its event are
	// inserted only if this request's key row is the one that stuck.
	ours := ` WHERE EXISTS (SELECT 1 FROM idempotency_keys WHERE owner = $%d::text AND key = $%d::text AND resource_id = $1::uuid)`
	var claimed bool
	err = s.do(ctx, true, func(c *pgxpool.Conn) error {
		var b pgx.Batch
		b.Queue(`INSERT INTO idempotency_keys (owner, key, request_hash, status_code, response, resource_id)
			VALUES ($1, $2, $3, 201, $4::jsonb, $5::uuid)
			ON CONFLICT (owner, key) DO UPDATE
			SET request_hash = EXCLUDED.request_hash, status_code = EXCLUDED.status_code,
			    response = EXCLUDED.response, resource_id = EXCLUDED.resource_id, created_at = now()
			WHERE idempotency_keys.created_at < now() - interval '`+idempotencyTTL+`'`,
			it.Owner, idem.Key, idem.Hash, string(response), it.ID).Exec(func(tag pgconn.CommandTag) error {
			claimed = tag.RowsAffected() == 1
			return nil
		})
		b.Queue(insertItem+fmt.Sprintf(ours, 10, 11), append(itemArgs, it.Owner, idem.Key)...)
		b.Queue(insertEvent+` WHERE EXISTS (SELECT 1 FROM idempotency_keys WHERE owner = $3::text AND key = $7::text AND resource_id = $8::uuid)`,
			append(evArgs, idem.Key, it.ID)...)
		return c.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		return items.Item{}, false, err
	}
	if claimed {
		return it, false, nil
	}
	var hash string
	var stored []byte
	err = s.do(ctx, false, func(c *pgxpool.Conn) error {
		return c.QueryRow(ctx, `SELECT request_hash, response FROM idempotency_keys WHERE owner = $1 AND key = $2`,
			it.Owner, idem.Key).Scan(&hash, &stored)
	})
	if err != nil {
		return items.Item{}, false, err
	}
	if hash != idem.Hash {
		return items.Item{}, false, items.ErrIdempotencyMismatch
	}
	var first items.Item
	if err := json.Unmarshal(stored, &first); err != nil {
		return items.Item{}, false, fmt.Errorf("stored idempotent response: %w", err)
	}
	first.Owner = it.Owner
	return first, true, nil
}

// GetItem implements items.Store.
func (s *Store) GetItem(ctx context.Context, owner string, id uuid.UUID) (it items.Item, err error) {
	err = s.do(ctx, false, func(c *pgxpool.Conn) error {
		it, err = scanItem(c.QueryRow(ctx, `SELECT `+itemCols+` FROM items WHERE id = $1 AND owner = $2`, id, owner))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return items.Item{}, items.ErrNotFound
	}
	return it, err
}

// ListItems implements items.Store.
func (s *Store) ListItems(ctx context.Context, owner string, status items.Status, after *items.Cursor, limit int) ([]items.Item, error) {
	// One statement per filter combination: each keeps a plan that uses the index.
	q := `SELECT ` + itemCols + ` FROM items WHERE owner = $1`
	args := []any{owner, limit}
	if status != "" {
		args = append(args, string(status))
		q += fmt.Sprintf(` AND status = $%d`, len(args))
	}
	if after != nil {
		args = append(args, after.Time, after.ID)
		q += fmt.Sprintf(` AND (created_at, id) < ($%d, $%d)`, len(args)-1, len(args))
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT $2`
	var out []items.Item
	err := s.do(ctx, false, func(c *pgxpool.Conn) error {
		rows, err := c.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (items.Item, error) { return scanItem(r) })
		return err
	})
	return out, err
}

// UpdateItem implements items.Store: read, change, write if the version is
// still the one read (else read again).
func (s *Store) UpdateItem(ctx context.Context, owner string, id uuid.UUID, change func(items.Item) (items.Item, *event.Event, error)) (items.Item, error) {
	for {
		cur, err := s.GetItem(ctx, owner, id)
		if err != nil {
			return items.Item{}, err
		}
		next, ev, err := change(cur)
		if err != nil || ev == nil {
			return next, err
		}
		var n int64
		err = s.do(ctx, true, func(c *pgxpool.Conn) error {
			tag, err := c.Exec(ctx, `WITH u AS (
				UPDATE items SET title = $3, notes = $4, status = $5, due_date = $6, version = $7, updated_at = $8
				WHERE id = $1 AND owner = $2 AND version = $9 RETURNING id)
				INSERT INTO outbox (id, type, owner, payload, created_at, trace_context) SELECT $10::uuid, $11::text, $2::text, $12::jsonb, $13::timestamptz, $14::text FROM u`,
				id, owner, next.Title, next.Notes, string(next.Status), dateArg(next.DueDate), next.Version, next.UpdatedAt, cur.Version,
				ev.ID, ev.Type, string(ev.Payload), ev.Time, traceContext(ctx))
			n = tag.RowsAffected()
			return err
		})
		if err != nil {
			return items.Item{}, err
		}
		if n == 1 {
			return next, nil
		}
		if err := ctx.Err(); err != nil {
			return items.Item{}, err
		}
		// Someone changed (or deleted) it in between: decide again on the new state.
	}
}

// DeleteItem implements items.Store.
func (s *Store) DeleteItem(ctx context.Context, owner string, id uuid.UUID, check func(items.Item) (event.Event, error)) error {
	for {
		cur, err := s.GetItem(ctx, owner, id)
		if err != nil {
			return err
		}
		ev, err := check(cur)
		if err != nil {
			return err
		}
		var n int64
		err = s.do(ctx, true, func(c *pgxpool.Conn) error {
			tag, err := c.Exec(ctx, `WITH d AS (DELETE FROM items WHERE id = $1 AND owner = $2 AND version = $3 RETURNING id)
				INSERT INTO outbox (id, type, owner, payload, created_at, trace_context) SELECT $4::uuid, $5::text, $2::text, $6::jsonb, $7::timestamptz, $8::text FROM d`,
				id, owner, cur.Version, ev.ID, ev.Type, string(ev.Payload), ev.Time, traceContext(ctx))
			n = tag.RowsAffected()
			return err
		})
		if err != nil || n == 1 {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// CreateAttachment implements items.Store.
func (s *Store) CreateAttachment(ctx context.Context, a items.Attachment, ev event.Event) error {
	var n int64
	err := s.do(ctx, true, func(c *pgxpool.Conn) error {
		tag, err := c.Exec(ctx, `WITH i AS (SELECT id FROM items WHERE id = $2 AND owner = $3 FOR KEY SHARE),
			a AS (INSERT INTO attachments (id, item_id, owner, file_name, content_type, size, status, s3_key, created_at, updated_at)
			      SELECT $1::uuid, i.id, $3::text, $4::text, $5::text, $6::bigint, $7::text, $8::text, $9::timestamptz, $9::timestamptz FROM i RETURNING id)
			INSERT INTO outbox (id, type, owner, payload, created_at, trace_context) SELECT $10::uuid, $11::text, $3::text, $12::jsonb, $13::timestamptz, $14::text FROM a`,
			a.ID, a.ItemID, a.Owner, a.FileName, a.ContentType, a.Size, a.Status, a.Key, a.CreatedAt,
			ev.ID, ev.Type, string(ev.Payload), ev.Time, traceContext(ctx))
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return items.ErrNotFound
	}
	return nil
}

// ListAttachments implements items.Store.
func (s *Store) ListAttachments(ctx context.Context, owner string, itemID uuid.UUID) ([]items.Attachment, error) {
	var out []items.Attachment
	found := false
	err := s.do(ctx, false, func(c *pgxpool.Conn) error {
		var b pgx.Batch
		b.Queue(`SELECT EXISTS (SELECT 1 FROM items WHERE id = $1 AND owner = $2)`, itemID, owner).QueryRow(func(r pgx.Row) error {
			return r.Scan(&found)
		})
		b.Queue(`SELECT id, item_id, owner, file_name, content_type, size, status, s3_key, created_at, updated_at
			FROM attachments WHERE item_id = $1 AND owner = $2 ORDER BY created_at, id`, itemID, owner).Query(func(rows pgx.Rows) error {
			var err error
			out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (a items.Attachment, err error) {
				err = r.Scan(&a.ID, &a.ItemID, &a.Owner, &a.FileName, &a.ContentType, &a.Size, &a.Status, &a.Key, &a.CreatedAt, &a.UpdatedAt)
				a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
				return a, err
			})
			return err
		})
		return c.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, items.ErrNotFound
	}
	return out, nil
}

// ListActivity implements items.Store.
func (s *Store) ListActivity(ctx context.Context, owner string, after *items.Cursor, limit int) ([]items.Activity, error) {
	q := `SELECT id, type, item_id, summary, occurred_at FROM activity WHERE owner = $1`
	args := []any{owner, limit}
	if after != nil {
		args = append(args, after.Time, after.ID)
		q += ` AND (occurred_at, id) < ($3, $4)`
	}
	q += ` ORDER BY occurred_at DESC, id DESC LIMIT $2`
	var out []items.Activity
	err := s.do(ctx, false, func(c *pgxpool.Conn) error {
		rows, err := c.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (a items.Activity, err error) {
			err = r.Scan(&a.ID, &a.Type, &a.ItemID, &a.Summary, &a.OccurredAt)
			a.OccurredAt = a.OccurredAt.UTC()
			return a, err
		})
		return err
	})
	return out, err
}

// Ping implements items.Store.
func (s *Store) Ping(ctx context.Context) error {
	return s.do(ctx, false, func(c *pgxpool.Conn) error {
		_, err := c.Exec(ctx, `SELECT 1`)
		return err
	})
}
