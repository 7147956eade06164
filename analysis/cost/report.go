package cost

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// usd formats a monthly figure.
func usd(v float64) string { return fmt.Sprintf("%.2f", v) }

func stageName(s string) string {
	if s == "" {
		return "(no stage)"
	}
	return s
}

// WriteSummary prints one line per stack and a total per stage: what
// `make cost` and the synth summary show first.
func (r *Result) WriteSummary(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STAGE\tSTACK\tREGION\tIDLE USD/MONTH\tAT PROFILE USD/MONTH\t")
	for _, stage := range r.Stages() {
		for _, s := range r.Stacks {
			if s.Stack.Stage == stage {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", stageName(stage), s.Stack.Name, s.Region, usd(s.Idle), usd(s.Profile))
			}
		}
		idle, profile := r.Total(stage)
		fmt.Fprintf(tw, "%s\t%s\t\t%s\t%s\t\n", stageName(stage), "total", usd(idle), usd(profile))
	}
	return tw.Flush()
}

// WriteText prints the summary, then, with details, every priced line of
// every stack (logical id, price key, quantities and USD) and every
// resource left out with its reason, then the profile and the table's date.
func (r *Result) WriteText(w io.Writer, details bool) error {
	if err := r.WriteSummary(w); err != nil {
		return err
	}
	if details {
		for _, s := range r.Stacks {
			fmt.Fprintf(w, "\n== %s (%s): idle %s, at profile %s USD/month\n", s.Stack.Path(), s.Region, usd(s.Idle), usd(s.Profile))
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "LOGICAL ID\tITEM\tPRICE KEY\tUSD/UNIT\tIDLE QTY\tIDLE\tPROFILE QTY\tPROFILE\tNOTE")
			for _, l := range s.Lines {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.LogicalID, l.Item, l.PriceKey, num(l.UnitPrice),
					num(l.IdleQty), usd(l.Idle), num(l.ProfileQty), usd(l.Profile), l.Note)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			writeUnpriced(w, s.Unpriced)
		}
	}
	fmt.Fprintf(w, "\nProfile: %s\n", r.Profile)
	fmt.Fprintf(w, "Prices: %s list prices as of %s (analysis/cost/prices.json); free tiers not subtracted.\n", r.Prices.Currency, r.Prices.AsOf)
	return nil
}

// writeUnpriced groups the resources left out by type and reason.
func writeUnpriced(w io.Writer, us []Unpriced) {
	type key struct{ typ, reason string }
	ids := map[key][]string{}
	var keys []key
	for _, u := range us {
		k := key{u.Type, u.Reason}
		if _, ok := ids[k]; !ok {
			keys = append(keys, k)
		}
		ids[k] = append(ids[k], u.LogicalID)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].typ != keys[j].typ {
			return keys[i].typ < keys[j].typ
		}
		return keys[i].reason < keys[j].reason
	})
	for _, k := range keys {
		fmt.Fprintf(w, "  %s ×%d — %s\n", k.typ, len(ids[k]), k.reason)
	}
}

// Markdown is the README's table: idle and at-profile figures per stack
// and stage, the profile and the table's date, and the resources that may
// cost but are not priced.
func (r *Result) Markdown() string {
	var b strings.Builder
	regions := map[string]bool{}
	for _, s := range r.Stacks {
		regions[s.Region] = true
	}
	fmt.Fprintf(&b, "| stage | stack | region | idle (USD/month) | at profile (USD/month) |\n|---|---|---|--:|--:|\n")
	for _, stage := range r.Stages() {
		for _, s := range r.Stacks {
			if s.Stack.Stage == stage {
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", stageName(stage), s.Stack.Name, s.Region, usd(s.Idle), usd(s.Profile))
			}
		}
		idle, profile := r.Total(stage)
		fmt.Fprintf(&b, "| **%s** | **total** | | **%s** | **%s** |\n", stageName(stage), usd(idle), usd(profile))
	}
	fmt.Fprintf(&b, "\nProfile (per stage): `%s`. Prices: %s list prices as of %s (`analysis/cost/prices.json`).\n",
		r.Profile, r.Prices.Currency, r.Prices.AsOf)
	type left struct{ typ, reason string }
	count := map[left]int{}
	var order []left
	for _, s := range r.Stacks {
		for _, u := range s.Unpriced {
			if u.Free {
				continue
			}
			k := left{u.Type, strings.TrimPrefix(u.Reason, "not priced: ")}
			if count[k] == 0 {
				order = append(order, k)
			}
			count[k]++
		}
	}
	sort.Slice(order, func(i, j int) bool {
		if order[i].typ != order[j].typ {
			return order[i].typ < order[j].typ
		}
		return order[i].reason < order[j].reason
	})
	if len(order) > 0 {
		b.WriteString("\nNot priced (resources that may cost, left out with the reason):\n\n")
		for _, k := range order {
			fmt.Fprintf(&b, "- `%s` ×%d: %s\n", k.typ, count[k], k.reason)
		}
	}
	return b.String()
}
