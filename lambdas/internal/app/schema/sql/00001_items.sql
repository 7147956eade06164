-- +goose Up
CREATE TABLE items (
    id         uuid PRIMARY KEY,
    owner      text NOT NULL,
    title      text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    notes      text NOT NULL DEFAULT '' CHECK (char_length(notes) <= 10000),
    status     text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    due_date   date NULL,
    version    integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- Keyset pagination, newest first, per owner (with and without a status filter).
CREATE INDEX items_owner_created_idx ON items (owner, created_at DESC, id DESC);
CREATE INDEX items_owner_status_created_idx ON items (owner, status, created_at DESC, id DESC);

CREATE TABLE attachments (
    id           uuid PRIMARY KEY,
    item_id      uuid NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    owner        text NOT NULL,
    file_name    text NOT NULL CHECK (char_length(file_name) BETWEEN 1 AND 255),
    content_type text NOT NULL,
    size         bigint NOT NULL CHECK (size > 0),
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'rejected')),
    s3_key       text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_item_idx ON attachments (item_id, created_at, id);

-- A POST /items retry with the same Idempotency-Key returns the stored first response.
CREATE TABLE idempotency_keys (
    owner        text NOT NULL,
    key          text NOT NULL,
    request_hash text NOT NULL,
    status_code  integer NOT NULL,
    response     jsonb NOT NULL,
    resource_id  uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Transactional outbox: every change writes its event here in the same transaction.
CREATE TABLE outbox (
    id           uuid PRIMARY KEY,
    type         text NOT NULL,
    owner        text NOT NULL,
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz NULL,
    attempts     integer NOT NULL DEFAULT 0
);
CREATE INDEX outbox_unpublished_idx ON outbox (created_at) WHERE published_at IS NULL;

-- The activity feed, filled by the worker from events.
CREATE TABLE activity (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner       text NOT NULL,
    event_id    uuid NOT NULL UNIQUE,
    type        text NOT NULL,
    item_id     uuid NULL,
    summary     text NOT NULL,
    occurred_at timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activity_owner_occurred_idx ON activity (owner, occurred_at DESC, id DESC);

-- Idempotent consumers remember the events they processed.
CREATE TABLE processed_events (
    consumer     text NOT NULL,
    event_id     uuid NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- +goose Down
DROP TABLE processed_events;
DROP TABLE activity;
DROP TABLE outbox;
DROP TABLE idempotency_keys;
DROP TABLE attachments;
DROP TABLE items;
