package cfnspec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Template is the part of a CloudFormation template that decides what a
// deployment does to each resource.
type Template struct {
	Resources map[string]Resource `json:"Resources"`
}

// Resource is one resource of a template.
type Resource struct {
	Type                string         `json:"Type"`
	Properties          map[string]any `json:"Properties"`
	DeletionPolicy      string         `json:"DeletionPolicy"`
	UpdateReplacePolicy string         `json:"UpdateReplacePolicy"`
}

// ParseTemplate reads a JSON template; numbers keep their literal form.
func ParseTemplate(raw []byte) (*Template, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var t Template
	if err := d.Decode(&t); err != nil {
		return nil, err
	}
	if t.Resources == nil {
		t.Resources = map[string]Resource{}
	}
	return &t, nil
}

// CreateOnlyValues returns the values of the replacing properties set on r,
// by path (see the package doc). Where an intrinsic function (Fn::If…)
// stands in for an object or a list, its path records the intrinsic whole.
func CreateOnlyValues(r Resource) map[string]any {
	out := map[string]any{}
	for _, path := range CreateOnly(r.Type) {
		if v, ok := valueAt(r.Properties, splitPath(path)); ok {
			out[path] = v
		}
	}
	return out
}

// Change is a replacing property whose value differs between two versions
// of a resource.
type Change struct {
	Path     string
	Replaces Replacement
}

// ChangedCreateOnly lists the replacing properties of type whose values
// differ between old and new (set in one, absent in the other included),
// sorted by path.
func ChangedCreateOnly(resourceType string, old, new map[string]any) []Change {
	var out []Change
	seen := map[string]bool{}
	for _, m := range []map[string]any{old, new} {
		for path := range m {
			if seen[path] {
				continue
			}
			seen[path] = true
			o, inOld := old[path]
			n, inNew := new[path]
			if inOld != inNew || !Equal(o, n) {
				out = append(out, Change{Path: path, Replaces: Replaces(resourceType, path)})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Equal reports whether CloudFormation sees a and b as the same value:
// deeply equal, where a string equals a boolean or a number written
// differently ("true" and true, "10" and 10), as CloudFormation coerces them.
func Equal(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !Equal(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	if _, isMap := b.(map[string]any); isMap {
		return false
	}
	if _, isList := b.([]any); isList {
		return false
	}
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if sa, sb := scalar(a), scalar(b); sa == sb {
		return true
	}
	fa, errA := strconv.ParseFloat(scalar(a), 64)
	fb, errB := strconv.ParseFloat(scalar(b), 64)
	return errA == nil && errB == nil && fa == fb
}

// scalar is the text of a string, boolean or number.
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return fmt.Sprint(v)
}

// Canonical is v as compact JSON with sorted keys: equal values, equal strings.
func Canonical(v any) string {
	if v == nil {
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

// splitPath turns "A[].B.*" into ["A[]", "B", "*"].
func splitPath(path string) []string { return strings.Split(path, ".") }

func valueAt(v any, segs []string) (any, bool) {
	if len(segs) == 0 {
		return v, true
	}
	m, ok := v.(map[string]any)
	if !ok || isIntrinsic(m) {
		// An intrinsic (or a value of the wrong shape) stands for the
		// whole subtree: record it rather than miss a change inside.
		return v, v != nil
	}
	seg := segs[0]
	if seg == "*" {
		out := map[string]any{}
		for k, x := range m {
			if y, ok := valueAt(x, segs[1:]); ok {
				out[k] = y
			}
		}
		return out, len(out) > 0
	}
	name, list := strings.CutSuffix(seg, "[]")
	x, ok := m[name]
	if !ok {
		return nil, false
	}
	if !list {
		return valueAt(x, segs[1:])
	}
	items, isList := x.([]any)
	if !isList {
		return x, true
	}
	var out []any
	for _, item := range items {
		y, _ := valueAt(item, segs[1:])
		out = append(out, y)
	}
	return out, true
}

// isIntrinsic reports whether m is {"Ref": …} or {"Fn::…": …}.
func isIntrinsic(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || strings.HasPrefix(k, "Fn::")
	}
	return false
}
