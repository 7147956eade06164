// Package worker is the event bus consumer: it turns item events into the owner's activity feed
// and checks uploaded attachments.
//
// A message is either an event envelope (event.Event, published by the outbox with the `type`
// message attribute) or an S3 event notification (an object was created under the uploads bucket;
// no `type` attribute). Item events (item.created, item.updated, item.deleted) and
// attachment.requested become one activity entry each. An object created under
// `attachments/{owner}/{itemId}/{attachmentId}/{fileName}` is HEADed and its size and
// Content-Type compared with what the attachment declared: it becomes `ready` when both match,
// `rejected` otherwise, with an activity entry saying which.
//
// # Idempotency
//
// Every effect is one SQL statement (a data-modifying CTE: one round trip, one implicit
// transaction) that also inserts (consumer "worker", event id) into processed_events and applies
// the effect only if that insert did not conflict; a redelivered event finds its id there and
// changes nothing, and a concurrent delivery waits on the key, then does nothing. No transaction
// stays open across round trips or the S3 HEAD, so behind an RDS Proxy no session is held.
//
// An S3 record has no event id: it gets a name-based UUID of bucket, key, sequencer and ETag, so
// the same notification delivered twice is one check, while a new upload of the same key is a new
// check (the HEAD reads the object as it is now, so the last check to run sees the last upload).
//
// # Failures: retry or drop
//
// [Consumer.HandleSQS] returns events.SQSEventResponse listing only the messages that failed; SQS
// redelivers those (and, after the queue's maxReceiveCount, moves them to the dead-letter queue,
// whose alarm tells a human). A message is failed when retrying can help or when a human must see
// it; it is dropped with a log line (acknowledged) when neither is true:
//
//   - Database or S3 errors other than "not found", or a deadline reached: FAIL. They are
//     transient (failover, throttling, a cold pool); the next delivery usually succeeds.
//   - Malformed body (not JSON), an envelope with a missing or invalid id, type or owner, or JSON
//     of no known shape: FAIL. Retrying will not parse it, but the bus carries only what our own
//     producers write, so such a message is a producer bug or a misconfiguration (e.g. raw message
//     delivery switched off wraps every event in an SNS envelope). Dropping would lose events
//     silently; the dead-letter queue keeps the bytes for diagnosis and redrive once fixed.
//   - Empty body: DROP. SQS cannot carry an empty message, so it comes from a hand-made invoke;
//     there is nothing to diagnose or redrive.
//   - A well-formed event of a type this consumer does not handle: DROP. Event types are a shared
//     contract; a producer may add one before this consumer (or its subscription filter) knows it.
//     Retrying cannot teach the code a type, and failing would fill the dead-letter queue.
//   - The s3:TestEvent S3 sends when notifications are configured, an object key outside the
//     attachments layout, a bucket other than the configured uploads bucket, an attachment that no
//     longer exists (its item was deleted), an object that no longer exists: DROP. Each describes
//     a state retrying cannot change.
//
// On a FIFO queue the first failure also fails every later message of the batch, so that SQS
// keeps the order within each message group.
package worker
