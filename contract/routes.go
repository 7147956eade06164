// Package contract declares the facts the infrastructure and the handlers share, starting with the HTTP API of the reference application once, in
// Go: the stack builds the API Gateway resources, request models and
// validators from All, the api Lambda routes and validates with the same
// table, and the local server serves it. One source, no drift.
//
// Schemas are JSON Schema draft-04 text restricted to what API Gateway models
// support (type, properties, required, additionalProperties, minLength,
// maxLength, enum, pattern, minimum, maximum).
package contract

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
}

// Limits shared by the schemas and the domain.
const (
	MaxTitle    = 200
	MaxNotes    = 10000
	MaxFileName = 255
)

const itemProps = `
    "title": {"type": "string", "minLength": 1, "maxLength": 200},
    "notes": {"type": "string", "maxLength": 10000},
    "status": {"type": "string", "enum": ["open", "done"]},
    "dueDate": {"type": ["string", "null"], "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}`

// All is every route of the API.
var All = []Route{
	{Name: "health", Method: "GET", Path: "/health", Public: true},
	{Name: "listItems", Method: "GET", Path: "/items"},
	{Name: "createItem", Method: "POST", Path: "/items", Schema: `{
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "CreateItem",
  "type": "object",
  "additionalProperties": false,
  "required": ["title"],
  "properties": {` + itemProps + `
  }
}`},
	{Name: "getItem", Method: "GET", Path: "/items/{id}"},
	{Name: "updateItem", Method: "PATCH", Path: "/items/{id}", Schema: `{
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "UpdateItem",
  "type": "object",
  "additionalProperties": false,
  "properties": {` + itemProps + `
  }
}`},
	{Name: "deleteItem", Method: "DELETE", Path: "/items/{id}"},
	{Name: "createAttachment", Method: "POST", Path: "/items/{id}/attachments", Schema: `{
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "CreateAttachment",
  "type": "object",
  "additionalProperties": false,
  "required": ["fileName", "contentType", "size"],
  "properties": {
    "fileName": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^/\\\\]+$"},
    "contentType": {"type": "string", "minLength": 3, "maxLength": 255, "pattern": "^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$"},
    "size": {"type": "integer", "minimum": 1, "maximum": 5368709120}
  }
}`},
	{Name: "listAttachments", Method: "GET", Path: "/items/{id}/attachments"},
	{Name: "listActivity", Method: "GET", Path: "/activity"},
}
