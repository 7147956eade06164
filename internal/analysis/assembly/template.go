package assembly

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

// Template is the part of a CloudFormation template that tools read: the
// resources with their properties, and the outputs with their exports.
type Template struct {
	Resources map[string]Resource `json:"Resources"`
	Outputs   map[string]Output   `json:"Outputs"`
}

// Resource is one resource of a template. Properties keep CloudFormation's
// JSON shape (maps, slices, strings, float64, bools and intrinsic functions).
type Resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
	Condition  string         `json:"Condition"`
	// UpdatePolicy is how CloudFormation updates the resource (an alias's
	// CodeDeployLambdaAliasUpdate names its deployment group).
	UpdatePolicy map[string]any `json:"UpdatePolicy"`
}

// Output is one output of a template.
type Output struct {
	Value  any `json:"Value"`
	Export *struct {
		Name any `json:"Name"`
	} `json:"Export"`
}

// ReadTemplate reads the template file at path.
func ReadTemplate(path string) (*Template, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t Template
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &t, nil
}

// LogicalIDs lists the template's resources in a stable order.
func (t *Template) LogicalIDs() []string {
	ids := make([]string, 0, len(t.Resources))
	for id := range t.Resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Prop walks the properties of r by keys (map keys) and returns what is
// there, or nil.
func (r Resource) Prop(keys ...string) any {
	var v any = r.Properties
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// Str is the property at keys when it is a literal string, else "".
func (r Resource) Str(keys ...string) string {
	s, _ := r.Prop(keys...).(string)
	return s
}

// Number is the property at keys when it is a literal number (or a numeric
// string, as CDK writes some), and whether it was.
func (r Resource) Number(keys ...string) (float64, bool) {
	switch v := r.Prop(keys...).(type) {
	case float64:
		return v, true
	case string:
		var f float64
		if _, err := fmt.Sscan(v, &f); err == nil {
			return f, true
		}
	}
	return 0, false
}

// List is the property at keys when it is a JSON array, else nil.
func (r Resource) List(keys ...string) []any {
	l, _ := r.Prop(keys...).([]any)
	return l
}
