package statelock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/assembly"
	"github.com/stratus-cdk/stratus/internal/analysis/cfnspec"
)

// DefaultPath is where the app's lock lives, relative to the repository root.
const DefaultPath = "test/stateful.lock.json"

// MaxHistory is how many rewrites the lock's history keeps, and
// maxHistoryChanges how many change lines each; git keeps the rest.
const (
	MaxHistory        = 20
	maxHistoryChanges = 12
)

// Lock is the content of the lock file.
type Lock struct {
	Comment string `json:"//"`
	// Spec names the resource schemas the create-only lists came from.
	Spec string `json:"spec"`
	// Protected are the stages (or top-level stacks) whose stateful
	// resources must be retained or snapshotted.
	Protected []string `json:"protected"`
	// Stacks maps "<Stage>/<Stack>" to its stateful resources by logical id.
	Stacks  map[string]map[string]*Entry `json:"stacks"`
	History []Rewrite                    `json:"history"`
}

// Entry is one stateful resource.
type Entry struct {
	Type                string `json:"type"`
	DeletionPolicy      string `json:"deletionPolicy"`
	UpdateReplacePolicy string `json:"updateReplacePolicy"`
	// CreateOnly holds the values of the create-only properties set, by path.
	CreateOnly map[string]any `json:"createOnly,omitempty"`
	// Reason is why the entry was last added or changed.
	Reason string `json:"reason"`
	// PolicyException, in a protected stage, is why this resource may have
	// the policies above although they do not retain it.
	PolicyException string `json:"policyException,omitempty"`
}

// Rewrite is one `make lock`: when, why and what it changed.
type Rewrite struct {
	Date    string   `json:"date"`
	Reason  string   `json:"reason"`
	Changes []string `json:"changes"`
}

const comment = "Stateful-resource lock (internal/analysis/statelock). Do not edit by hand: `make lock REASON=\"...\"` rewrites it after an intended change; review its diff like code."

// Stack is one synthesized stack.
type Stack struct {
	// ID is "<Stage>/<Stack>", or the stack's name outside a stage.
	ID string
	// Path is the template's file in the assembly.
	Path     string
	Template *cfnspec.Template
	// Env is where it deploys, "ACCOUNT/REGION" ("" for either part of
	// an environment-agnostic stack). The lock does not record it: a stack
	// moved to another account or region is a new stack there, which
	// replaces and deletes nothing (package changes reports the move).
	Env string
}

// ReadAssembly reads every stack of a synthesized cloud assembly (cdk.out).
func ReadAssembly(dir string) ([]Stack, error) {
	listed, err := assembly.Stacks(dir)
	if err != nil {
		return nil, err
	}
	var out []Stack
	for _, s := range listed {
		raw, err := os.ReadFile(s.Template)
		if err != nil {
			return nil, err
		}
		t, err := cfnspec.ParseTemplate(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", s.Template, err)
		}
		id := s.Name
		if s.Stage != "" {
			id = s.Stage + "/" + s.Name
		}
		out = append(out, Stack{ID: id, Path: s.Template, Template: t, Env: s.Account + "/" + s.Region})
	}
	return out, nil
}

// Entries lists the stateful resources of the stacks as the lock records
// them, without reasons.
func Entries(stacks []Stack) map[string]map[string]*Entry {
	out := map[string]map[string]*Entry{}
	for _, s := range stacks {
		for id, r := range s.Template.Resources {
			if !IsStateful(r.Type) {
				continue
			}
			if out[s.ID] == nil {
				out[s.ID] = map[string]*Entry{}
			}
			e := &Entry{
				Type:                r.Type,
				DeletionPolicy:      policy(r.DeletionPolicy),
				UpdateReplacePolicy: policy(r.UpdateReplacePolicy),
				CreateOnly:          cfnspec.CreateOnlyValues(r),
			}
			if len(e.CreateOnly) == 0 {
				e.CreateOnly = nil
			}
			out[s.ID][id] = e
		}
	}
	return out
}

func policy(p string) string {
	if p == "" {
		return "Delete"
	}
	return p
}

// New is an empty lock whose protected stages are given.
func New(protected ...string) *Lock {
	return &Lock{Comment: comment, Spec: cfnspec.Source(), Protected: protected, Stacks: map[string]map[string]*Entry{}}
}

// ReadLock reads a lock file.
func ReadLock(path string) (*Lock, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	d.DisallowUnknownFields()
	var l Lock
	if err := d.Decode(&l); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if l.Stacks == nil {
		l.Stacks = map[string]map[string]*Entry{}
	}
	return &l, nil
}

// Write writes the lock, indented, with a final newline.
func (l *Lock) Write(path string) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(l); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// IsProtected reports whether the stack belongs to a protected stage.
func (l *Lock) IsProtected(stack string) bool {
	stage, _, _ := strings.Cut(stack, "/")
	for _, p := range l.Protected {
		if p == stage {
			return true
		}
	}
	return false
}

// Relock returns the lock rewritten from the app, and the changes it made,
// one line each. Entries that did not change keep their reasons; added and
// changed ones get reason, and so do the policy exceptions of protected
// entries that are not retained (unless the same exception was there).
// Without changes it returns l itself and no lines. reason must not be empty.
func (l *Lock) Relock(stacks []Stack, reason, date string) (*Lock, []string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, nil, fmt.Errorf("a reason is required to rewrite the lock (make lock REASON=\"why this change is safe\")")
	}
	out := &Lock{Comment: comment, Spec: cfnspec.Source(), Protected: l.Protected, Stacks: map[string]map[string]*Entry{}, History: l.History}
	var changes []string
	current := Entries(stacks)
	for _, stack := range sortedKeys(current) {
		out.Stacks[stack] = map[string]*Entry{}
		for _, id := range sortedKeys(current[stack]) {
			e := current[stack][id]
			old := l.Stacks[stack][id]
			what := describeChange(old, e)
			if old != nil && old.DeletionPolicy == e.DeletionPolicy && old.UpdateReplacePolicy == e.UpdateReplacePolicy {
				e.PolicyException = old.PolicyException // an exception holds for exactly these policies
			}
			if what == "" {
				e.Reason = old.Reason
			} else {
				e.Reason = reason
				changes = append(changes, fmt.Sprintf("%s %s (%s) %s", stack, id, e.Type, what))
			}
			if l.IsProtected(stack) && !(retains(e.DeletionPolicy) && retains(e.UpdateReplacePolicy)) {
				if e.PolicyException == "" {
					e.PolicyException = reason
					if what == "" {
						changes = append(changes, fmt.Sprintf("%s %s (%s) policy exception added", stack, id, e.Type))
					}
				}
			} else {
				e.PolicyException = ""
			}
			out.Stacks[stack][id] = e
		}
	}
	for _, stack := range sortedKeys(l.Stacks) {
		for _, id := range sortedKeys(l.Stacks[stack]) {
			if current[stack][id] == nil {
				changes = append(changes, fmt.Sprintf("%s %s (%s) removed", stack, id, l.Stacks[stack][id].Type))
			}
		}
	}
	if len(changes) == 0 && l.Spec == out.Spec {
		return l, nil, nil
	}
	if l.Spec != out.Spec {
		changes = append(changes, fmt.Sprintf("resource schemas %s (were %s)", out.Spec, l.Spec))
	}
	summary := changes
	if len(summary) > maxHistoryChanges {
		summary = append(slices.Clone(summary[:maxHistoryChanges-1]), fmt.Sprintf("… and %d more", len(changes)-maxHistoryChanges+1))
	}
	out.History = append(append([]Rewrite(nil), l.History...), Rewrite{Date: date, Reason: reason, Changes: summary})
	if len(out.History) > MaxHistory {
		out.History = out.History[len(out.History)-MaxHistory:]
	}
	return out, changes, nil
}

// describeChange says how e differs from old: "" when it does not,
// "added", or the changed fields.
func describeChange(old, e *Entry) string {
	if old == nil {
		return "added"
	}
	var parts []string
	if old.Type != e.Type {
		parts = append(parts, "type "+old.Type+" → "+e.Type)
	}
	if old.DeletionPolicy != e.DeletionPolicy {
		parts = append(parts, "DeletionPolicy "+old.DeletionPolicy+" → "+e.DeletionPolicy)
	}
	if old.UpdateReplacePolicy != e.UpdateReplacePolicy {
		parts = append(parts, "UpdateReplacePolicy "+old.UpdateReplacePolicy+" → "+e.UpdateReplacePolicy)
	}
	for _, c := range cfnspec.ChangedCreateOnly(e.Type, old.CreateOnly, e.CreateOnly) {
		parts = append(parts, c.Path+" changed")
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
