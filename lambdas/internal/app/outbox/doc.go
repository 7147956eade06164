// Package outbox delivers the events that the API wrote to the outbox table in the same
// transaction as the change they describe: nothing acknowledged to a user is lost.
//
// Two paths publish, through the same [Relay]:
//
//   - Right after the API's transaction commits, [Relay.Flush] (the API's event.EventFlusher)
//     publishes the events it was handed and marks their rows published. A failure is logged and
//     the rows stay unpublished; the request never fails because of it.
//   - On its schedule (every minute in Staging and Prod, hourly in Dev) the outbox Lambda calls
//     [Relay.Run], which publishes the rows that stayed unpublished for longer than a threshold
//     (OUTBOX_MIN_AGE, so it does not race the API's own flush of a fresh row), oldest first, in
//     batches.
//
// Each batch is claimed with SELECT … FOR UPDATE SKIP LOCKED inside a transaction that lasts until
// its rows are marked published, so overlapping outbox runs and a concurrent API flush never claim
// the same row: each row is published once by whoever locked it. A row whose publish failed gets
// attempts+1 and waits for the next run (a run does not retry it, and stops early when a whole batch
// fails: the bus is down, hammering it helps nobody).
//
// Delivery is at least once: if SNS accepted a message but the transaction marking it published
// does not commit (the database failed over, the Lambda timed out), the next run publishes it again.
// Consumers are idempotent by event id, and on a FIFO topic the event id is also the SNS
// deduplication id.
//
// The message body is the event envelope (event.Event) as JSON; the message attributes `type`
// (subscription filters) and `event_id` carry the type and id; see snsadapter.Publisher.
package outbox
