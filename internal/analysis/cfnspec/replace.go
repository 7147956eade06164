package cfnspec

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Replaced says why a resource present in both templates is replaced.
type Replaced struct {
	// Replaces is Yes or Maybe.
	Replaces Replacement
	// Because lists the causes, e.g. "DatabaseName changed", "type changed",
	// "KmsKeyId refers to Key, which is replaced".
	Because []string
}

// Replacements finds the resources, kept under the same logical id, that a
// deployment from old to new replaces: a changed type, a changed replacing
// property, or a replacing property that refers (Ref, Fn::GetAtt, Fn::Sub)
// to a resource that is itself replaced, whose physical id changes with it.
func Replacements(old, new *Template) map[string]Replaced {
	out := map[string]Replaced{}
	for id, n := range new.Resources {
		o, ok := old.Resources[id]
		if !ok {
			continue
		}
		if o.Type != n.Type {
			out[id] = Replaced{Replaces: Yes, Because: []string{fmt.Sprintf("type changed from %s", o.Type)}}
			continue
		}
		var r Replaced
		for _, c := range ChangedCreateOnly(n.Type, CreateOnlyValues(o), CreateOnlyValues(n)) {
			r.Because = append(r.Because, c.Path+" changed")
			r.Replaces = max(r.Replaces, c.Replaces)
		}
		if r.Replaces > No {
			out[id] = r
		}
	}
	// A replaced resource gets a new physical id: every replacing property
	// that refers to it changes at deploy time, although the template text
	// does not. Propagate until nothing more is replaced.
	for changed := true; changed; {
		changed = false
		for id, n := range new.Resources {
			o, ok := old.Resources[id]
			if !ok || o.Type != n.Type {
				continue
			}
			for path, v := range CreateOnlyValues(n) {
				for _, ref := range References(v) {
					target, replaced := out[ref]
					if !replaced || ref == id {
						continue
					}
					cause := fmt.Sprintf("%s refers to %s, which is replaced", path, ref)
					r := out[id]
					if slices.Contains(r.Because, cause) {
						continue
					}
					r.Because = append(r.Because, cause)
					r.Replaces = max(r.Replaces, min(target.Replaces, Replaces(n.Type, path)))
					out[id] = r
					changed = true
				}
			}
		}
	}
	for id, r := range out {
		sort.Strings(r.Because)
		out[id] = r
	}
	return out
}

var subRef = regexp.MustCompile(`\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}`)

// References lists the logical ids v refers to through Ref, Fn::GetAtt and
// Fn::Sub, sorted and each once. Pseudo parameters (AWS::…) are left out.
func References(v any) []string {
	seen := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				switch k {
				case "Ref":
					if s, ok := e.(string); ok {
						seen[s] = true
					}
				case "Fn::GetAtt":
					switch a := e.(type) {
					case []any:
						if len(a) > 0 {
							if s, ok := a[0].(string); ok {
								seen[s] = true
							}
						}
					case string:
						seen[strings.SplitN(a, ".", 2)[0]] = true
					}
				case "Fn::Sub":
					s, _ := e.(string)
					if a, ok := e.([]any); ok && len(a) > 0 {
						s, _ = a[0].(string)
					}
					for _, m := range subRef.FindAllStringSubmatch(s, -1) {
						seen[m[1]] = true
					}
				}
				walk(e)
			}
		}
	}
	walk(v)
	out := make([]string, 0, len(seen))
	for id := range seen {
		if !strings.HasPrefix(id, "AWS::") {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}
