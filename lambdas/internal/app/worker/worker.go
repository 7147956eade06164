package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/event"
)

// ConsumerName is this consumer's key in processed_events.
const ConsumerName = "worker"

// Activity types the worker adds for attachment checks (item events keep their own type).
const (
	AttachmentReady    = "attachment.ready"
	AttachmentRejected = "attachment.rejected"
)

// DB is what the consumer needs of a connection pool (*pgxpool.Pool fits).
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Options tune a [Consumer].
type Options struct {
	// UploadsBucket, when set, is the only bucket whose object events are checked.
	// Default: - any bucket.
	UploadsBucket string
	// Logger receives one JSON line per message (from HandleSQS). Default: slog.Default().
	Logger *slog.Logger
}

// Consumer processes bus messages.
type Consumer struct {
	db      DB
	objects awsx.ObjectInspector
	opts    Options
}

// New returns a consumer writing through db and inspecting uploads with objects.
func New(db DB, objects awsx.ObjectInspector, opts Options) *Consumer {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Consumer{db: db, objects: objects, opts: opts}
}

// Message is one message as the bus delivered it.
type Message struct {
	// ID identifies the delivery (the SQS message id), for logs.
	ID string
	// Body is the message body: an event envelope or an S3 event notification.
	Body string
	// Type is the `type` message attribute; "" when absent (S3 notifications).
	Type string
}

// Outcome says what became of a message.
type Outcome string

// Outcomes.
const (
	Processed Outcome = "processed" // its effect was applied
	Duplicate Outcome = "duplicate" // an earlier delivery applied it
	Dropped   Outcome = "dropped"   // acknowledged without effect: retrying cannot help
	Failed    Outcome = "failed"    // to be redelivered (and eventually dead-lettered)
)

// dropError is a reason to acknowledge a message without effect.
type dropError struct{ reason string }

func (d *dropError) Error() string { return d.reason }

func drop(format string, args ...any) error { return &dropError{fmt.Sprintf(format, args...)} }

// errMalformed marks bodies no retry will parse; they fail, to reach the dead-letter queue.
var errMalformed = errors.New("malformed message")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errMalformed, fmt.Sprintf(format, args...))
}

// Result is what became of a message.
type Result struct {
	Outcome Outcome
	// Detail says why it was dropped, or what a check decided.
	Detail string
}

// Process applies m's effect once. A nil error means m may be deleted from the queue (the result
// says whether it was processed, a duplicate or dropped, and why); an error means it should be
// redelivered.
func (c *Consumer) Process(ctx context.Context, m Message) (Result, error) {
	res, err := c.process(ctx, m)
	var d *dropError
	if errors.As(err, &d) {
		return Result{Outcome: Dropped, Detail: d.reason}, nil
	}
	if err != nil {
		return Result{Outcome: Failed}, err
	}
	return res, nil
}

// probe tells the kinds of body apart.
type probe struct {
	Records json.RawMessage `json:"Records"`
	Event   string          `json:"Event"`
	Type    string          `json:"type"`
	ID      string          `json:"id"`
}

func (c *Consumer) process(ctx context.Context, m Message) (Result, error) {
	body := strings.TrimSpace(m.Body)
	if body == "" {
		return Result{}, drop("empty body")
	}
	var p probe
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		return Result{}, malformed("body is not a JSON object: %v", err)
	}
	switch {
	case p.Event == "s3:TestEvent":
		return Result{}, drop("s3:TestEvent (sent once when bucket notifications are configured)")
	case p.Records != nil:
		return c.handleS3(ctx, []byte(body))
	case m.Type != "" || p.Type != "" || p.ID != "":
		out, err := c.handleEvent(ctx, []byte(body), m.Type)
		return Result{Outcome: out}, err
	default:
		return Result{}, malformed("neither an event envelope nor an S3 notification (is raw message delivery off?)")
	}
}

// handleEvent adds an event's activity entry.
func (c *Consumer) handleEvent(ctx context.Context, body []byte, attrType string) (Outcome, error) {
	var e event.Event
	if err := json.Unmarshal(body, &e); err != nil {
		return "", malformed("event envelope: %v", err)
	}
	if err := validEnvelope(e, attrType); err != nil {
		return "", err
	}
	act, err := activityOf(e)
	if err != nil {
		return "", err
	}
	return c.addActivity(ctx, act)
}

func validEnvelope(e event.Event, attrType string) error {
	var problems []string
	if _, err := uuid.Parse(e.ID); err != nil {
		problems = append(problems, fmt.Sprintf("id %q is not a UUID", e.ID))
	}
	if e.Type == "" {
		problems = append(problems, "type is empty")
	}
	if attrType != "" && attrType != e.Type {
		problems = append(problems, fmt.Sprintf("type attribute %q differs from the envelope's %q", attrType, e.Type))
	}
	if e.Owner == "" {
		problems = append(problems, "owner is empty")
	}
	if e.Time.IsZero() {
		problems = append(problems, "time is missing")
	}
	if len(problems) > 0 {
		return malformed("event envelope: %s", strings.Join(problems, "; "))
	}
	return nil
}

// activity is one feed entry.
type activity struct {
	Owner      string
	EventID    string
	Type       string
	ItemID     string // "" for none
	Summary    string
	OccurredAt time.Time
}

// addActivity records a.EventID as processed and adds a, in one statement (one round trip, one
// implicit transaction, nothing held between round trips). A concurrent delivery of the same event
// waits on the processed_events key and then adds nothing.
func (c *Consumer) addActivity(ctx context.Context, a activity) (Outcome, error) {
	tag, err := c.db.Exec(ctx, `WITH claimed AS (
			INSERT INTO processed_events (consumer, event_id) VALUES ($1::text, $2::uuid) ON CONFLICT DO NOTHING RETURNING event_id)
		INSERT INTO activity (owner, event_id, type, item_id, summary, occurred_at)
		SELECT $3::text, event_id, $4::text, $5::uuid, $6::text, $7::timestamptz FROM claimed
		ON CONFLICT (event_id) DO NOTHING`,
		ConsumerName, a.EventID, a.Owner, a.Type, nullable(a.ItemID), a.Summary, a.OccurredAt)
	if err != nil {
		return "", fmt.Errorf("add activity for event %s: %w", a.EventID, err)
	}
	if tag.RowsAffected() == 0 {
		return Duplicate, nil
	}
	return Processed, nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Payload shapes (see package event).
type itemPayload struct {
	Item struct {
		ID     string `json:"id"`
		Title  string `json:"title"`
		Status string `json:"status"`
	} `json:"item"`
	Changed []string `json:"changed"`
}

type attachmentPayload struct {
	Attachment struct {
		FileName string `json:"fileName"`
	} `json:"attachment"`
	Key string `json:"key"`
}

// activityOf is the feed entry of an event, or an error: malformed (fail) or an unknown type (drop).
func activityOf(e event.Event) (activity, error) {
	a := activity{Owner: e.Owner, EventID: e.ID, Type: e.Type, OccurredAt: e.Time}
	switch e.Type {
	case event.ItemCreated, event.ItemUpdated, event.ItemDeleted:
		var p itemPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return a, malformed("%s payload: %v", e.Type, err)
		}
		if _, err := uuid.Parse(p.Item.ID); err != nil {
			return a, malformed("%s payload: item.id %q is not a UUID", e.Type, p.Item.ID)
		}
		a.ItemID = p.Item.ID
		a.Summary = itemSummary(e.Type, p)
	case event.AttachmentRequested:
		var p attachmentPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return a, malformed("%s payload: %v", e.Type, err)
		}
		k, err := parseKey(p.Key)
		if err != nil {
			return a, malformed("%s payload: %v", e.Type, err)
		}
		if k.Owner != e.Owner {
			return a, malformed("%s payload: key %q belongs to another owner", e.Type, p.Key)
		}
		name := p.Attachment.FileName
		if name == "" {
			name = k.FileName
		}
		a.ItemID = k.ItemID
		a.Summary = fmt.Sprintf("Upload of %q requested", name)
	default:
		return a, drop("event type %q is not handled by this consumer", e.Type)
	}
	return a, nil
}

func itemSummary(typ string, p itemPayload) string {
	title := fmt.Sprintf("%q", p.Item.Title)
	switch typ {
	case event.ItemCreated:
		return "Created " + title
	case event.ItemDeleted:
		return "Deleted " + title
	}
	onlyStatus := len(p.Changed) == 1 && p.Changed[0] == "status"
	switch {
	case onlyStatus && p.Item.Status == "done":
		return "Completed " + title
	case onlyStatus && p.Item.Status == "open":
		return "Reopened " + title
	case len(p.Changed) > 0:
		return fmt.Sprintf("Updated %s (%s)", title, strings.Join(p.Changed, ", "))
	default:
		return "Updated " + title
	}
}
