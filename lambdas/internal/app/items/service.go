package items

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/event"
)

// Store persists items. Each method that changes data writes the given event
// to the outbox in the same transaction as the change.
type Store interface {
	// CreateItem inserts it. With idem set, a second call with the same
	// owner and key returns the first call's item and replayed=true instead
	// (or ErrIdempotencyMismatch when idem.Hash differs).
	CreateItem(ctx context.Context, it Item, ev event.Event, idem *Idempotency) (stored Item, replayed bool, err error)
	// GetItem returns the owner's item or ErrNotFound.
	GetItem(ctx context.Context, owner string, id uuid.UUID) (Item, error)
	// ListItems returns up to limit of the owner's items (optionally with
	// one status) older than after, newest first.
	ListItems(ctx context.Context, owner string, status Status, after *Cursor, limit int) ([]Item, error)
	// UpdateItem locks the owner's item, calls change with it and stores
	// the result and the event change returns (no write when the event is
	// nil). ErrNotFound when there is no such item; change's error aborts.
	UpdateItem(ctx context.Context, owner string, id uuid.UUID, change func(Item) (Item, *event.Event, error)) (Item, error)
	// DeleteItem locks the owner's item, calls check with it and deletes it
	// (and its attachments), writing check's event.
	DeleteItem(ctx context.Context, owner string, id uuid.UUID, check func(Item) (event.Event, error)) error
	// CreateAttachment inserts a (pending) attachment to an item of its
	// owner, or returns ErrNotFound.
	CreateAttachment(ctx context.Context, a Attachment, ev event.Event) error
	// ListAttachments returns the attachments of the owner's item, oldest
	// first, or ErrNotFound.
	ListAttachments(ctx context.Context, owner string, itemID uuid.UUID) ([]Attachment, error)
	// ListActivity returns up to limit activity entries older than after,
	// newest first.
	ListActivity(ctx context.Context, owner string, after *Cursor, limit int) ([]Activity, error)
	// Ping checks that the database answers (ErrUnavailable if not).
	Ping(ctx context.Context) error
}

// Idempotency identifies a create request for safe retries.
type Idempotency struct {
	Key  string
	Hash string // of the normalised request
}

// Uploads presigns attachment uploads.
type Uploads interface {
	PresignPut(ctx context.Context, key, contentType string, size int64) (Upload, error)
}

// Limits are the configurable attachment limits.
type Limits struct {
	MaxAttachmentBytes  int64    `json:"maxAttachmentBytes"`
	AllowedContentTypes []string `json:"allowedContentTypes"`
}

// DefaultLimits apply when no configuration says otherwise.
func DefaultLimits() Limits {
	return Limits{
		MaxAttachmentBytes:  contract.DefaultMaxAttachmentBytes,
		AllowedContentTypes: contract.DefaultAllowedContentTypes(),
	}
}

func (l Limits) allows(contentType string) bool {
	return slices.ContainsFunc(l.AllowedContentTypes, func(a string) bool { return strings.EqualFold(a, contentType) })
}

// LimitsSource provides the limits (read once per cold start by the adapter).
type LimitsSource interface {
	Limits(ctx context.Context) (Limits, error)
}

// StaticLimits is a LimitsSource with fixed limits.
type StaticLimits Limits

// Limits returns l.
func (l StaticLimits) Limits(context.Context) (Limits, error) { return Limits(l), nil }

// Service is the items use cases.
type Service struct {
	Store   Store
	Uploads Uploads
	Limits  LimitsSource
	// Events receives the events of each change after its commit (nil: the
	// outbox Lambda publishes them later).
	Events event.EventFlusher
	// Now and NewID default to the clock and random UUIDs.
	Now   func() time.Time
	NewID func() uuid.UUID
}

func (s *Service) now() time.Time {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	// PostgreSQL keeps microseconds: what we return is what we read back.
	return now().UTC().Truncate(time.Microsecond)
}

func (s *Service) newID() uuid.UUID {
	if s.NewID != nil {
		return s.NewID()
	}
	return uuid.New()
}

func (s *Service) flush(ctx context.Context, evs ...event.Event) {
	if s.Events != nil && len(evs) > 0 {
		s.Events.Flush(ctx, evs)
	}
}

func (s *Service) event(typ, owner string, at time.Time, payload any) (event.Event, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return event.Event{}, fmt.Errorf("marshal %s payload: %w", typ, err)
	}
	return event.Event{ID: s.newID().String(), Type: typ, Time: at, Owner: owner, Payload: b}, nil
}

// Create creates an item. idemKey, if not "", makes retries safe: the same
// key and request return the first result with replayed=true.
func (s *Service) Create(ctx context.Context, owner string, in NewItem, idemKey string) (it Item, replayed bool, err error) {
	if err := in.Validate(); err != nil {
		return Item{}, false, err
	}
	now := s.now()
	it = Item{ID: s.newID(), Owner: owner, Title: in.Title, Notes: in.Notes, Status: in.Status,
		DueDate: in.DueDate, Version: 1, CreatedAt: now, UpdatedAt: now}
	ev, err := s.event(event.ItemCreated, owner, now, map[string]any{"item": it})
	if err != nil {
		return Item{}, false, err
	}
	var idem *Idempotency
	if idemKey != "" {
		idem = &Idempotency{Key: idemKey, Hash: in.hash()}
	}
	stored, replayed, err := s.Store.CreateItem(ctx, it, ev, idem)
	if err != nil {
		return Item{}, false, err
	}
	if !replayed {
		s.flush(ctx, ev)
	}
	return stored, replayed, nil
}

// hash identifies the normalised request (after defaults) for idempotency.
func (n NewItem) hash() string {
	due := ""
	if n.DueDate != nil {
		due = n.DueDate.String()
	}
	b, _ := json.Marshal([]string{n.Title, n.Notes, string(n.Status), due})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Get returns the owner's item.
func (s *Service) Get(ctx context.Context, owner string, id uuid.UUID) (Item, error) {
	return s.Store.GetItem(ctx, owner, id)
}

// List returns a page of the owner's items, newest first; status "" is all.
func (s *Service) List(ctx context.Context, owner string, status Status, q PageQuery) (Page[Item], error) {
	if status != "" {
		if err := validateStatus(status); err != nil {
			return Page[Item]{}, err
		}
	}
	after, limit, err := q.parse()
	if err != nil {
		return Page[Item]{}, err
	}
	rows, err := s.Store.ListItems(ctx, owner, status, after, limit+1)
	if err != nil {
		return Page[Item]{}, err
	}
	return page(rows, limit, func(it Item) Cursor { return Cursor{it.CreatedAt, it.ID} }), nil
}

func page[T any](rows []T, limit int, key func(T) Cursor) Page[T] {
	p := Page[T]{Items: rows}
	if len(rows) > limit {
		p.Items = rows[:limit]
		p.Next = key(rows[limit-1]).Encode()
	}
	if p.Items == nil {
		p.Items = []T{}
	}
	return p
}

// Update applies a partial update. ifVersion, if not nil, must be the
// item's current version (optimistic concurrency) or ErrVersionMismatch.
// A patch that changes nothing returns the item unchanged (same version).
func (s *Service) Update(ctx context.Context, owner string, id uuid.UUID, p Patch, ifVersion *int) (Item, error) {
	if err := p.Validate(); err != nil {
		return Item{}, err
	}
	var ev *event.Event
	it, err := s.Store.UpdateItem(ctx, owner, id, func(cur Item) (Item, *event.Event, error) {
		if ifVersion != nil && *ifVersion != cur.Version {
			return Item{}, nil, ErrVersionMismatch
		}
		next, changed := p.Apply(cur)
		if len(changed) == 0 {
			return cur, nil, nil
		}
		next.Version++
		next.UpdatedAt = s.now()
		e, err := s.event(event.ItemUpdated, owner, next.UpdatedAt, map[string]any{"item": next, "changed": changed})
		ev = &e
		return next, ev, err
	})
	if err != nil {
		return Item{}, err
	}
	if ev != nil {
		s.flush(ctx, *ev)
	}
	return it, nil
}

// Delete deletes the owner's item (and its attachments' records).
func (s *Service) Delete(ctx context.Context, owner string, id uuid.UUID, ifVersion *int) error {
	var ev event.Event
	err := s.Store.DeleteItem(ctx, owner, id, func(cur Item) (event.Event, error) {
		if ifVersion != nil && *ifVersion != cur.Version {
			return event.Event{}, ErrVersionMismatch
		}
		var err error
		ev, err = s.event(event.ItemDeleted, owner, s.now(), map[string]any{"item": cur})
		return ev, err
	})
	if err != nil {
		return err
	}
	s.flush(ctx, ev)
	return nil
}

// RequestUpload records a pending attachment to the owner's item and
// presigns its upload.
func (s *Service) RequestUpload(ctx context.Context, owner string, itemID uuid.UUID, in NewAttachment) (Attachment, Upload, error) {
	limits := DefaultLimits()
	if s.Limits != nil {
		var err error
		if limits, err = s.Limits.Limits(ctx); err != nil {
			return Attachment{}, Upload{}, fmt.Errorf("attachment limits: %w", err)
		}
	}
	if err := in.Validate(limits); err != nil {
		return Attachment{}, Upload{}, err
	}
	now := s.now()
	id := s.newID()
	a := Attachment{ID: id, ItemID: itemID, Owner: owner, FileName: in.FileName, ContentType: in.ContentType,
		Size: in.Size, Status: AttachmentPending, Key: AttachmentKey(owner, itemID, id, in.FileName), CreatedAt: now, UpdatedAt: now}
	// Presign first: no record without a URL, and presigning is local (no network call).
	up, err := s.Uploads.PresignPut(ctx, a.Key, a.ContentType, a.Size)
	if err != nil {
		return Attachment{}, Upload{}, fmt.Errorf("presign upload: %w", err)
	}
	ev, err := s.event(event.AttachmentRequested, owner, now, map[string]any{"attachment": a, "key": a.Key})
	if err != nil {
		return Attachment{}, Upload{}, err
	}
	if err := s.Store.CreateAttachment(ctx, a, ev); err != nil {
		return Attachment{}, Upload{}, err
	}
	s.flush(ctx, ev)
	return a, up, nil
}

// Attachments lists the attachments of the owner's item.
func (s *Service) Attachments(ctx context.Context, owner string, itemID uuid.UUID) ([]Attachment, error) {
	as, err := s.Store.ListAttachments(ctx, owner, itemID)
	if as == nil && err == nil {
		as = []Attachment{}
	}
	return as, err
}

// Activity returns a page of the owner's activity feed, newest first.
func (s *Service) Activity(ctx context.Context, owner string, q PageQuery) (Page[Activity], error) {
	after, limit, err := q.parse()
	if err != nil {
		return Page[Activity]{}, err
	}
	rows, err := s.Store.ListActivity(ctx, owner, after, limit+1)
	if err != nil {
		return Page[Activity]{}, err
	}
	return page(rows, limit, func(a Activity) Cursor { return Cursor{a.OccurredAt, a.ID} }), nil
}

// Health checks the database.
func (s *Service) Health(ctx context.Context) error { return s.Store.Ping(ctx) }
