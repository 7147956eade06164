package httpapi

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/stratus-cdk/stratus/contract"
)

// referenceSchema compiles a route's schema with the JSON Schema library the
// local stack's API Gateway emulation uses: the reference bodySchema must
// agree with.
func referenceSchema(t testing.TB, name, schema string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft4
	url := "mem://routes/" + name + ".json"
	if err := c.AddResource(url, strings.NewReader(schema)); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// bodyCases are bodies at and across every keyword's edge in the
// contract's schemas: types, required, additional properties, lengths in
// runes, patterns, enums, integer notation and bounds.
var bodyCases = []string{
	`{}`, `[]`, `null`, `"title"`, `1`, `true`,
	`{"title":"a"}`, `{"title":""}`, `{"title":"` + strings.Repeat("é", contract.MaxTitle) + `"}`,
	`{"title":"` + strings.Repeat("é", contract.MaxTitle+1) + `"}`, `{"title":null}`, `{"title":1}`, `{"title":["a"]}`,
	`{"title":"a","extra":1}`, `{"extra":null}`, `{"title":"a","notes":""}`, `{"title":"a","notes":null}`,
	`{"title":"a","status":"open"}`, `{"title":"a","status":"done"}`, `{"title":"a","status":"later"}`, `{"title":"a","status":1}`,
	`{"title":"a","dueDate":null}`, `{"title":"a","dueDate":"2030-01-31"}`, `{"title":"a","dueDate":"2030-1-31"}`,
	`{"title":"a","dueDate":"x2030-01-31"}`, `{"title":"a","dueDate":5}`, `{"status":"done"}`,
	`{"fileName":"a.png","contentType":"image/png","size":10}`, `{"fileName":"a/b","contentType":"image/png","size":10}`,
	`{"fileName":"a\\b","contentType":"image/png","size":10}`, `{"fileName":"","contentType":"image/png","size":10}`,
	`{"fileName":"a","contentType":"png","size":10}`, `{"fileName":"a","contentType":"a/b","size":1.0}`,
	`{"fileName":"a","contentType":"a/b","size":1e2}`, `{"fileName":"a","contentType":"a/b","size":1.5}`,
	`{"fileName":"a","contentType":"a/b","size":0}`, `{"fileName":"a","contentType":"a/b","size":-1}`,
	`{"fileName":"a","contentType":"a/b","size":` + strconv.FormatInt(contract.MaxUploadBytes, 10) + `}`,
	`{"fileName":"a","contentType":"a/b","size":` + strconv.FormatInt(contract.MaxUploadBytes+1, 10) + `}`,
	`{"fileName":"a","contentType":"a/b","size":9007199254740993}`, `{"fileName":"a","contentType":"a/b","size":"10"}`,
	`{"fileName":"a","contentType":"a/b"}`, `{"a/b~c":1}`,
}

func decodeDoc(t testing.TB, body string) (any, bool) {
	t.Helper()
	var doc any
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	return doc, dec.Decode(&doc) == nil
}

// checkAgainstReference fails when bodySchema and the library disagree on
// whether doc is valid, or when bodySchema rejects without a reason.
func checkAgainstReference(t testing.TB, route string, ours *bodySchema, ref *jsonschema.Schema, body string, doc any) {
	t.Helper()
	problems := ours.validate(doc)
	err := ref.Validate(doc)
	if (len(problems) == 0) != (err == nil) {
		t.Errorf("%s %s: bodySchema says %q, JSON Schema says %v", route, body, problems, err)
	}
	for _, p := range problems {
		if !strings.Contains(p, ": ") {
			t.Errorf("%s %s: problem %q names no location", route, body, p)
		}
	}
}

// Every route's schema gives the same verdict as the JSON Schema library on
// bodies at each keyword's edge.
func TestBodySchemaAgreesWithJSONSchema(t *testing.T) {
	n := 0
	for _, r := range contract.Routes() {
		if r.Schema == "" {
			continue
		}
		ours, err := compileBodySchema(r.Name, r.Schema)
		if err != nil {
			t.Fatal(err)
		}
		ref := referenceSchema(t, r.Name, r.Schema)
		for _, body := range bodyCases {
			doc, ok := decodeDoc(t, body)
			if !ok {
				t.Fatalf("case %s is not JSON", body)
			}
			checkAgainstReference(t, r.Name, ours, ref, body, doc)
			n++
		}
	}
	if n == 0 {
		t.Fatal("no route has a schema")
	}
	// The messages name each failure where it is.
	var createItem string
	for _, r := range contract.Routes() {
		if r.Name == "createItem" {
			createItem = r.Schema
		}
	}
	s, err := compileBodySchema("createItem", createItem)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := decodeDoc(t, `{"title":"","extra":1,"status":"later"}`)
	got := strings.Join(s.validate(doc), "; ")
	for _, want := range []string{`/title: length must be >= 1, but got 0`, `body: additional property "extra" is not allowed`, `/status: value must be one of "open", "done"`} {
		if !strings.Contains(got, want) {
			t.Errorf("messages %q lack %q", got, want)
		}
	}
}

// FuzzBodySchemaAgreesWithJSONSchema explores bodies for every route with a
// schema: `go test` runs the cases above, `go test -fuzz` looks further.
func FuzzBodySchemaAgreesWithJSONSchema(f *testing.F) {
	for _, b := range bodyCases {
		f.Add(b)
	}
	type compiled struct {
		name string
		ours *bodySchema
		ref  *jsonschema.Schema
	}
	var routes []compiled
	for _, r := range contract.Routes() {
		if r.Schema != "" {
			ours, err := compileBodySchema(r.Name, r.Schema)
			if err != nil {
				f.Fatal(err)
			}
			routes = append(routes, compiled{r.Name, ours, referenceSchema(f, r.Name, r.Schema)})
		}
	}
	f.Fuzz(func(t *testing.T, body string) {
		doc, ok := decodeDoc(t, body)
		if !ok {
			return
		}
		for _, r := range routes {
			checkAgainstReference(t, r.name, r.ours, r.ref, body, doc)
		}
	})
}

// A keyword bodySchema does not know stops New, naming it: a contract schema
// cannot pass unchecked.
func TestBodySchemaRefusesKeywordsItDoesNotKnow(t *testing.T) {
	for _, c := range []struct{ schema, want string }{
		{`{"type":"object","properties":{"a":{"type":"string","format":"email"}}}`, `/a: keyword "format"`},
		{`{"oneOf":[{"type":"string"}]}`, `body: keyword "oneOf"`},
		{`{"additionalProperties":{"type":"string"}}`, "additionalProperties must be true or false"},
		{`{"type":"text"}`, "type must be a JSON type"},
		{`{"pattern":"("}`, "pattern must be a regular expression"},
		{`{"maxLength":-1}`, "maxLength must be a non-negative integer"},
		{`{"minLength":"1"}`, "minLength must be a non-negative integer"},
	} {
		if _, err := compileBodySchema("r", c.schema); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.schema, err, c.want)
		}
	}
}
