package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// bodySchema is a route's request-body schema (contract.Route.Schema): the
// draft-04 keywords the contract's schemas use, which API Gateway's request
// validator applies before the function runs, checked again here.
//
// Why not a JSON Schema library in the function: santhosh-tekuri/jsonschema
// v5 compiles the metaschemas of the five drafts it supports in its package
// init, 6.2 ms of every cold start (api's init at 2.2 × a hello-world's
// against the worker's 1.3; v6 measured 9.8 ms). The keywords below are
// few, compileBodySchema refuses any other (so a contract schema that needs
// one fails New, and its tests), and TestBodySchemaAgreesWithJSONSchema
// checks every verdict against that library, which the tests and the local
// stack's API Gateway emulation still use.
type bodySchema struct {
	types                []string // "" none: any type
	properties           map[string]*bodySchema
	required             []string
	additionalProperties bool
	minLength, maxLength int // -1: none
	pattern              *regexp.Regexp
	enum                 []any
	minimum, maximum     *big.Rat
}

// compileBodySchema reads a schema of the contract.
func compileBodySchema(name, schema string) (*bodySchema, error) {
	var doc any
	dec := json.NewDecoder(strings.NewReader(schema))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("httpapi: schema of %s: %w", name, err)
	}
	s, err := readBodySchema(doc, "")
	if err != nil {
		return nil, fmt.Errorf("httpapi: schema of %s: %w", name, err)
	}
	return s, nil
}

func readBodySchema(doc any, at string) (*bodySchema, error) {
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: a schema is an object", orRoot(at))
	}
	s := &bodySchema{additionalProperties: true, minLength: -1, maxLength: -1}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := m[k]
		bad := func(want string) error { return fmt.Errorf("%s: %s must be %s, got %v", orRoot(at), k, want, v) }
		switch k {
		case "$schema", "title", "description":
		case "type":
			switch t := v.(type) {
			case string:
				s.types = []string{t}
			case []any:
				for _, e := range t {
					name, ok := e.(string)
					if !ok {
						return nil, bad("a type name or a list of them")
					}
					s.types = append(s.types, name)
				}
			default:
				return nil, bad("a type name or a list of them")
			}
			for _, t := range s.types {
				if !slices.Contains([]string{"object", "array", "string", "number", "integer", "boolean", "null"}, t) {
					return nil, bad("a JSON type")
				}
			}
		case "properties":
			props, ok := v.(map[string]any)
			if !ok {
				return nil, bad("an object of schemas")
			}
			s.properties = map[string]*bodySchema{}
			for name, p := range props {
				ps, err := readBodySchema(p, at+"/"+name)
				if err != nil {
					return nil, err
				}
				s.properties[name] = ps
			}
		case "required":
			list, ok := v.([]any)
			if !ok {
				return nil, bad("a list of names")
			}
			for _, e := range list {
				name, ok := e.(string)
				if !ok {
					return nil, bad("a list of names")
				}
				s.required = append(s.required, name)
			}
		case "additionalProperties":
			b, ok := v.(bool)
			if !ok {
				return nil, bad("true or false (a schema here is not supported)")
			}
			s.additionalProperties = b
		case "minLength", "maxLength":
			num, _ := v.(json.Number)
			n, err := num.Int64()
			if err != nil || n < 0 {
				return nil, bad("a non-negative integer")
			}
			if k == "minLength" {
				s.minLength = int(n)
			} else {
				s.maxLength = int(n)
			}
		case "pattern":
			p, ok := v.(string)
			if !ok {
				return nil, bad("a regular expression")
			}
			re, err := regexp.Compile(p)
			if err != nil {
				return nil, bad("a regular expression (" + err.Error() + ")")
			}
			s.pattern = re
		case "enum":
			list, ok := v.([]any)
			if !ok || len(list) == 0 {
				return nil, bad("a non-empty list")
			}
			s.enum = list
		case "minimum", "maximum":
			n, ok := v.(json.Number)
			r, valid := new(big.Rat).SetString(string(n))
			if !ok || !valid {
				return nil, bad("a number")
			}
			if k == "minimum" {
				s.minimum = r
			} else {
				s.maximum = r
			}
		default:
			return nil, fmt.Errorf("%s: keyword %q is not one httpapi's body validation knows: add it to bodySchema, "+
				"with a case in TestBodySchemaAgreesWithJSONSchema", orRoot(at), k)
		}
	}
	return s, nil
}

func orRoot(at string) string {
	if at == "" {
		return "body"
	}
	return at
}

// validate returns every failure of v (decoded with UseNumber), one
// "<location>: <what>" each, sorted; none when v is valid.
func (s *bodySchema) validate(v any) []string {
	var out []string
	s.check(v, "", &out)
	sort.Strings(out)
	return slices.Compact(out)
}

func (s *bodySchema) check(v any, at string, out *[]string) {
	fail := func(format string, args ...any) { *out = append(*out, orRoot(at)+": "+fmt.Sprintf(format, args...)) }
	if len(s.types) > 0 {
		got := jsonType(v)
		if !slices.ContainsFunc(s.types, func(t string) bool { return typeMatches(t, got, v) }) {
			fail("expected %s, but got %s", strings.Join(s.types, " or "), got)
			return
		}
	}
	if len(s.enum) > 0 && !slices.ContainsFunc(s.enum, func(e any) bool { return jsonEqual(e, v) }) {
		fail("value must be one of %s", enumList(s.enum))
	}
	switch x := v.(type) {
	case string:
		n := utf8.RuneCountInString(x)
		if s.minLength >= 0 && n < s.minLength {
			fail("length must be >= %d, but got %d", s.minLength, n)
		}
		if s.maxLength >= 0 && n > s.maxLength {
			fail("length must be <= %d, but got %d", s.maxLength, n)
		}
		if s.pattern != nil && !s.pattern.MatchString(x) {
			fail("does not match pattern %q", s.pattern.String())
		}
	case json.Number:
		r, ok := new(big.Rat).SetString(string(x))
		if !ok {
			fail("%s is not a number", x)
			return
		}
		if s.minimum != nil && r.Cmp(s.minimum) < 0 {
			fail("must be >= %s but found %s", s.minimum.RatString(), x)
		}
		if s.maximum != nil && r.Cmp(s.maximum) > 0 {
			fail("must be <= %s but found %s", s.maximum.RatString(), x)
		}
	case map[string]any:
		for _, name := range s.required {
			if _, ok := x[name]; !ok {
				fail("missing property %q", name)
			}
		}
		for name, pv := range x {
			ps, known := s.properties[name]
			switch {
			case known:
				ps.check(pv, at+"/"+escapePointer(name), out)
			case !s.additionalProperties:
				fail("additional property %q is not allowed", name)
			}
		}
	}
}

// jsonType is the JSON type of a value decoded with UseNumber; numbers are
// "number", and typeMatches lets an integral one be an "integer" too.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// typeMatches: draft-04's "integer" is any number without a fraction, in
// whatever notation (1, 1.0, 1e2).
func typeMatches(want, got string, v any) bool {
	if want == got {
		return true
	}
	if want == "integer" && got == "number" {
		r, ok := new(big.Rat).SetString(string(v.(json.Number)))
		return ok && r.IsInt()
	}
	return false
}

// jsonEqual compares two decoded JSON values as JSON Schema does: numbers
// by value.
func jsonEqual(a, b any) bool {
	if na, ok := a.(json.Number); ok {
		nb, ok := b.(json.Number)
		if !ok {
			return false
		}
		ra, okA := new(big.Rat).SetString(string(na))
		rb, okB := new(big.Rat).SetString(string(nb))
		return okA && okB && ra.Cmp(rb) == 0
	}
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

func enumList(enum []any) string {
	parts := make([]string, len(enum))
	for i, e := range enum {
		raw, _ := json.Marshal(e)
		parts[i] = string(raw)
	}
	return strings.Join(parts, ", ")
}

// escapePointer escapes a property name as a JSON Pointer token.
func escapePointer(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}
