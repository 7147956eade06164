// Package httpapi is the API Gateway (REST, Lambda proxy) transport of the
// items service: it routes with contract.Routes, checks the caller's identity,
// validates request bodies against the routes' JSON schemas (as API Gateway's
// request validator does) and decodes them strictly, calls the service and
// maps its results and errors to JSON responses. Client mistakes are always a
// 4xx with {"error":{"code","message"}}; a panic is recovered as a 500.
package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

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
	schema   *bodySchema
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
	for _, r := range contract.Routes() {
		fn, ok := handlers[r.Name]
		if !ok {
			return nil, fmt.Errorf("httpapi: no handler for route %q", r.Name)
		}
		rt := route{Route: r, segments: strings.Split(strings.Trim(r.Path, "/"), "/"), handle: fn}
		if r.Schema != "" {
			s, err := compileBodySchema(r.Name, r.Schema)
			if err != nil {
				return nil, err
			}
			rt.schema = s
		}
		h.routes = append(h.routes, rt)
	}
	return h, nil
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
		h.annotate(ctx, &ev, routeName, res)
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

// Match finds the route API Gateway's resource tree gives a request for
// method and path, and its path parameters; ok is false when none does.
// Something standing in for API Gateway (the local server) fills the
// event's resource from it and applies the route's authorizer.
func (h *Handler) Match(method, path string) (rt contract.Route, params map[string]string, ok bool) {
	found, params, _ := h.match(&events.APIGatewayProxyRequest{HTTPMethod: method, Path: path})
	if found == nil {
		return contract.Route{}, nil, false
	}
	return found.Route, params, true
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

// annotate names the request's span (the function's root span, tracing.Invocation) after its
// route and gives it the request's method, route, status and API Gateway request id.
func (h *Handler) annotate(ctx context.Context, ev *events.APIGatewayProxyRequest, routeName string, res response) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	path := ev.Resource
	for _, rt := range h.routes {
		if rt.Name == routeName {
			path = rt.Path
		}
	}
	span.SetName(ev.HTTPMethod + " " + path)
	span.SetAttributes(attribute.String("http.request.method", ev.HTTPMethod), attribute.String("http.route", path),
		attribute.Int("http.response.status_code", res.status), attribute.String("aws.api_gateway.request_id", ev.RequestContext.RequestID))
	if res.status >= 500 {
		span.SetStatus(codes.Error, http.StatusText(res.status))
		if res.err != nil {
			span.RecordError(res.err)
		}
	}
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
