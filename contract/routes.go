// Package contract holds the facts the infrastructure and the handlers must
// agree on, each declared once: the HTTP API's routes (the stack builds the
// API Gateway resources, request models and validators from Routes, the api
// Lambda routes and validates with the same table, the local server serves
// it), the environment variables each function reads, field limits, default
// limits and key prefixes.
//
// It imports neither the CDK nor the AWS SDK, so the stacks, the constructs'
// callers, the handlers and the local server can all depend on it. Tests on
// both sides (lambdas/<fn> and test/) check that what a handler reads is
// exactly what its stack sets.
//
// Schemas are JSON Schema draft-04 text restricted to what API Gateway models
// support (type, properties, required, additionalProperties, minLength,
// maxLength, enum, pattern, minimum, maximum).
package contract

import "strconv"

// Route is one method and resource path of the API.
type Route struct {
	// Name identifies the route (stable: used for model and log names).
	Name string
	// Method is the HTTP method (GET, POST, PATCH, DELETE).
	Method string
	// Path is the API Gateway resource path, with {name} path parameters.
	Path string
	// Schema is the JSON Schema (draft-04) of the request body, "" if the
	// route takes no body.
	Schema string
	// Public routes need no signed-in user (no authorizer).
	Public bool
	// Query declares the route's query-string parameters, name → required.
	// API Gateway rejects a request without a required one; optional ones
	// are documented in the API's definition. Path parameters are always
	// required and need no declaration.
	Query map[string]bool
}

// pageQuery are the paging parameters of a list route, both optional:
// limit (1 to the domain's maximum page size) and the cursor of the next
// page a previous answer returned.
func pageQuery(more ...string) map[string]bool {
	q := map[string]bool{"limit": false, "cursor": false}
	for _, name := range more {
		q[name] = false
	}
	return q
}

var itemProps = `
    "title": {"type": "string", "minLength": 1, "maxLength": ` + itoa(MaxTitle) + `},
    "notes": {"type": "string", "maxLength": ` + itoa(MaxNotes) + `},
    "status": {"type": "string", "enum": ["open", "done"]},
    "dueDate": {"type": ["string", "null"], "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}`

// Routes is every route of the API, a new slice (and new maps) each call.
func Routes() []Route {
	return []Route{
		{Name: "health", Method: "GET", Path: "/health", Public: true},
		{Name: "listItems", Method: "GET", Path: "/items", Query: pageQuery("status")},
		{Name: "createItem", Method: "POST", Path: "/items", Schema: objectSchema("CreateItem", `["title"]`, itemProps)},
		{Name: "getItem", Method: "GET", Path: "/items/{id}"},
		{Name: "updateItem", Method: "PATCH", Path: "/items/{id}", Schema: objectSchema("UpdateItem", "", itemProps)},
		{Name: "deleteItem", Method: "DELETE", Path: "/items/{id}"},
		{Name: "createAttachment", Method: "POST", Path: "/items/{id}/attachments", Schema: objectSchema("CreateAttachment", `["fileName", "contentType", "size"]`, `
    "fileName": {"type": "string", "minLength": 1, "maxLength": `+itoa(MaxFileName)+`, "pattern": "^[^/\\\\]+$"},
    "contentType": {"type": "string", "minLength": 3, "maxLength": `+itoa(MaxContentType)+`, "pattern": "^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$"},
    "size": {"type": "integer", "minimum": 1, "maximum": `+itoa(MaxUploadBytes)+`}`)},
		{Name: "listAttachments", Method: "GET", Path: "/items/{id}/attachments"},
		{Name: "listActivity", Method: "GET", Path: "/activity", Query: pageQuery()},
	}
}

// objectSchema is the draft-04 schema of a JSON object with only the given
// properties (text that starts each on its own line); required is a JSON
// array of names, or "" when none is.
func objectSchema(title, required, properties string) string {
	s := `{
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "` + title + `",
  "type": "object",
  "additionalProperties": false,
`
	if required != "" {
		s += `  "required": ` + required + `,
`
	}
	return s + `  "properties": {` + properties + `
  }
}`
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
