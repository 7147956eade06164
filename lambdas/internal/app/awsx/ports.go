package awsx

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Message is one event as it goes on the bus.
type Message struct {
	// ID is the event id: the `event_id` message attribute, and the deduplication id on a FIFO topic.
	ID string
	// Type is the event type: the `type` message attribute that subscriptions filter on.
	Type string
	// Group orders messages on a FIFO topic (the owner); ignored on a standard topic.
	Group string
	// Body is the message body (the event JSON); subscribers with raw delivery receive it as is.
	Body []byte
	// TraceParent is the W3C traceparent of the publish span: the `traceparent` message attribute
	// (omitted when ""), so the consumer's span joins the trace.
	TraceParent string
}

// Publisher publishes one message to the event bus.
type Publisher interface {
	Publish(ctx context.Context, m Message) error
}

// Validate names everything m lacks; fifo: for a FIFO topic, which needs a Group.
func (m Message) Validate(fifo bool) error {
	var errs []error
	if m.ID == "" {
		errs = append(errs, errors.New("message ID is empty"))
	}
	if m.Type == "" {
		errs = append(errs, errors.New("message Type is empty"))
	}
	if len(m.Body) == 0 {
		errs = append(errs, errors.New("message Body is empty"))
	}
	if fifo && m.Group == "" {
		errs = append(errs, errors.New("message Group is empty (required on a FIFO topic)"))
	}
	return errors.Join(errs...)
}

// ErrObjectNotFound is returned by [ObjectInspector.Head] when the object does not exist (any more).
var ErrObjectNotFound = errors.New("object not found")

// ObjectInfo is what a HEAD of an object tells.
type ObjectInfo struct {
	Size        int64
	ContentType string
	ETag        string
}

// ObjectInspector reads an object's metadata without its body.
type ObjectInspector interface {
	Head(ctx context.Context, bucket, key string) (ObjectInfo, error)
}

// PutRequest describes an upload a client may make with a presigned URL.
type PutRequest struct {
	Bucket      string
	Key         string
	ContentType string
	// Size is the declared Content-Length; it is signed, so S3 refuses a body of another size.
	Size int64
	// Expires is how long the URL stays valid.
	Expires time.Duration
}

// PresignedPut is a presigned request: the client sends Method to URL with Headers.
type PresignedPut struct {
	URL     string
	Method  string
	Headers http.Header
	Expires time.Time
}

// Presigner presigns uploads.
type Presigner interface {
	PresignPut(ctx context.Context, r PutRequest) (PresignedPut, error)
}

// ParameterReader reads configuration parameters.
type ParameterReader interface {
	// Parameters returns the values of the named parameters that exist (SecureString values
	// decrypted); a name that does not exist is absent from the map, not an error, so callers
	// can fall back to defaults.
	Parameters(ctx context.Context, names ...string) (map[string]string, error)
	// ParametersByPath returns every parameter under path (recursively), keyed by full name.
	ParametersByPath(ctx context.Context, path string) (map[string]string, error)
}
