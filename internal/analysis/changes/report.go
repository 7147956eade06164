package changes

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/cfnspec"
	"github.com/stratus-cdk/stratus/internal/analysis/statelock"
)

// Stack is what changes in one stack.
type Stack struct {
	// ID is "<Stage>/<Stack>"; Old and New say whether it exists on each side.
	ID       string
	Old, New bool
	// OldEnv and NewEnv are where it deploys on each side ("ACCOUNT/REGION",
	// either part "" when environment-agnostic). They differ when the stack
	// moves: a new stack in the new environment, created empty, while the
	// old one stays, with its data, in the old one.
	OldEnv, NewEnv string
	Added          []Resource
	Removed        []Resource
	Modified       []Modified
	// Widened are the IAM statements that grant more: added Allow
	// statements, removed Deny statements.
	Widened []Statement
	// NewActions and NewResources are granted by Widened and by no
	// statement the change removed; Wildcards are the values with a "*".
	NewActions, NewResources, Wildcards []string
	// ManagedPolicies are managed policies newly attached.
	ManagedPolicies []string
	// Opened are the security-group rules added (ingress and egress).
	Opened []Opened
}

// Resource is a resource added or removed.
type Resource struct{ LogicalID, Type string }

// Modified is a resource kept under its logical id but changed.
type Modified struct {
	LogicalID, Type string
	// Properties changed (and "DeletionPolicy", "Metadata"… for the rest).
	Properties []string
	// Replaces is what the resource schemas say the change does, Because why.
	Replaces cfnspec.Replacement
	Because  []string
	// Engine is the engine's impact (WILL_UPDATE, WILL_REPLACE, MAY_REPLACE…).
	Engine string
}

// Disagrees reports whether the engine and the schemas disagree on
// replacing the resource.
func (m Modified) Disagrees() bool {
	return engineReplacement(m.Engine) != m.Replaces
}

func engineReplacement(impact string) cfnspec.Replacement {
	switch impact {
	case "WILL_REPLACE":
		return cfnspec.Yes
	case "MAY_REPLACE":
		return cfnspec.Maybe
	}
	return cfnspec.No
}

// Opened is a security-group rule added.
type Opened struct {
	Direction string // ingress or egress
	Rule
	// Anywhere: the peer is 0.0.0.0/0 or ::/0.
	Anywhere bool
}

// Changed reports whether anything changes in the stack.
func (s Stack) Changed() bool {
	return s.Old != s.New || s.Moved() || len(s.Added)+len(s.Removed)+len(s.Modified)+len(s.Widened)+len(s.Opened)+len(s.ManagedPolicies) > 0
}

// Moved reports whether the stack exists on both sides in different
// environments (account or region).
func (s Stack) Moved() bool { return s.Old && s.New && s.OldEnv != s.NewEnv }

// template is one synthesized stack: its file, its parsed form and its
// environment.
type template struct {
	path string
	t    *cfnspec.Template
	env  string
}

func load(dir string) (map[string]template, error) {
	stacks, err := statelock.ReadAssembly(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]template{}
	for _, s := range stacks {
		out[s.ID] = template{s.Path, s.Template, s.Env}
	}
	return out, nil
}

// Compare reports, stack by stack (sorted), what deploying the assembly in
// newDir over the one in oldDir changes.
func Compare(ctx context.Context, e Engine, oldDir, newDir string) ([]Stack, error) {
	old, err := load(oldDir)
	if err != nil {
		return nil, fmt.Errorf("old assembly: %v", err)
	}
	new, err := load(newDir)
	if err != nil {
		return nil, fmt.Errorf("new assembly: %v", err)
	}
	return compare(ctx, e, old, new)
}

func compare(ctx context.Context, e Engine, old, new map[string]template) ([]Stack, error) {
	ids := map[string]bool{}
	for id := range old {
		ids[id] = true
	}
	for id := range new {
		ids[id] = true
	}
	var pairs []engineRequest
	for id := range ids {
		r := engineRequest{Stack: id}
		if o, ok := old[id]; ok {
			r.Old = &o.path
		}
		if n, ok := new[id]; ok {
			r.New = &n.path
		}
		pairs = append(pairs, r)
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].Stack < pairs[j].Stack })
	answers, err := e.run(ctx, pairs)
	if err != nil {
		return nil, err
	}
	var out []Stack
	for _, a := range answers {
		o, n := old[a.Stack], new[a.Stack]
		s := Stack{ID: a.Stack, Old: o.t != nil, New: n.t != nil, OldEnv: o.env, NewEnv: n.env}
		empty := &cfnspec.Template{Resources: map[string]cfnspec.Resource{}}
		ot, nt := o.t, n.t
		if ot == nil {
			ot = empty
		}
		if nt == nil {
			nt = empty
		}
		replaced := cfnspec.Replacements(ot, nt)
		for _, r := range a.Resources {
			switch r.Change {
			case "added":
				s.Added = append(s.Added, Resource{r.LogicalID, r.NewType})
			case "removed":
				s.Removed = append(s.Removed, Resource{r.LogicalID, r.OldType})
			default:
				m := Modified{LogicalID: r.LogicalID, Type: r.NewType, Engine: r.Impact,
					Replaces: replaced[r.LogicalID].Replaces, Because: replaced[r.LogicalID].Because}
				for p := range r.Properties {
					m.Properties = append(m.Properties, p)
				}
				sort.Strings(m.Properties)
				m.Properties = append(m.Properties, r.Other...)
				s.Modified = append(s.Modified, m)
			}
		}
		// Replaced only through a reference, with no change in its own
		// text: the engine does not list it when it does not propagate.
		for id, r := range replaced {
			if !slices.ContainsFunc(s.Modified, func(m Modified) bool { return m.LogicalID == id }) {
				s.Modified = append(s.Modified, Modified{LogicalID: id, Type: nt.Resources[id].Type,
					Engine: "NO_CHANGE", Replaces: r.Replaces, Because: r.Because})
			}
		}
		sortResources(s.Added)
		sortResources(s.Removed)
		sort.Slice(s.Modified, func(i, j int) bool { return s.Modified[i].LogicalID < s.Modified[j].LogicalID })
		s.widening(a)
		for _, r := range a.SecurityGroups.IngressAdded {
			s.Opened = append(s.Opened, opened("ingress", r))
		}
		for _, r := range a.SecurityGroups.EgressAdded {
			s.Opened = append(s.Opened, opened("egress", r))
		}
		s.ManagedPolicies = a.IAM.ManagedPoliciesAdded
		out = append(out, s)
	}
	return out, nil
}

func sortResources(rs []Resource) {
	sort.Slice(rs, func(i, j int) bool { return rs[i].LogicalID < rs[j].LogicalID })
}

// widening keeps the statements that grant more, and the actions and
// resources no removed statement granted before.
func (s *Stack) widening(a engineStack) {
	before := map[string]bool{}
	for _, st := range a.IAM.Removed {
		if !st.Negative {
			for _, v := range append(slices.Clone(st.Actions), st.Resources...) {
				before[v] = true
			}
		}
	}
	actions, resources, wild := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, st := range a.IAM.Added {
		if st.Negative {
			continue // an added Deny narrows
		}
		s.Widened = append(s.Widened, st)
		for _, v := range st.Actions {
			if !before[v] {
				actions[v] = true
			}
			if strings.Contains(v, "*") {
				wild[v] = true
			}
		}
		for _, v := range st.Resources {
			if !before[v] {
				resources[v] = true
			}
			if strings.Contains(v, "*") {
				wild[v] = true
			}
		}
		for _, v := range st.Principals {
			if strings.Contains(v, "*") {
				wild[v] = true
			}
		}
	}
	for _, st := range a.IAM.Removed {
		if st.Negative {
			s.Widened = append(s.Widened, st) // a removed Deny widens
		}
	}
	s.NewActions, s.NewResources, s.Wildcards = keys(actions), keys(resources), keys(wild)
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func opened(direction string, r Rule) Opened {
	return Opened{Direction: direction, Rule: r,
		Anywhere: r.Peer.Kind == "cidr-ip" && (r.Peer.IP == "0.0.0.0/0" || r.Peer.IP == "::/0")}
}
