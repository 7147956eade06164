package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/aws/aws-lambda-go/events"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
)

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

func decodeBody(schema *bodySchema, raw string, b64 bool, dst any) *response {
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
	if problems := schema.validate(doc); len(problems) > 0 {
		return bad(http.StatusBadRequest, "validation_failed", strings.Join(problems, "; "))
	}
	strict := json.NewDecoder(bytes.NewReader(data))
	strict.DisallowUnknownFields()
	if err := strict.Decode(dst); err != nil {
		return bad(http.StatusBadRequest, "validation_failed", "the body does not match the schema: "+err.Error())
	}
	return nil
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
