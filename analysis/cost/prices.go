package cost

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

//go:embed prices.json
var defaultPrices []byte

// Prices is a dated price table: a USD price per region for each key.
type Prices struct {
	// AsOf is the date the table was compiled (YYYY-MM-DD).
	AsOf string `json:"asOf"`
	// Currency of every price: USD.
	Currency string `json:"currency"`
	// Basis says where the figures come from and how they were compiled.
	Basis  string           `json:"basis"`
	Prices map[string]Price `json:"prices"`
}

// Price is one entry of the table.
type Price struct {
	// Unit is what one price buys ("NAT gateway-hour").
	Unit string `json:"unit"`
	// USD by region.
	USD map[string]float64 `json:"usd"`
	// Source is the pricing page the figure comes from.
	Source string `json:"source"`
	// MinimumPerHour, when set, is the least quantity billed per hour (RDS
	// Proxy bills at least 8 ACUs of a serverless target).
	MinimumPerHour float64 `json:"minimumPerHour,omitempty"`
	// Note says what the entry leaves out or how sure it is.
	Note string `json:"note,omitempty"`
}

// DefaultPrices returns the table committed with this package (prices.json).
func DefaultPrices() *Prices {
	p, err := ParsePrices(defaultPrices)
	if err != nil {
		panic("cost: the embedded prices.json is invalid: " + err.Error())
	}
	return p
}

// ParsePrices reads a price table in the JSON shape of prices.json and
// checks it: every entry has a unit, a source and a non-negative price for
// every region the table covers. All problems are reported at once.
func ParsePrices(raw []byte) (*Prices, error) {
	var p Prices
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, err
	}
	var problems []string
	if p.AsOf == "" {
		problems = append(problems, "asOf is empty")
	}
	if p.Currency != "USD" {
		problems = append(problems, fmt.Sprintf("currency %q: only USD is supported", p.Currency))
	}
	regions := p.Regions()
	for _, key := range p.keys() {
		e := p.Prices[key]
		if e.Unit == "" || e.Source == "" {
			problems = append(problems, key+": unit and source are required")
		}
		for _, r := range regions {
			if v, ok := e.USD[r]; !ok || v < 0 {
				problems = append(problems, fmt.Sprintf("%s: no price for %s", key, r))
			}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("price table: %s", strings.Join(problems, "; "))
	}
	return &p, nil
}

// Regions lists the regions the table prices, sorted.
func (p *Prices) Regions() []string {
	seen := map[string]bool{}
	for _, e := range p.Prices {
		for r := range e.USD {
			seen[r] = true
		}
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

func (p *Prices) keys() []string {
	out := make([]string, 0, len(p.Prices))
	for k := range p.Prices {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// covers reports whether the table prices region.
func (p *Prices) covers(region string) bool {
	for _, r := range p.Regions() {
		if r == region {
			return true
		}
	}
	return false
}

// lookup returns the entry for key and its price in region.
func (p *Prices) lookup(key, region string) (Price, float64, bool) {
	e, ok := p.Prices[key]
	if !ok {
		return Price{}, 0, false
	}
	v, ok := e.USD[region]
	return e, v, ok
}
