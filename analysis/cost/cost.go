// Package cost estimates the monthly cost of a synthesized cloud assembly
// (cdk.out) from its templates, so what it prices is exactly what would
// deploy. Every stack is priced twice: idle (deployed, no traffic: what
// runs by the hour, schedules, pollers) and at a usage Profile.
//
// Each priced Line names the resource (stack and logical id) and the key of
// the dated price table (prices.json) it uses. A resource type without a
// rule is listed as not priced, never as a silent zero; types known to cost
// nothing are listed with the reason.
//
//	est, err := cost.Estimate("cdk.out", cost.Options{})
//	est.WriteText(os.Stdout, true)
package cost

import (
	"fmt"
	"sort"
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/assembly"
	"github.com/stratus-cdk/stratus/internal/analysis/wiring"
)

// Options tune an estimate; the zero value uses the committed price table,
// the default profile and each stack's own region.
type Options struct {
	// Prices default to DefaultPrices().
	Prices *Prices
	// Profile defaults to DefaultProfile() when nil.
	Profile *Profile
	// Region prices environment-agnostic stacks; they are an error without it.
	Region string
}

// Line is one priced item of one resource.
type Line struct {
	LogicalID string
	Type      string
	// Item says what is billed ("NAT gateway hours").
	Item string
	// PriceKey is the entry of the price table; Unit and UnitPrice copy it.
	PriceKey  string
	Unit      string
	UnitPrice float64
	// IdleQty and ProfileQty are monthly quantities in Unit; Idle and Profile
	// the monthly USD.
	IdleQty, ProfileQty float64
	Idle, Profile       float64
	// Note explains a derived quantity ("kept awake by Outbox: rate(1 minute)").
	Note string
}

// Unpriced is a resource the estimate adds nothing for, with the reason.
type Unpriced struct {
	LogicalID, Type, Reason string
	// Free is true when the type costs nothing; false when it may cost and
	// the estimate leaves it out.
	Free bool
}

// StackCost is the estimate of one stack.
type StackCost struct {
	Stack         assembly.Stack
	Region        string
	Lines         []Line
	Unpriced      []Unpriced
	Idle, Profile float64
}

// Result is an estimate of every stack of an assembly.
type Result struct {
	Stacks  []StackCost
	Prices  *Prices
	Profile Profile
}

// Estimate prices every stack of the assembly in dir.
func Estimate(dir string, opts Options) (*Result, error) {
	app, err := wiring.Load(dir)
	if err != nil {
		return nil, err
	}
	return estimateApp(app, opts)
}

// estimateApp prices an assembly already loaded.
func estimateApp(app *wiring.App, opts Options) (*Result, error) {
	if opts.Prices == nil {
		opts.Prices = DefaultPrices()
	}
	profile := DefaultProfile()
	if opts.Profile != nil {
		profile = *opts.Profile
	}
	if err := profile.Validate(); err != nil {
		return nil, err
	}
	var problems []string
	if opts.Region != "" && !opts.Prices.covers(opts.Region) {
		problems = append(problems, fmt.Sprintf("-region %s is not in the price table (it covers %s)", opts.Region, strings.Join(opts.Prices.Regions(), ", ")))
	}
	e := &estimator{app: app, prices: opts.Prices, profile: profile, memo: map[wiring.Ref][2]float64{}}
	res := &Result{Prices: opts.Prices, Profile: profile}
	for _, s := range app.Stacks {
		region := s.Region
		if region == "" {
			region = opts.Region
		}
		switch {
		case region == "":
			problems = append(problems, fmt.Sprintf("%s is environment-agnostic: give a region to price it in", s.Path()))
			continue
		case !opts.Prices.covers(region):
			problems = append(problems, fmt.Sprintf("%s is in %s, which the price table does not cover (it covers %s)", s.Path(), region, strings.Join(opts.Prices.Regions(), ", ")))
			continue
		}
		res.Stacks = append(res.Stacks, e.stack(s, region))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("cost: %s", strings.Join(problems, "; "))
	}
	return res, nil
}

// estimator holds what pricing one assembly needs.
type estimator struct {
	app     *wiring.App
	prices  *Prices
	profile Profile
	region  string
	memo    map[wiring.Ref][2]float64 // invocations of functions
}

func (e *estimator) stack(s assembly.Stack, region string) StackCost {
	e.region = region
	sc := StackCost{Stack: s, Region: region}
	t := e.app.Template(s.Path())
	for _, id := range t.LogicalIDs() {
		n := e.app.Nodes[wiring.Ref{Stack: s.Path(), ID: id}]
		r, ok := ruleFor(n.Type)
		switch {
		case !ok:
			sc.Unpriced = append(sc.Unpriced, Unpriced{id, n.Type, "not priced: no rule for this type in package cost", false})
		case r.free != "":
			sc.Unpriced = append(sc.Unpriced, Unpriced{id, n.Type, r.free, true})
		case r.skip != "":
			sc.Unpriced = append(sc.Unpriced, Unpriced{id, n.Type, "not priced: " + r.skip, false})
		default:
			lines, why := r.price(e, n)
			if len(lines) == 0 {
				free := strings.HasPrefix(why, "free")
				if !free {
					why = "not priced: " + why
				}
				sc.Unpriced = append(sc.Unpriced, Unpriced{id, n.Type, why, free})
			}
			for _, l := range lines {
				sc.Idle += l.Idle
				sc.Profile += l.Profile
				sc.Lines = append(sc.Lines, l)
			}
		}
	}
	return sc
}

// line prices quantities of key for node n.
func (e *estimator) line(n *wiring.Node, item, key string, idleQty, profileQty float64, note string) Line {
	entry, price, ok := e.prices.lookup(key, e.region)
	if !ok {
		// A rule naming a key the table lacks is a bug of this package;
		// TestRulesUseKnownKeys keeps it from shipping.
		panic(fmt.Sprintf("cost: no price %q for %s", key, e.region))
	}
	return Line{LogicalID: n.ID, Type: n.Type, Item: item, PriceKey: key, Unit: entry.Unit, UnitPrice: price,
		IdleQty: idleQty, ProfileQty: profileQty, Idle: idleQty * price, Profile: profileQty * price, Note: note}
}

// Total sums the idle and at-profile figures of the stacks whose stage is
// stage ("" for stacks outside any stage).
func (r *Result) Total(stage string) (idle, profile float64) {
	for _, s := range r.Stacks {
		if s.Stack.Stage == stage {
			idle += s.Idle
			profile += s.Profile
		}
	}
	return idle, profile
}

// Stages lists the stages of the estimate in order, "" (stacks outside any
// stage) last.
func (r *Result) Stages() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range r.Stacks {
		if !seen[s.Stack.Stage] {
			seen[s.Stack.Stage] = true
			out = append(out, s.Stack.Stage)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i] != "" && (out[j] == "" || out[i] < out[j]) })
	return out
}

// UnpricedTypes lists the types of the assembly with no price rule at all:
// what a test must keep empty.
func (r *Result) UnpricedTypes() []string {
	seen := map[string]bool{}
	for _, s := range r.Stacks {
		for _, u := range s.Unpriced {
			if _, ok := ruleFor(u.Type); !ok {
				seen[u.Type] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
