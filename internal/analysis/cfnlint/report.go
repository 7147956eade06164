package cfnlint

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Report is what cfn-lint found, with the exceptions applied.
type Report struct {
	// Templates were linted, Regions counts them per region.
	Templates int
	Regions   map[string]int
	Findings  []Finding
	// Unused are the exceptions that excused nothing.
	Unused []Exception
}

// apply marks every finding an exception covers (the first that does) and
// records the exceptions that covered none.
func (r *Report) apply(cfg *Config) {
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.Stack != b.Stack {
			return a.Stack < b.Stack
		}
		return a.Line < b.Line
	})
	if cfg == nil {
		return
	}
	used := make([]bool, len(cfg.Exceptions))
	for i := range r.Findings {
		for j := range cfg.Exceptions {
			if cfg.Exceptions[j].covers(r.Findings[i]) {
				r.Findings[i].Exception = &cfg.Exceptions[j]
				used[j] = true
				break
			}
		}
	}
	for j, u := range used {
		if !u {
			r.Unused = append(r.Unused, cfg.Exceptions[j])
		}
	}
}

// Errors are the findings that fail the check: errors no exception covers.
func (r *Report) Errors() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Level == "Error" && f.Exception == nil {
			out = append(out, f)
		}
	}
	return out
}

// Failed is true when an error is not excused or an exception is unused.
func (r *Report) Failed() bool { return len(r.Errors()) > 0 || len(r.Unused) > 0 }

// Write prints the report: a summary line; every error that fails the
// check; every warning not excused; then the excused findings grouped by
// exception (count, stacks, reason); then the unused exceptions.
func (r *Report) Write(w io.Writer, version, exceptionsFile string) {
	counts, excused := map[string]int{}, map[string]int{}
	for _, f := range r.Findings {
		counts[f.Level]++
		if f.Exception != nil {
			excused[f.Level]++
		}
	}
	var regions []string
	for reg, n := range r.Regions {
		if reg == "" {
			reg = "default region"
		}
		regions = append(regions, fmt.Sprintf("%s: %d", reg, n))
	}
	sort.Strings(regions)
	fmt.Fprintf(w, "%s on %d templates (%s): %d errors, %d warnings, %d informational without an exception; excused by %s: %d errors, %d warnings, %d informational\n",
		version, r.Templates, strings.Join(regions, ", "),
		counts["Error"]-excused["Error"], counts["Warning"]-excused["Warning"], counts["Informational"]-excused["Informational"],
		exceptionsFile, excused["Error"], excused["Warning"], excused["Informational"])

	section := func(title string, keep func(Finding) bool) {
		first := true
		for _, f := range r.Findings {
			if !keep(f) {
				continue
			}
			if first {
				fmt.Fprintln(w, title)
				first = false
			}
			fmt.Fprintf(w, "  %s %s %s (line %d): %s\n", f.Rule, f.Stack, f.Path, f.Line, f.Message)
		}
	}
	section("errors (each fails the check):", func(f Finding) bool { return f.Level == "Error" && f.Exception == nil })
	section("warnings and notes without an exception (listed, they do not fail the check):",
		func(f Finding) bool { return f.Level != "Error" && f.Exception == nil })

	type group struct {
		e      *Exception
		levels map[string]int
		stacks map[string]bool
		sample string
	}
	var groups []*group
	byException := map[*Exception]*group{}
	for _, f := range r.Findings {
		if f.Exception == nil {
			continue
		}
		g := byException[f.Exception]
		if g == nil {
			g = &group{e: f.Exception, levels: map[string]int{}, stacks: map[string]bool{}, sample: f.Message}
			byException[f.Exception] = g
			groups = append(groups, g)
		}
		g.levels[f.Level]++
		g.stacks[f.Stack] = true
	}
	if len(groups) > 0 {
		fmt.Fprintln(w, "excused (each with its exception's reason):")
	}
	for _, g := range groups {
		var levels, stacks []string
		for l, n := range g.levels {
			levels = append(levels, fmt.Sprintf("%d %s", n, strings.ToLower(l)))
		}
		for s := range g.stacks {
			stacks = append(stacks, s)
		}
		sort.Strings(levels)
		sort.Strings(stacks)
		fmt.Fprintf(w, "  %s ×%s in %s, e.g. %q\n    reason: %s\n", g.e.Rule, strings.Join(levels, ", "), strings.Join(stacks, ", "), g.sample, g.e.Reason)
	}
	for _, e := range r.Unused {
		fmt.Fprintf(w, "unused exception (it excuses nothing; remove it from %s): %s stacks %v path %q message %q\n",
			exceptionsFile, e.Rule, e.Stacks, e.Path, e.Message)
	}
}
