// Package items is the domain of the reference application: signed-in users
// keep items (a title, notes, a status and an optional due date) and upload
// attachments to them. Every change emits an event (written to the outbox by
// the Store in the same transaction, then handed to an EventFlusher).
//
// The package knows nothing of API Gateway, SQL or S3: it talks to them
// through the ports Store, Uploads and LimitsSource.
package items

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/stratus-cdk/stratus/contract"
)

// Status of an item.
type Status string

// Statuses.
const (
	StatusOpen Status = "open"
	StatusDone Status = "done"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == StatusOpen || s == StatusDone }

// Page sizes of the list operations. The field limits are the contract's
// (the route schemas check them first; the domain checks again).
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Item is one of a user's items. Its JSON form is the API's.
type Item struct {
	ID        uuid.UUID `json:"id"`
	Owner     string    `json:"-"`
	Title     string    `json:"title"`
	Notes     string    `json:"notes"`
	Status    Status    `json:"status"`
	DueDate   *Date     `json:"dueDate"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// NewItem is what a user gives to create an item.
type NewItem struct {
	Title   string
	Notes   string
	Status  Status // "" means open
	DueDate *Date
}

// Patch is a partial update: nil fields stay as they are.
type Patch struct {
	Title   *string
	Notes   *string
	Status  *Status
	DueDate *OptionalDate // nil: unchanged; {Date: nil}: clear
}

// OptionalDate is a due date in a Patch: Date nil clears it.
type OptionalDate struct{ Date *Date }

// Empty reports whether p changes nothing.
func (p Patch) Empty() bool {
	return p.Title == nil && p.Notes == nil && p.Status == nil && p.DueDate == nil
}

// Attachment statuses.
const (
	AttachmentPending  = "pending"
	AttachmentReady    = "ready"
	AttachmentRejected = "rejected"
)

// Attachment is a file uploaded (or about to be) to an item.
type Attachment struct {
	ID          uuid.UUID `json:"id"`
	ItemID      uuid.UUID `json:"itemId"`
	Owner       string    `json:"-"`
	FileName    string    `json:"fileName"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	Status      string    `json:"status"`
	Key         string    `json:"-"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"-"`
}

// NewAttachment is what a user declares before uploading a file.
type NewAttachment struct {
	FileName    string
	ContentType string
	Size        int64
}

// Upload tells the client how to upload the file: send Method to URL with
// Headers before ExpiresAt.
type Upload struct {
	URL       string            `json:"url"`
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expiresAt"`
}

// Activity is one entry of a user's activity feed (written by the worker).
type Activity struct {
	ID         uuid.UUID  `json:"id"`
	Type       string     `json:"type"`
	ItemID     *uuid.UUID `json:"itemId"`
	Summary    string     `json:"summary"`
	OccurredAt time.Time  `json:"occurredAt"`
}

// Page is one page of a keyset-paginated list.
type Page[T any] struct {
	Items []T
	// Next is the opaque cursor of the next page, "" on the last page.
	Next string
}

// AttachmentKey is the S3 key of an attachment's object:
// attachments/{owner}/{itemId}/{attachmentId}/{fileName}.
func AttachmentKey(owner string, itemID, attachmentID uuid.UUID, fileName string) string {
	return contract.AttachmentsPrefix + owner + "/" + itemID.String() + "/" + attachmentID.String() + "/" + fileName
}

// Errors the service returns; the transport maps them to status codes.
var (
	ErrNotFound            = errors.New("not found")
	ErrVersionMismatch     = errors.New("the item has changed since the version given in If-Match")
	ErrIdempotencyMismatch = errors.New("this Idempotency-Key was used with a different request")
	ErrTooLarge            = errors.New("too large")
	ErrUnavailable         = errors.New("the database is unavailable")
)

// ValidationError is a client mistake in one field.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Message }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

func validateTitle(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return invalid("title", "must not be empty")
	case utf8.RuneCountInString(s) > contract.MaxTitle:
		return invalid("title", "must be at most %d characters", contract.MaxTitle)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return invalid("title", "must not contain control characters")
	}
	return nil
}

func validateNotes(s string) error {
	switch {
	case utf8.RuneCountInString(s) > contract.MaxNotes:
		return invalid("notes", "must be at most %d characters", contract.MaxNotes)
	case strings.ContainsRune(s, 0):
		return invalid("notes", "must not contain NUL characters")
	}
	return nil
}

func validateStatus(s Status) error {
	if !s.Valid() {
		return invalid("status", "must be open or done")
	}
	return nil
}

// Validate checks n and fills in defaults.
func (n *NewItem) Validate() error {
	if n.Status == "" {
		n.Status = StatusOpen
	}
	return errors.Join(validateTitle(n.Title), validateNotes(n.Notes), validateStatus(n.Status))
}

// Validate checks the fields p sets.
func (p Patch) Validate() error {
	var errs []error
	if p.Title != nil {
		errs = append(errs, validateTitle(*p.Title))
	}
	if p.Notes != nil {
		errs = append(errs, validateNotes(*p.Notes))
	}
	if p.Status != nil {
		errs = append(errs, validateStatus(*p.Status))
	}
	return errors.Join(errs...)
}

// Apply returns it changed by p and the names of the fields that changed.
func (p Patch) Apply(it Item) (Item, []string) {
	var changed []string
	if p.Title != nil && *p.Title != it.Title {
		it.Title, changed = *p.Title, append(changed, "title")
	}
	if p.Notes != nil && *p.Notes != it.Notes {
		it.Notes, changed = *p.Notes, append(changed, "notes")
	}
	if p.Status != nil && *p.Status != it.Status {
		it.Status, changed = *p.Status, append(changed, "status")
	}
	if p.DueDate != nil && !it.DueDate.Equal(p.DueDate.Date) {
		it.DueDate, changed = p.DueDate.Date, append(changed, "dueDate")
	}
	return it, changed
}

// Validate checks a declared upload against the configured limits and
// normalises the content type.
func (a *NewAttachment) Validate(l Limits) error {
	var errs []error
	switch {
	case a.FileName == "" || a.FileName == "." || a.FileName == "..":
		errs = append(errs, invalid("fileName", "must be a file name"))
	case utf8.RuneCountInString(a.FileName) > contract.MaxFileName:
		errs = append(errs, invalid("fileName", "must be at most %d characters", contract.MaxFileName))
	case len(a.FileName) > contract.MaxFileNameBytes:
		errs = append(errs, invalid("fileName", "must be at most %d bytes in UTF-8", contract.MaxFileNameBytes))
	case strings.ContainsAny(a.FileName, `/\`) || strings.IndexFunc(a.FileName, unicode.IsControl) >= 0:
		errs = append(errs, invalid("fileName", "must not contain slashes or control characters"))
	}
	a.ContentType = strings.ToLower(strings.TrimSpace(a.ContentType))
	if !l.allows(a.ContentType) {
		errs = append(errs, invalid("contentType", "%q is not allowed (allowed: %s)", a.ContentType, strings.Join(l.AllowedContentTypes, ", ")))
	}
	if a.Size < 1 {
		errs = append(errs, invalid("size", "must be at least 1 byte"))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if a.Size > l.MaxAttachmentBytes {
		return fmt.Errorf("%w: size %d is over the limit of %d bytes", ErrTooLarge, a.Size, l.MaxAttachmentBytes)
	}
	return nil
}
