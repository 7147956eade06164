package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"unicode"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
)

func (h *Handler) health(ctx context.Context, _ *request) response {
	ctx, cancel := context.WithTimeout(ctx, h.opts.HealthTimeout)
	defer cancel()
	if err := h.svc.Health(ctx); err != nil {
		res := errorResponse(http.StatusServiceUnavailable, "unavailable", "the database is unreachable")
		res.err = err
		// As the other routes' 503s: a load balancer or client knows when to look again.
		res.headers = map[string]string{"Retry-After": "1"}
		return res
	}
	return response{status: http.StatusOK, body: map[string]string{"status": "ok", "version": h.opts.Version}}
}

func next(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (h *Handler) listItems(ctx context.Context, r *request) response {
	q, bad := r.pageQuery()
	if bad != nil {
		return *bad
	}
	status, _ := r.query("status")
	if status != "" && !items.Status(status).Valid() {
		return errorResponse(http.StatusBadRequest, "validation_failed", "status: must be open or done")
	}
	page, err := h.svc.List(ctx, r.owner, items.Status(status), q)
	if err != nil {
		return fail(err)
	}
	return response{status: http.StatusOK, body: map[string]any{"items": page.Items, "nextCursor": next(page.Next)}}
}

// itemBody is the JSON of POST /items and PATCH /items/{id}.
type itemBody struct {
	Title   *string         `json:"title"`
	Notes   *string         `json:"notes"`
	Status  *string         `json:"status"`
	DueDate json.RawMessage `json:"dueDate"` // absent, null or "YYYY-MM-DD"
}

// dueDate decodes the dueDate field: set reports whether it was present.
func (b itemBody) dueDate() (d *items.Date, set bool, err error) {
	if b.DueDate == nil {
		return nil, false, nil
	}
	if string(b.DueDate) == "null" {
		return nil, true, nil
	}
	var v items.Date
	if err := json.Unmarshal(b.DueDate, &v); err != nil {
		return nil, true, err
	}
	return &v, true, nil
}

// decodeCreate turns a POST /items body into the domain's input.
func decodeCreate(rt *route, raw string, b64 bool) (items.NewItem, *response) {
	var b itemBody
	if bad := decodeBody(rt.schema, raw, b64, &b); bad != nil {
		return items.NewItem{}, bad
	}
	in := items.NewItem{}
	if b.Title != nil {
		in.Title = *b.Title
	}
	if b.Notes != nil {
		in.Notes = *b.Notes
	}
	if b.Status != nil {
		in.Status = items.Status(*b.Status)
	}
	d, _, err := b.dueDate()
	if err != nil {
		res := fail(err)
		return in, &res
	}
	in.DueDate = d
	if err := in.Validate(); err != nil {
		res := fail(err)
		return in, &res
	}
	return in, nil
}

// decodePatch turns a PATCH /items/{id} body into the domain's input.
func decodePatch(rt *route, raw string, b64 bool) (items.Patch, *response) {
	var b itemBody
	if bad := decodeBody(rt.schema, raw, b64, &b); bad != nil {
		return items.Patch{}, bad
	}
	p := items.Patch{Title: b.Title, Notes: b.Notes}
	if b.Status != nil {
		s := items.Status(*b.Status)
		p.Status = &s
	}
	d, set, err := b.dueDate()
	if err != nil {
		res := fail(err)
		return p, &res
	}
	if set {
		p.DueDate = &items.OptionalDate{Date: d}
	}
	if err := p.Validate(); err != nil {
		res := fail(err)
		return p, &res
	}
	return p, nil
}

type attachmentBody struct {
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

func decodeAttachment(rt *route, raw string, b64 bool) (items.NewAttachment, *response) {
	var b attachmentBody
	if bad := decodeBody(rt.schema, raw, b64, &b); bad != nil {
		return items.NewAttachment{}, bad
	}
	return items.NewAttachment{FileName: b.FileName, ContentType: b.ContentType, Size: b.Size}, nil
}

func (h *Handler) createItem(ctx context.Context, r *request) response {
	key := r.header("Idempotency-Key")
	if len(key) > 255 || !printableASCII(key) {
		return errorResponse(http.StatusBadRequest, "bad_request", "Idempotency-Key must be 1 to 255 printable ASCII characters")
	}
	in, bad := decodeCreate(r.route, r.ev.Body, r.ev.IsBase64Encoded)
	if bad != nil {
		return *bad
	}
	it, replayed, err := h.svc.Create(ctx, r.owner, in, key)
	if err != nil {
		return fail(err)
	}
	res := itemResponse(http.StatusCreated, it)
	res.headers["Location"] = "/items/" + it.ID.String()
	if replayed {
		res.headers["Idempotent-Replayed"] = "true"
	}
	return res
}

func printableASCII(s string) bool {
	for _, c := range s {
		if c > unicode.MaxASCII || !unicode.IsPrint(c) {
			return false
		}
	}
	return true
}

func (h *Handler) getItem(ctx context.Context, r *request) response {
	id, bad := r.id()
	if bad != nil {
		return *bad
	}
	it, err := h.svc.Get(ctx, r.owner, id)
	if err != nil {
		return fail(err)
	}
	return itemResponse(http.StatusOK, it)
}

func (h *Handler) updateItem(ctx context.Context, r *request) response {
	id, bad := r.id()
	if bad != nil {
		return *bad
	}
	version, bad := r.ifMatch()
	if bad != nil {
		return *bad
	}
	p, bad := decodePatch(r.route, r.ev.Body, r.ev.IsBase64Encoded)
	if bad != nil {
		return *bad
	}
	it, err := h.svc.Update(ctx, r.owner, id, p, version)
	if err != nil {
		return fail(err)
	}
	return itemResponse(http.StatusOK, it)
}

func (h *Handler) deleteItem(ctx context.Context, r *request) response {
	id, bad := r.id()
	if bad != nil {
		return *bad
	}
	version, bad := r.ifMatch()
	if bad != nil {
		return *bad
	}
	if err := h.svc.Delete(ctx, r.owner, id, version); err != nil {
		return fail(err)
	}
	return response{status: http.StatusNoContent}
}

func (h *Handler) createAttachment(ctx context.Context, r *request) response {
	id, bad := r.id()
	if bad != nil {
		return *bad
	}
	in, bad := decodeAttachment(r.route, r.ev.Body, r.ev.IsBase64Encoded)
	if bad != nil {
		return *bad
	}
	a, up, err := h.svc.RequestUpload(ctx, r.owner, id, in)
	if err != nil {
		return fail(err)
	}
	return response{status: http.StatusCreated, body: map[string]any{"attachment": a, "upload": up}}
}

func (h *Handler) listAttachments(ctx context.Context, r *request) response {
	id, bad := r.id()
	if bad != nil {
		return *bad
	}
	as, err := h.svc.Attachments(ctx, r.owner, id)
	if err != nil {
		return fail(err)
	}
	return response{status: http.StatusOK, body: map[string]any{"attachments": as}}
}

func (h *Handler) listActivity(ctx context.Context, r *request) response {
	q, bad := r.pageQuery()
	if bad != nil {
		return *bad
	}
	page, err := h.svc.Activity(ctx, r.owner, q)
	if err != nil {
		return fail(err)
	}
	return response{status: http.StatusOK, body: map[string]any{"activity": page.Items, "nextCursor": next(page.Next)}}
}
