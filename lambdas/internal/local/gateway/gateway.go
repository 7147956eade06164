// Package gateway is API Gateway's REST proxy integration and Cognito
// authorizer, locally, over net/http: each request becomes the
// events.APIGatewayProxyRequest that API Gateway would send the Lambda, so
// the local server runs exactly the httpapi.Handler that runs in AWS.
// Dev-only: the deployed functions never import it.
//
//	srv := httptest.NewServer(gateway.New(api, verifier.Authenticate, logger))
package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/httpapi"
)

// Authenticator verifies a request's credentials (locally: the Cognito JWT
// against the user pool's JWKS) and returns its claims, as API Gateway's
// Cognito authorizer passes them. An error or nil claims means no signed-in
// user: public routes still answer, the others get the authorizer's 401
// (UnauthorizedBody) without reaching the handler.
type Authenticator func(*http.Request) (map[string]any, error)

// UnauthorizedBody is what API Gateway answers (status 401) when its Cognito authorizer rejects a
// request: no token, a bad signature, an expired token, another pool or client.
const UnauthorizedBody = `{"error":{"code":"UNAUTHORIZED","message":"Unauthorized"}}`

// New serves api over net/http as API Gateway does, with auth as its
// authorizer (nil: none, every request reaches api without claims). log
// receives a line for each request the authorizer rejects (nil:
// slog.Default()); api logs the others.
func New(api *httpapi.Handler, auth Authenticator, log *slog.Logger) http.Handler {
	return Wrapped(api, api.Handle, auth, log)
}

// Wrapped is New with the function's handler as Lambda runs it: api.Handle wrapped
// (tracing.Invocation); api still routes and answers the authorizer's rejections.
func Wrapped(api *httpapi.Handler, handle func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error),
	auth Authenticator, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, httpapi.MaxBodyBytes+1))
		if err != nil {
			http.Error(w, "cannot read the body", http.StatusBadRequest)
			return
		}
		ev := events.APIGatewayProxyRequest{
			HTTPMethod:                      r.Method,
			Path:                            r.URL.Path,
			Headers:                         map[string]string{},
			MultiValueHeaders:               map[string][]string(r.Header.Clone()),
			QueryStringParameters:           map[string]string{},
			MultiValueQueryStringParameters: map[string][]string(r.URL.Query()),
			RequestContext: events.APIGatewayProxyRequestContext{
				RequestID: randomID(), HTTPMethod: r.Method, Path: r.URL.Path, Stage: "local",
				Identity: events.APIGatewayRequestIdentity{SourceIP: r.RemoteAddr, UserAgent: r.UserAgent()},
			},
		}
		for k, v := range r.Header {
			ev.Headers[k] = v[len(v)-1]
		}
		for k, v := range r.URL.Query() {
			ev.QueryStringParameters[k] = v[len(v)-1]
		}
		rt, params, found := api.Match(r.Method, r.URL.Path)
		if found {
			ev.Resource, ev.PathParameters, ev.RequestContext.ResourcePath = rt.Path, params, rt.Path
		}
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
		if auth != nil {
			claims, err := auth(r)
			if err == nil && claims != nil {
				ev.RequestContext.Authorizer = map[string]any{"claims": claims}
			} else if found && !rt.Public {
				// API Gateway's Cognito authorizer answers before the Lambda runs, with the
				// UNAUTHORIZED gateway response (apiwithauth's JSON error template).
				log.InfoContext(r.Context(), "request unauthorized", "method", r.Method, "path", r.URL.Path, "reason", fmt.Sprint(err))
				writeProxyResponse(w, api.ErrorResponse(&ev, http.StatusUnauthorized, "UNAUTHORIZED", "Unauthorized"))
				return
			}
		}
		res, _ := handle(r.Context(), ev)
		writeProxyResponse(w, res)
	})
}

func writeProxyResponse(w http.ResponseWriter, res events.APIGatewayProxyResponse) {
	for k, v := range res.Headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(res.StatusCode)
	_, _ = io.WriteString(w, res.Body)
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
