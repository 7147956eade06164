// Package mapping maps a synthesized stage (a cloud assembly folder such as cdk.out/assembly-Dev)
// to the settings of the local stack's stand-ins, so that `make dev` runs what deploys: the user
// pool's password policy and MFA, the queue's visibility timeout and receive count, the API's
// throttles, the functions' timeouts, the outbox's schedule. Nothing here copies a stage's value.
//
// The mapping is one file per service (cognito.go, apigateway.go, waf.go, sqs.go, events.go, lambda.go),
// and it is the documentation of what is emulated: each finds its resources by type and by how
// they are wired to each other (the queue that an event source mapping feeds to a function, the
// pool that a client belongs to), never by a logical id, so a team's own assembly built from the
// constructs reads as well as this app's. Each reads the properties it emulates into a small
// typed value and reports the properties it does not emulate, which the local stack lists once at
// start-up. A property that a stand-in needs and cannot find, or cannot resolve, is an error
// naming the resource and the property.
//
// [Read] takes a cloud assembly folder (read through package internal/analysis/assembly, the module's one
// reader of cdk.out) or a folder of templates only: the golden snapshots under
// test/testdata/<Stage>, which the snapshot test keeps equal to the synth.
package mapping

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/assembly"
)

// Assembly is the stacks of one synthesized stage.
type Assembly struct {
	// Dir is the folder it was read from.
	Dir    string
	Stacks []*Stack
}

// Stack is one stack's template.
type Stack struct {
	// Name is the stack's construct id ("App"): its template's file name in a folder of templates.
	Name string
	// StackName is its CloudFormation name ("Dev-App"); "" in a folder of templates.
	StackName string
	// Template is the path of its template file.
	Template  string
	Resources map[string]*Resource
	Outputs   map[string]assembly.Output
}

// Resource is one resource of a template, with the stack it is in.
type Resource struct {
	assembly.Resource
	Stack     *Stack
	LogicalID string
}

func (r *Resource) String() string { return r.Type + " " + r.Stack.Name + "/" + r.LogicalID }

// Load reads the templates of the stage in dir: the stacks of its cloud assembly, or, without a
// manifest.json, every *.template.json in it.
func Load(dir string) (*Assembly, error) {
	files, err := templateFiles(dir)
	if err != nil {
		return nil, err
	}
	a := &Assembly{Dir: dir}
	for _, f := range files {
		t, err := assembly.ReadTemplate(f.Template)
		if err != nil {
			return nil, fmt.Errorf("mapping: %w", err)
		}
		s := &Stack{Name: f.Name, StackName: f.StackName, Template: f.Template, Resources: map[string]*Resource{}, Outputs: t.Outputs}
		for id, r := range t.Resources {
			if r.Properties == nil {
				r.Properties = map[string]any{}
			}
			s.Resources[id] = &Resource{Resource: r, Stack: s, LogicalID: id}
		}
		a.Stacks = append(a.Stacks, s)
	}
	return a, nil
}

// templateFiles lists the stacks of the stage in dir, sorted by template: those of its cloud
// assembly, or its templates, each named by its file.
func templateFiles(dir string) ([]assembly.Stack, error) {
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); errors.Is(err, os.ErrNotExist) {
		files, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
		if len(files) == 0 {
			return nil, fmt.Errorf("mapping: %s holds neither a manifest.json nor templates: synthesize the stage first (make synth STAGE=Dev)", dir)
		}
		stacks := make([]assembly.Stack, len(files))
		for i, f := range files {
			stacks[i] = assembly.Stack{Name: strings.TrimSuffix(filepath.Base(f), ".template.json"), Template: f}
		}
		return stacks, nil
	}
	stacks, err := assembly.Stacks(dir)
	if err != nil {
		return nil, fmt.Errorf("mapping: %w", err)
	}
	if len(stacks) == 0 {
		return nil, fmt.Errorf("mapping: the assembly in %s has no stack: is it the assembly of one stage (cdk.out/assembly-<Stage>)?", dir)
	}
	sort.Slice(stacks, func(i, j int) bool { return stacks[i].Template < stacks[j].Template })
	return stacks, nil
}

// OfType lists the resources of type typ in every stack, in a stable order.
func (a *Assembly) OfType(typ string) []*Resource {
	var out []*Resource
	for _, s := range a.Stacks {
		for _, r := range s.Resources {
			if r.Type == typ {
				out = append(out, r)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// Target is the resource of r's stack that v points at: {"Ref": id} or {"Fn::GetAtt": [id, attr]}.
// It is nil when v is anything else.
func (r *Resource) Target(v any) *Resource {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return nil
	}
	var id string
	if ref, ok := m["Ref"].(string); ok {
		id = ref
	} else if att, ok := m["Fn::GetAtt"].([]any); ok && len(att) == 2 {
		id, _ = att[0].(string)
	}
	return r.Stack.Resources[id]
}

// refersTo reports whether v points at target.
func (r *Resource) refersTo(v any, target *Resource) bool {
	return target != nil && r.Target(v) == target
}

// PropertyError is a property that a stand-in needs and cannot read.
type PropertyError struct {
	Resource *Resource
	Property string
	Problem  string
}

func (e *PropertyError) Error() string {
	return fmt.Sprintf("%s: property %s %s", e.Resource, e.Property, e.Problem)
}

// reader reads typed properties of one resource, collecting every problem: a stand-in's settings
// are either all read, or its error names each property that is not.
type reader struct {
	r    *Resource
	errs []error
}

func (rd *reader) fail(path []string, format string, args ...any) {
	rd.errs = append(rd.errs, &PropertyError{Resource: rd.r, Property: strings.Join(path, "."), Problem: fmt.Sprintf(format, args...)})
}

// number reads a number, or def where the template leaves it out. CloudFormation takes numbers as
// JSON numbers or as numeric strings.
func (rd *reader) number(def float64, path ...string) float64 {
	v := rd.r.Prop(path...)
	if v == nil {
		return def
	}
	switch n := v.(type) {
	case float64:
		return n
	case string:
		var f float64
		if _, err := fmt.Sscan(n, &f); err == nil {
			return f
		}
	}
	rd.fail(path, "is %s, not a number the local stack can use", describe(v))
	return def
}

func (rd *reader) integer(def int, path ...string) int {
	f := rd.number(float64(def), path...)
	if f != float64(int(f)) {
		rd.fail(path, "is %v, not a whole number", f)
	}
	return int(f)
}

func (rd *reader) boolean(def bool, path ...string) bool {
	v := rd.r.Prop(path...)
	if v == nil {
		return def
	}
	switch b := v.(type) {
	case bool:
		return b
	case string:
		if b == "true" || b == "false" {
			return b == "true"
		}
	}
	rd.fail(path, "is %s, not a boolean the local stack can use", describe(v))
	return def
}

func (rd *reader) str(def string, path ...string) string {
	v := rd.r.Prop(path...)
	if v == nil {
		return def
	}
	if s, isStr := v.(string); isStr {
		return s
	}
	rd.fail(path, "is %s, not a string the local stack can use", describe(v))
	return def
}

func (rd *reader) strings(def []string, path ...string) []string {
	v := rd.r.Prop(path...)
	if v == nil {
		return def
	}
	list, isList := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, isStr := e.(string)
		if !isStr {
			isList = false
			break
		}
		out = append(out, s)
	}
	if !isList {
		rd.fail(path, "is %s, not a list of strings the local stack can use", describe(v))
		return def
	}
	return out
}

func (rd *reader) err() error { return errors.Join(rd.errs...) }

// describe names a value in an error: an unresolved intrinsic by its function.
func describe(v any) string {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		for k := range m {
			return "an unresolved " + k
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// unemulated lists r's properties that are not in handled, as "<resource>: <property>", for the
// start-up listing of what the local stack does not emulate.
func unemulated(r *Resource, handled ...string) []string {
	known := map[string]bool{}
	for _, h := range handled {
		known[h] = true
	}
	var out []string
	for p := range r.Properties {
		if !known[p] {
			out = append(out, r.Type+" "+r.LogicalID+": "+p)
		}
	}
	sort.Strings(out)
	return out
}

// one is the single resource of type typ that match accepts; an error when there is none or more.
func one(a *Assembly, typ, what string, match func(*Resource) bool) (*Resource, error) {
	var found []*Resource
	for _, r := range a.OfType(typ) {
		if match == nil || match(r) {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, fmt.Errorf("assembly %s has no %s (%s): the local stack needs one", a.Dir, typ, what)
	}
	names := make([]string, len(found))
	for i, r := range found {
		names[i] = r.String()
	}
	return nil, fmt.Errorf("assembly %s has %d candidates for %s (%s): %s; the local stack runs one", a.Dir, len(found), typ, what, strings.Join(names, ", "))
}
