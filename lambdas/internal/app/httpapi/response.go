package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
)

type response struct {
	status  int
	body    any
	headers map[string]string
	err     error // logged for 5xx
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

// ErrorResponse is the response h gives ev when it answers with an error:
// status and the body {"error":{"code":code,"message":message}}, with h's
// headers (CORS for an allowed Origin). Something standing in for API
// Gateway (the local server) answers its authorizer's rejections with it,
// as API Gateway's gateway responses carry the same headers.
func (h *Handler) ErrorResponse(ev *events.APIGatewayProxyRequest, status int, code, message string) events.APIGatewayProxyResponse {
	return h.encode(ev, errorResponse(status, code, message))
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
