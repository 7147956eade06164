package statelock

import (
	"fmt"
	"sort"
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/cfnspec"
)

// Kind is what a Problem is about.
type Kind int

const (
	// Removed: a locked resource's logical id is gone (removed or renamed).
	Removed Kind = iota
	// Replaced: a create-only property (or the type) changed.
	Replaced
	// Unretained: in a protected stage, a policy that does not keep the data.
	Unretained
	// Unlocked: a stateful resource the lock does not list yet.
	Unlocked
	// Stale: a policy changed harmlessly, but the lock does not say so yet.
	Stale
)

// Problem is one difference between the app and its lock.
type Problem struct {
	Kind      Kind
	Stack     string // "<Stage>/<Stack>"
	LogicalID string
	Type      string
	// What changes ("REMOVED or renamed", "would be REPLACED (…)") and
	// Consequence: what happens to the data.
	What, Consequence string
}

// String is the problem's one readable line.
func (p Problem) String() string {
	return fmt.Sprintf("%s %s %s: %s", p.Stack, p.LogicalID, p.What, p.Consequence)
}

const relock = "if intended, run make lock REASON=\"…\""

// Check compares the app's stacks to the lock and returns every problem,
// sorted by stack and logical id.
func (l *Lock) Check(stacks []Stack) []Problem {
	var out []Problem
	if l.Spec != cfnspec.Source() {
		out = append(out, Problem{Kind: Stale, Stack: "lock", LogicalID: DefaultPath,
			What:        "was made with " + l.Spec + ", the pinned resource schemas are " + cfnspec.Source(),
			Consequence: "its create-only lists may differ; " + relock})
	}
	current := Entries(stacks)
	for _, stack := range sortedKeys(l.Stacks) {
		for _, id := range sortedKeys(l.Stacks[stack]) {
			locked := l.Stacks[stack][id]
			e := current[stack][id]
			if e == nil {
				out = append(out, removed(stack, id, locked, current[stack], l.Stacks[stack]))
				continue
			}
			if p, ok := replaced(stack, id, locked, e); ok {
				out = append(out, p)
			}
		}
	}
	for _, stack := range sortedKeys(current) {
		for _, id := range sortedKeys(current[stack]) {
			e := current[stack][id]
			locked := l.Stacks[stack][id]
			if l.IsProtected(stack) && !(retains(e.DeletionPolicy) && retains(e.UpdateReplacePolicy)) &&
				(locked == nil || locked.PolicyException == "" ||
					locked.DeletionPolicy != e.DeletionPolicy || locked.UpdateReplacePolicy != e.UpdateReplacePolicy) {
				out = append(out, Problem{Kind: Unretained, Stack: stack, LogicalID: id, Type: e.Type,
					What: fmt.Sprintf("(%s) has DeletionPolicy %s and UpdateReplacePolicy %s", e.Type, e.DeletionPolicy, e.UpdateReplacePolicy),
					Consequence: fmt.Sprintf("a stack deletion or a replacement would leave %s; %s needs Retain or Snapshot, or an exception with a reason (make lock REASON=\"…\")",
						statefulTypes[e.Type], strings.Join(l.Protected, ", "))})
				continue
			}
			switch {
			case locked == nil:
				out = append(out, Problem{Kind: Unlocked, Stack: stack, LogicalID: id, Type: e.Type,
					What: fmt.Sprintf("(%s) is not in the lock", e.Type), Consequence: "nothing guards it yet; " + relock})
			case locked.DeletionPolicy != e.DeletionPolicy || locked.UpdateReplacePolicy != e.UpdateReplacePolicy:
				out = append(out, Problem{Kind: Stale, Stack: stack, LogicalID: id, Type: e.Type,
					What:        fmt.Sprintf("(%s) changed %s", e.Type, describeChange(locked, e)),
					Consequence: "the lock does not record it yet; " + relock})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Stack != out[j].Stack {
			return out[i].Stack < out[j].Stack
		}
		return out[i].LogicalID < out[j].LogicalID
	})
	return out
}

// removed describes a locked resource whose logical id is gone. When the
// stack has exactly one unlocked resource of the same type, that is most
// likely its new name.
func removed(stack, id string, locked *Entry, now, inLock map[string]*Entry) Problem {
	what := "(" + locked.Type + ") REMOVED or renamed"
	var candidates []string
	for newID, e := range now {
		if e.Type == locked.Type && inLock[newID] == nil {
			candidates = append(candidates, newID)
		}
	}
	if len(candidates) == 1 {
		what += " (new logical id " + candidates[0] + "?)"
	}
	var consequence string
	switch locked.DeletionPolicy {
	case "Retain", "RetainExceptOnCreate":
		consequence = "CloudFormation orphans it (DeletionPolicy " + locked.DeletionPolicy + ") and a new one under another id starts empty"
	case "Snapshot":
		consequence = statefulTypes[locked.Type] + "; DeletionPolicy Snapshot keeps a final snapshot, a new one under another id starts empty"
	default:
		consequence = statefulTypes[locked.Type]
	}
	return Problem{Kind: Removed, Stack: stack, LogicalID: id, Type: locked.Type, What: what, Consequence: consequence}
}

// replaced reports a changed type or create-only property; the
// consequence follows the UpdateReplacePolicy the new template deploys with.
func replaced(stack, id string, locked, e *Entry) (Problem, bool) {
	var causes []string
	worst := cfnspec.No
	if locked.Type != e.Type {
		causes, worst = append(causes, "type "+locked.Type+" → "+e.Type), cfnspec.Yes
	} else {
		for _, c := range cfnspec.ChangedCreateOnly(e.Type, locked.CreateOnly, e.CreateOnly) {
			causes = append(causes, c.Path)
			worst = max(worst, c.Replaces)
		}
		if len(causes) > 0 {
			causes = []string{strings.Join(causes, ", ") + " changed"}
		}
	}
	if worst == cfnspec.No {
		return Problem{}, false
	}
	verb := "would be REPLACED"
	if worst == cfnspec.Maybe {
		verb = "may be REPLACED"
	}
	var consequence string
	switch e.UpdateReplacePolicy {
	case "Retain", "RetainExceptOnCreate":
		consequence = "the new one starts empty; UpdateReplacePolicy " + e.UpdateReplacePolicy + " orphans the old one with its data"
	case "Snapshot":
		consequence = statefulTypes[e.Type] + "; UpdateReplacePolicy Snapshot keeps a final snapshot"
	default:
		consequence = statefulTypes[e.Type]
	}
	return Problem{Kind: Replaced, Stack: stack, LogicalID: id, Type: e.Type,
		What: fmt.Sprintf("%s (%s)", verb, strings.Join(causes, "; ")), Consequence: consequence}, true
}
