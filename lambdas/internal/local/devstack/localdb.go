package devstack

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// localSchema holds the local stand-ins' own tables: the worker's queue with its dead letters, and
// the uploads bucket's object index. They live in the application's database, so that a commit
// there is as durable as the application's own and an object's index entry and its notification
// commit together, but in the schema `local`, apart from the application's tables: those are the
// deployed schema (app/schema's migrations, guarded by the release checks), and these exist only
// here. Every statement is idempotent; the schema is applied at each start.
const localSchema = `
CREATE SCHEMA IF NOT EXISTS local;

-- The worker's SQS queue: a message is visible from visible_at; each receive counts, hides it for
-- the visibility timeout and gives it a new receipt, which the delete after success must match.
CREATE TABLE IF NOT EXISTS local.queue (
    id         uuid PRIMARY KEY,
    body       text NOT NULL,
    attributes jsonb NOT NULL DEFAULT '{}',
    sent_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    visible_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    receives   integer NOT NULL DEFAULT 0,
    receipt    uuid NULL,
    last_error text NULL
);
CREATE INDEX IF NOT EXISTS queue_visible_idx ON local.queue (visible_at);

-- Its dead-letter queue: messages received maxReceiveCount times without success.
CREATE TABLE IF NOT EXISTS local.dead_letters (
    id         uuid PRIMARY KEY,
    body       text NOT NULL,
    attributes jsonb NOT NULL DEFAULT '{}',
    sent_at    timestamptz NOT NULL,
    receives   integer NOT NULL,
    last_error text NULL,
    dead_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The uploads bucket's objects: any key S3 takes, its bytes in a file named by the index.
CREATE TABLE IF NOT EXISTS local.objects (
    bucket       text NOT NULL,
    key          text NOT NULL,
    file         text NOT NULL UNIQUE,
    content_type text NOT NULL,
    size         bigint NOT NULL,
    etag         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (bucket, key)
);
`

// applyLocalSchema creates the local tables that do not exist yet. An advisory lock keeps two
// starts on one database from racing on the catalog.
func applyLocalSchema(ctx context.Context, pool *pgxpool.Pool) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("devstack: local schema: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('stratus local schema'))`); err != nil {
		return fmt.Errorf("devstack: local schema: %w", err)
	}
	if _, err := tx.Exec(ctx, localSchema); err != nil {
		return fmt.Errorf("devstack: local schema: %w", err)
	}
	return tx.Commit(ctx)
}
