package contract

import (
	"encoding/json"
	"regexp"
	"testing"
)

// API Gateway models accept only a subset of draft-04; keep the schemas in it.
var allowedKeywords = map[string]bool{
	"$schema": true, "title": true, "type": true, "properties": true, "required": true,
	"additionalProperties": true, "minLength": true, "maxLength": true, "enum": true,
	"pattern": true, "format": true, "minimum": true, "maximum": true,
}

func TestRoutesAreUniqueAndWellFormed(t *testing.T) {
	seen := map[string]bool{}
	names := map[string]bool{}
	for _, r := range Routes() {
		key := r.Method + " " + r.Path
		if seen[key] || names[r.Name] {
			t.Errorf("duplicate route %q / %q", key, r.Name)
		}
		seen[key], names[r.Name] = true, true
		if !regexp.MustCompile(`^(/[a-z]+|/\{[a-z]+\})+$`).MatchString(r.Path) {
			t.Errorf("%s: bad path %q", r.Name, r.Path)
		}
		for name := range r.Query {
			if !regexp.MustCompile(`^[a-z][a-zA-Z]*$`).MatchString(name) {
				t.Errorf("%s: bad query parameter name %q", r.Name, name)
			}
		}
		if r.Schema == "" {
			continue
		}
		var s map[string]any
		if err := json.Unmarshal([]byte(r.Schema), &s); err != nil {
			t.Errorf("%s: schema is not JSON: %v", r.Name, err)
			continue
		}
		checkKeywords(t, r.Name, s)
	}
	if !seen["GET /health"] {
		t.Error("no health route")
	}
}

func checkKeywords(t *testing.T, name string, s map[string]any) {
	for k, v := range s {
		if !allowedKeywords[k] {
			t.Errorf("%s: keyword %q not supported by API Gateway models", name, k)
		}
		if k == "properties" {
			for _, p := range v.(map[string]any) {
				checkKeywords(t, name, p.(map[string]any))
			}
		}
	}
}
