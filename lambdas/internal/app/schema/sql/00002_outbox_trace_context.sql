-- The trace context (a W3C traceparent) of the request that wrote each outbox row, so the outbox
-- relay publishes the row in that request's trace and the worker's span joins it. NULL for rows
-- written before tracing, or outside a span.
-- stratus:allow access-exclusive: a nullable column without a default is a catalog change only (no table rewrite); the lock is held for milliseconds, and the migrate function runs before the new API code
-- +goose Up
ALTER TABLE outbox ADD COLUMN trace_context text NULL;

-- +goose Down
ALTER TABLE outbox DROP COLUMN trace_context;
