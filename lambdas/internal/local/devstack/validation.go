package devstack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/httpapi"
	"github.com/stratus-cdk/stratus/lambdas/internal/local/gateway"
	"github.com/stratus-cdk/stratus/lambdas/internal/local/mapping"
)

// validatedMethod is a method of the stage's API whose request body API Gateway validates.
type validatedMethod struct {
	method   string
	segments []string // the path's, "{id}" matching any one segment
	public   bool     // AuthorizationType NONE
	schema   *jsonschema.Schema
}

// validated answers API Gateway's BAD_REQUEST_BODY response (400, through the API's gateway
// responses) to a request whose JSON body fails its method's request model, as the stage's request
// validator does before the function runs: after the authorizer (a request without a valid token
// gets the 401 first, from next), before the integration. Methods without a model or a validator
// that checks bodies pass through.
func validated(next http.Handler, api mapping.API, auth gateway.Authenticator) (http.Handler, error) {
	var methods []validatedMethod
	for _, m := range api.Methods {
		if !m.ValidateBody || m.Model == nil {
			continue
		}
		c := jsonschema.NewCompiler()
		c.Draft = jsonschema.Draft4
		url := "model://" + m.Resource.LogicalID
		if err := c.AddResource(url, bytes.NewReader(m.Model)); err != nil {
			return nil, fmt.Errorf("devstack: %s: its request model: %w", m.Resource, err)
		}
		schema, err := c.Compile(url)
		if err != nil {
			return nil, fmt.Errorf("devstack: %s: its request model: %w", m.Resource, err)
		}
		methods = append(methods, validatedMethod{method: m.HTTPMethod, segments: strings.Split(strings.Trim(m.Path, "/"), "/"),
			public: m.Authorization == "NONE", schema: schema})
	}
	status, invalid := api.GatewayResponse("BAD_REQUEST_BODY", "Invalid request body")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := matchMethod(methods, r)
		if m == nil || !jsonBody(r) {
			next.ServeHTTP(w, r)
			return
		}
		if !m.public {
			if claims, err := auth(r); err != nil || claims == nil {
				next.ServeHTTP(w, r) // the authorizer's 401 comes first
				return
			}
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, httpapi.MaxBodyBytes+1))
		if err != nil {
			http.Error(w, "cannot read the body", http.StatusBadRequest)
			return
		}
		var doc any
		if json.Unmarshal(body, &doc) != nil || m.schema.Validate(doc) != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write(invalid)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	}), nil
}

// matchMethod is the validated method r is for, or nil.
func matchMethod(methods []validatedMethod, r *http.Request) *validatedMethod {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	for i := range methods {
		m := &methods[i]
		if (m.method != r.Method && m.method != "ANY") || len(m.segments) != len(segs) {
			continue
		}
		ok := true
		for j, s := range m.segments {
			if s != segs[j] && !(strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") && segs[j] != "") {
				ok = false
				break
			}
		}
		if ok {
			return m
		}
	}
	return nil
}

// jsonBody reports whether API Gateway maps r's body to its application/json model: a JSON
// content type, or none (API Gateway's default content type is application/json).
func jsonBody(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}
