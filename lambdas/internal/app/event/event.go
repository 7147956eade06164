// Package event is the envelope of the application's domain events. The API
// writes each event to the outbox table in the same transaction as the change
// it describes; after commit it hands the events to an EventFlusher, which
// publishes them (and the outbox Lambda re-publishes whatever was missed).
package event

import (
	"context"
	"encoding/json"
	"time"
)

// Event types.
const (
	// ItemCreated: payload {"item": Item}.
	ItemCreated = "item.created"
	// ItemUpdated: payload {"item": Item (after the change), "changed": ["title", ...]}.
	ItemUpdated = "item.updated"
	// ItemDeleted: payload {"item": Item (as it was before deletion)}.
	ItemDeleted = "item.deleted"
	// AttachmentRequested: payload {"attachment": Attachment, "key": "attachments/{owner}/{itemId}/{attachmentId}/{fileName}"}.
	AttachmentRequested = "attachment.requested"
)

// Event is the envelope published to the event bus and stored in the outbox.
type Event struct {
	ID      string          `json:"id"` // a UUID, also the outbox row id
	Type    string          `json:"type"`
	Time    time.Time       `json:"time"`
	Owner   string          `json:"owner"` // the Cognito sub of the user whose data changed
	Payload json.RawMessage `json:"payload"`
	// TraceContext is the W3C traceparent of the request that wrote the event (the outbox row's
	// trace_context), "" when unknown. It travels as the `traceparent` message attribute, never in
	// the body.
	TraceContext string `json:"-"`
}

// EventFlusher publishes events after their transaction committed. It never
// fails the request: errors are its own to log, and the outbox Lambda retries.
type EventFlusher interface {
	Flush(ctx context.Context, events []Event)
}
