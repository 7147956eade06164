package cost

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
)

// DiffAssemblies estimates the assemblies in oldDir and newDir with the same
// options and prints what changes: per stack, the idle and at-profile
// monthly figures before and after, then every line added, removed or
// changed. It prints "no cost change" when nothing moves by a cent.
//
// This is the hook for `make cost REF=…`: synthesize REF into oldDir, the
// working tree into newDir, and call it.
func DiffAssemblies(w io.Writer, oldDir, newDir string, opts Options) error {
	before, err := Estimate(oldDir, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", oldDir, err)
	}
	after, err := Estimate(newDir, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", newDir, err)
	}
	return WriteDiff(w, before, after)
}

type lineKey struct{ stack, id, item string }

// key identifies a line across versions; the parenthesis of an item
// (memory, architecture) is what may change, not which line it is.
func key(stack string, l Line) lineKey {
	item, _, _ := strings.Cut(l.Item, " (")
	return lineKey{stack, l.LogicalID, item}
}

// WriteDiff prints the difference between two estimates.
func WriteDiff(w io.Writer, before, after *Result) error {
	type pair struct{ old, new *StackCost }
	stacks := map[string]*pair{}
	var paths []string
	for i := range before.Stacks {
		s := &before.Stacks[i]
		paths = append(paths, s.Stack.Path())
		stacks[s.Stack.Path()] = &pair{old: s}
	}
	for i := range after.Stacks {
		s := &after.Stacks[i]
		if p, ok := stacks[s.Stack.Path()]; ok {
			p.new = s
			continue
		}
		paths = append(paths, s.Stack.Path())
		stacks[s.Stack.Path()] = &pair{new: s}
	}
	sort.Strings(paths)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	changed := false
	fmt.Fprintln(tw, "STACK\tIDLE BEFORE\tIDLE AFTER\tΔ IDLE\tPROFILE BEFORE\tPROFILE AFTER\tΔ PROFILE")
	var details []string
	for _, path := range paths {
		p := stacks[path]
		var oi, op, ni, np float64
		oldLines, newLines := map[lineKey]Line{}, map[lineKey]Line{}
		if p.old != nil {
			oi, op = p.old.Idle, p.old.Profile
			for _, l := range p.old.Lines {
				oldLines[key(path, l)] = l
			}
		}
		if p.new != nil {
			ni, np = p.new.Idle, p.new.Profile
			for _, l := range p.new.Lines {
				newLines[key(path, l)] = l
			}
		}
		d := lineChanges(path, oldLines, newLines)
		if len(d) == 0 && cents(oi) == cents(ni) && cents(op) == cents(np) {
			continue
		}
		changed = true
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", path, usd(oi), usd(ni), signed(ni-oi), usd(op), usd(np), signed(np-op))
		details = append(details, d...)
	}
	if !changed {
		_, err := fmt.Fprintln(w, "no cost change")
		return err
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, d := range details {
		fmt.Fprintln(w, d)
	}
	return nil
}

// lineChanges lists the lines of one stack added (+), removed (-) or
// changed (~) by more than a cent.
func lineChanges(stack string, old, new map[lineKey]Line) []string {
	keys := map[lineKey]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range new {
		keys[k] = true
	}
	sorted := make([]lineKey, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].id != sorted[j].id {
			return sorted[i].id < sorted[j].id
		}
		return sorted[i].item < sorted[j].item
	})
	var out []string
	for _, k := range sorted {
		o, inOld := old[k]
		n, inNew := new[k]
		switch {
		case !inOld:
			out = append(out, fmt.Sprintf("+ %s %s %s [%s]: idle %s, at profile %s", stack, k.id, n.Item, n.PriceKey, usd(n.Idle), usd(n.Profile)))
		case !inNew:
			out = append(out, fmt.Sprintf("- %s %s %s [%s]: idle %s, at profile %s", stack, k.id, o.Item, o.PriceKey, usd(-o.Idle), usd(-o.Profile)))
		case cents(o.Idle) != cents(n.Idle) || cents(o.Profile) != cents(n.Profile) || o.PriceKey != n.PriceKey:
			out = append(out, fmt.Sprintf("~ %s %s %s [%s → %s]: idle %s → %s, at profile %s → %s", stack, k.id, n.Item,
				o.PriceKey, n.PriceKey, usd(o.Idle), usd(n.Idle), usd(o.Profile), usd(n.Profile)))
		}
	}
	return out
}

func cents(v float64) int64 { return int64(math.Round(v * 100)) }

func signed(v float64) string {
	if cents(v) >= 0 {
		return "+" + usd(math.Abs(v))
	}
	return usd(v)
}
