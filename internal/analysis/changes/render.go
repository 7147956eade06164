package changes

import (
	"fmt"
	"io"
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/cfnspec"
)

// Render writes the report of every changed stack, then one line naming
// the unchanged ones.
func Render(w io.Writer, stacks []Stack) {
	var unchanged []string
	for _, s := range stacks {
		if !s.Changed() {
			unchanged = append(unchanged, s.ID)
			continue
		}
		s.render(w)
		fmt.Fprintln(w)
	}
	if len(unchanged) > 0 {
		fmt.Fprintf(w, "unchanged: %s\n", strings.Join(unchanged, ", "))
	}
}

func (s Stack) render(w io.Writer) {
	switch {
	case !s.Old:
		fmt.Fprintf(w, "%s (new stack)\n", s.ID)
	case !s.New:
		fmt.Fprintf(w, "%s (stack REMOVED: CloudFormation deletes every resource that is not retained)\n", s.ID)
	default:
		fmt.Fprintln(w, s.ID)
	}
	if s.Moved() {
		fmt.Fprintf(w, "  ! environment %s → %s: a NEW stack there, every resource created empty; the old stack and its data stay in %s until deleted by hand\n",
			envName(s.OldEnv), envName(s.NewEnv), envName(s.OldEnv))
	}
	for _, r := range s.Added {
		fmt.Fprintf(w, "  + added     %-32s %s\n", r.Type, r.LogicalID)
	}
	for _, r := range s.Removed {
		fmt.Fprintf(w, "  - removed   %-32s %s\n", r.Type, r.LogicalID)
	}
	for _, m := range s.Modified {
		verb := "~ modified "
		switch m.Replaces {
		case cfnspec.Yes:
			verb = "! REPLACED "
		case cfnspec.Maybe:
			verb = "! MAY REPLACE"
		}
		fmt.Fprintf(w, "  %s %-32s %s (%s)\n", verb, m.Type, m.LogicalID, strings.Join(m.Properties, ", "))
		if len(m.Because) > 0 {
			fmt.Fprintf(w, "      because %s\n", strings.Join(m.Because, "; "))
		}
		if m.Disagrees() {
			fmt.Fprintf(w, "      cdk diff's engine says %s; the resource schemas say replacement %s\n", m.Engine, m.Replaces)
		}
	}
	if len(s.Widened)+len(s.ManagedPolicies) > 0 {
		fmt.Fprintln(w, "  IAM widened:")
		for _, st := range s.Widened {
			verb := "+ Allow"
			if st.Negative {
				verb = "- Deny removed:"
			}
			fmt.Fprintf(w, "    %s %s on %s", verb, oneLine(st.Rendered.Action), oneLine(st.Rendered.Resource))
			if st.Rendered.Principal != "" {
				fmt.Fprintf(w, " for %s", oneLine(st.Rendered.Principal))
			}
			if st.Rendered.Condition != "" {
				fmt.Fprintf(w, " when %s", oneLine(st.Rendered.Condition))
			}
			fmt.Fprintln(w)
		}
		for _, p := range s.ManagedPolicies {
			fmt.Fprintf(w, "    + managed policy %s\n", p)
		}
		list(w, "new actions", s.NewActions)
		list(w, "new resources", s.NewResources)
		list(w, "wildcards (*)", s.Wildcards)
	}
	if len(s.Opened) > 0 {
		fmt.Fprintln(w, "  security-group rules opened:")
		for _, o := range s.Opened {
			dir := "from"
			if o.Direction == "egress" {
				dir = "to"
			}
			fmt.Fprintf(w, "    + %s %s %s %s on %s", o.Direction, o.Protocol, dir, o.PeerText, o.GroupID)
			if o.Anywhere {
				fmt.Fprint(w, "  OPEN TO THE INTERNET")
			}
			fmt.Fprintln(w)
		}
	}
}

func list(w io.Writer, title string, values []string) {
	if len(values) > 0 {
		fmt.Fprintf(w, "    %s: %s\n", title, strings.Join(values, ", "))
	}
}

// oneLine folds the engine's multi-line table cells.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// envName is an environment as aws://ACCOUNT/REGION, CDK's placeholders
// for an agnostic part.
func envName(env string) string {
	account, region, _ := strings.Cut(env, "/")
	if account == "" {
		account = "unknown-account"
	}
	if region == "" {
		region = "unknown-region"
	}
	return "aws://" + account + "/" + region
}
