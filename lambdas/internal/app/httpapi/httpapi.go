// Package httpapi is the API Gateway (REST, Lambda proxy) transport of the
// items service: it routes with contract.Routes, checks the caller's identity,
// validates request bodies against the routes' JSON schemas (as API Gateway's
// request validator does) and decodes them strictly, calls the service and
// maps its results and errors to JSON responses. Client mistakes are always a
// 4xx with {"error":{"code","message"}}; a panic is recovered as a 500.
package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/uuid"
	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
)

// MaxBodyBytes bounds request bodies (API Gateway allows 10 MB; we need far less).
const MaxBodyBytes = 64 << 10

// Options configure a Handler.
type Options struct {
	// Version is reported by GET /health. Default: "dev".
	Version string
	// CORSOrigins are the origins whose requests get
	// Access-Control-Allow-Origin. Default: none.
	CORSOrigins []string
	// Logger receives one line per request. Default: slog.Default().
	Logger *slog.Logger
	// HealthTimeout bounds the database check of GET /health. Default: 3s.
	HealthTimeout time.Duration
}

// Handler serves API Gateway proxy requests.
type Handler struct {
	svc    *items.Service
	opts   Options
	routes []route
}

type route struct {
	contract.Route
	segments []string
	schema   *jsonschema.Schema
	handle   func(h *Handler, ctx context.Context, r *request) response
}

var handlers = map[string]func(h *Handler, ctx context.Context, r *request) response{
	"health":           (*Handler).health,
	"listItems":        (*Handler).listItems,
	"createItem":       (*Handler).createItem,
	"getItem":          (*Handler).getItem,
	"updateItem":       (*Handler).updateItem,
	"deleteItem":       (*Handler).deleteItem,
	"createAttachment": (*Handler).createAttachment,
	"listAttachments":  (*Handler).listAttachments,
	"listActivity":     (*Handler).listActivity,
}

// New compiles the route table; an error means contract.Routes and this package
// disagree (a programming error, caught by the tests).
func New(svc *items.Service, opts Options) (*Handler, error) {
	if opts.Version == "" {
		opts.Version = "dev"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.HealthTimeout == 0 {
		opts.HealthTimeout = 3 * time.Second
	}
	h := &Handler{svc: svc, opts: opts}
	for _, r := range contract.Routes {
		fn, ok := handlers[r.Name]
		if !ok {
			return nil, fmt.Errorf("httpapi: no handler for route %q", r.Name)
		}
		rt := route{Route: r, segments: strings.Split(strings.Trim(r.Path, "/"), "/"), handle: fn}
		if r.Schema != "" {
			s, err := compileSchema(r.Name, r.Schema)
			if err != nil {
				return nil, err
			}
			rt.schema = s
		}
		h.routes = append(h.routes, rt)
	}
	return h, nil
}

func compileSchema(name, schema string) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft4
	c.LoadURL = func(u string) (io.ReadCloser, error) { return nil, fmt.Errorf("no remote schemas (%s)", u) }
	url := "mem://routes/" + name + ".json"
	if err := c.AddResource(url, strings.NewReader(schema)); err != nil {
		return nil, fmt.Errorf("httpapi: schema of %s: %w", name, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("httpapi: schema of %s: %w", name, err)
	}
	return s, nil
}

// request is what a route handler needs of the proxy event.
type request struct {
	route  *route
	owner  string
	params map[string]string
	ev     *events.APIGatewayProxyRequest
}

func (r *request) header(name string) string {
	for k, v := range r.ev.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	for k, v := range r.ev.MultiValueHeaders {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[len(v)-1]
		}
	}
	return ""
}

func (r *request) query(name string) (string, bool) {
	if v, ok := r.ev.QueryStringParameters[name]; ok {
		return v, true
	}
	if v := r.ev.MultiValueQueryStringParameters[name]; len(v) > 0 {
		return v[len(v)-1], true
	}
	return "", false
}

type response struct {
	status  int
	body    any
	headers map[string]string
	err     error // logged for 5xx
}

// Handle serves one request. It never returns an error: API Gateway would
// turn that into a bare 502.
func (h *Handler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) (out events.APIGatewayProxyResponse, _ error) {
	start := time.Now()
	var res response
	routeName := ""
	defer func() {
		if p := recover(); p != nil {
			res = errorResponse(http.StatusInternalServerError, "internal", "internal error")
			res.err = fmt.Errorf("panic: %v", p)
		}
		out = h.encode(&ev, res)
		h.log(ctx, &ev, routeName, res, time.Since(start))
	}()
	res = h.serve(ctx, &ev, &routeName)
	return out, nil
}

func (h *Handler) serve(ctx context.Context, ev *events.APIGatewayProxyRequest, routeName *string) response {
	rt, params, allowed := h.match(ev)
	if rt == nil {
		if len(allowed) == 0 {
			return errorResponse(http.StatusNotFound, "not_found", "no such resource")
		}
		if ev.HTTPMethod == http.MethodOptions {
			return response{status: http.StatusNoContent, headers: map[string]string{
				"Access-Control-Allow-Methods": strings.Join(append(allowed, "OPTIONS"), ", "),
				"Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key, If-Match",
				"Access-Control-Max-Age":       "600",
			}}
		}
		res := errorResponse(http.StatusMethodNotAllowed, "method_not_allowed", "allowed: "+strings.Join(allowed, ", "))
		res.headers = map[string]string{"Allow": strings.Join(allowed, ", ")}
		return res
	}
	*routeName = rt.Name
	r := &request{route: rt, params: params, ev: ev}
	if !rt.Public {
		r.owner = owner(ev)
		if r.owner == "" {
			return errorResponse(http.StatusUnauthorized, "unauthorized", "sign in first")
		}
	}
	return rt.handle(h, ctx, r)
}

// owner is the Cognito user's sub from the authorizer's claims.
func owner(ev *events.APIGatewayProxyRequest) string {
	claims, _ := ev.RequestContext.Authorizer["claims"].(map[string]any)
	sub, _ := claims["sub"].(string)
	if len(sub) > 128 || strings.ContainsAny(sub, "/\x00") {
		return "" // not a Cognito sub; never use it in an S3 key
	}
	return sub
}

// match finds the route of the request: by path, or (behind a base path
// mapping) by the resource template API Gateway reports.
func (h *Handler) match(ev *events.APIGatewayProxyRequest) (*route, map[string]string, []string) {
	segs := strings.Split(strings.Trim(ev.Path, "/"), "/")
	var allowed []string
	var found *route
	var params map[string]string
	for i := range h.routes {
		rt := &h.routes[i]
		p, ok := matchPath(rt.segments, segs)
		if !ok && rt.Path == ev.Resource {
			p, ok = ev.PathParameters, true
		}
		if !ok {
			continue
		}
		if rt.Method == ev.HTTPMethod {
			found, params = rt, p
		}
		allowed = append(allowed, rt.Method)
	}
	return found, params, allowed
}

func matchPath(tmpl, segs []string) (map[string]string, bool) {
	if len(tmpl) != len(segs) {
		return nil, false
	}
	var params map[string]string
	for i, t := range tmpl {
		if strings.HasPrefix(t, "{") {
			if params == nil {
				params = map[string]string{}
			}
			params[t[1:len(t)-1]] = segs[i]
		} else if t != segs[i] {
			return nil, false
		}
	}
	return params, true
}

func (h *Handler) encode(ev *events.APIGatewayProxyRequest, res response) events.APIGatewayProxyResponse {
	out := events.APIGatewayProxyResponse{StatusCode: res.status, Headers: map[string]string{}}
	for k, v := range res.headers {
		out.Headers[k] = v
	}
	if res.body != nil {
		b, err := json.Marshal(res.body)
		if err != nil {
			out.StatusCode = http.StatusInternalServerError
			b = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
		}
		out.Body = string(b)
		out.Headers["Content-Type"] = "application/json"
	}
	out.Headers["Cache-Control"] = "no-store"
	out.Headers["X-Content-Type-Options"] = "nosniff"
	origin := (&request{ev: ev}).header("Origin")
	if origin != "" && slices.Contains(h.opts.CORSOrigins, origin) {
		out.Headers["Access-Control-Allow-Origin"] = origin
		out.Headers["Access-Control-Expose-Headers"] = "ETag, Location"
		out.Headers["Vary"] = "Origin"
	}
	return out
}

func (h *Handler) log(ctx context.Context, ev *events.APIGatewayProxyRequest, routeName string, res response, d time.Duration) {
	attrs := []slog.Attr{
		slog.String("method", ev.HTTPMethod),
		slog.String("route", routeName),
		slog.Int("status", res.status),
		slog.Float64("durationMs", float64(d.Microseconds())/1000),
		slog.String("apiRequestId", ev.RequestContext.RequestID),
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("requestId", lc.AwsRequestID))
	}
	level := slog.LevelInfo
	if res.status >= 500 {
		level = slog.LevelError
		if res.err != nil {
			attrs = append(attrs, slog.String("error", res.err.Error()))
		}
	}
	h.opts.Logger.LogAttrs(ctx, level, "request", attrs...)
}

func errorResponse(status int, code, message string) response {
	return response{status: status, body: map[string]any{"error": map[string]string{"code": code, "message": message}}}
}

// fail maps a service error to a response.
func fail(err error) response {
	var ve *items.ValidationError
	switch {
	case errors.As(err, &ve):
		return errorResponse(http.StatusBadRequest, "validation_failed", strings.ReplaceAll(err.Error(), "\n", "; "))
	case errors.Is(err, items.ErrNotFound):
		return errorResponse(http.StatusNotFound, "not_found", "no such item")
	case errors.Is(err, items.ErrVersionMismatch):
		return errorResponse(http.StatusPreconditionFailed, "precondition_failed", err.Error())
	case errors.Is(err, items.ErrIdempotencyMismatch):
		return errorResponse(http.StatusUnprocessableEntity, "unprocessable", err.Error())
	case errors.Is(err, items.ErrTooLarge):
		return errorResponse(http.StatusRequestEntityTooLarge, "payload_too_large", err.Error())
	case errors.Is(err, items.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		res := errorResponse(http.StatusServiceUnavailable, "unavailable", "the service is unavailable, retry later")
		res.err = err
		res.headers = map[string]string{"Retry-After": "1"}
		return res
	}
	res := errorResponse(http.StatusInternalServerError, "internal", "internal error")
	res.err = err
	return res
}

func itemResponse(status int, it items.Item) response {
	return response{status: status, body: it, headers: map[string]string{"ETag": etag(it.Version)}}
}

func etag(v int) string { return `"` + strconv.Itoa(v) + `"` }

func decodeBody(schema *jsonschema.Schema, raw string, b64 bool, dst any) *response {
	bad := func(status int, code, msg string) *response { res := errorResponse(status, code, msg); return &res }
	if len(raw) > MaxBodyBytes*4/3+4 {
		return bad(http.StatusRequestEntityTooLarge, "payload_too_large", fmt.Sprintf("the body is over %d bytes", MaxBodyBytes))
	}
	data := []byte(raw)
	if b64 {
		var err error
		if data, err = base64.StdEncoding.DecodeString(raw); err != nil {
			return bad(http.StatusBadRequest, "bad_request", "the body is not valid base64")
		}
	}
	if len(data) > MaxBodyBytes {
		return bad(http.StatusRequestEntityTooLarge, "payload_too_large", fmt.Sprintf("the body is over %d bytes", MaxBodyBytes))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return bad(http.StatusBadRequest, "bad_request", "a JSON body is required")
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return bad(http.StatusBadRequest, "bad_request", "the body is not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad(http.StatusBadRequest, "bad_request", "the body has data after the JSON value")
	}
	if err := schema.Validate(doc); err != nil {
		return bad(http.StatusBadRequest, "validation_failed", schemaMessage(err))
	}
	strict := json.NewDecoder(bytes.NewReader(data))
	strict.DisallowUnknownFields()
	if err := strict.Decode(dst); err != nil {
		return bad(http.StatusBadRequest, "validation_failed", "the body does not match the schema: "+err.Error())
	}
	return nil
}

// schemaMessage lists the leaf failures ("/title: length must be <= 200, but got 201").
func schemaMessage(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return "the body does not match the schema"
	}
	var msgs []string
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			loc := e.InstanceLocation
			if loc == "" {
				loc = "body"
			}
			msgs = append(msgs, loc+": "+e.Message)
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	slices.Sort(msgs)
	return strings.Join(slices.Compact(msgs), "; ")
}

func (r *request) id() (uuid.UUID, *response) {
	return parseID(r.params["id"])
}

func parseID(s string) (uuid.UUID, *response) {
	id, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		res := errorResponse(http.StatusBadRequest, "bad_request", "the id is not a UUID")
		return uuid.UUID{}, &res
	}
	return id, nil
}

// pageQuery reads limit and cursor.
func (r *request) pageQuery() (items.PageQuery, *response) {
	var q items.PageQuery
	if v, ok := r.query("limit"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > items.MaxLimit {
			res := errorResponse(http.StatusBadRequest, "validation_failed", fmt.Sprintf("limit: must be an integer between 1 and %d", items.MaxLimit))
			return q, &res
		}
		q.Limit = n
	}
	q.Cursor, _ = r.query("cursor")
	return q, nil
}

// ifMatch reads If-Match: "N" (or W/"N"); "*" and absent mean any version.
func (r *request) ifMatch() (*int, *response) {
	v := strings.TrimSpace(r.header("If-Match"))
	if v == "" || v == "*" {
		return nil, nil
	}
	s := strings.Trim(strings.TrimPrefix(v, "W/"), `"`)
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		res := errorResponse(http.StatusBadRequest, "bad_request", `If-Match must be an ETag this API returned, like "3"`)
		return nil, &res
	}
	return &n, nil
}
