package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
)

// Finding is one rule of one pack that found resources not compliant.
type Finding struct {
	Pack, Rule string   // "HIPAA.Security", "WAFv2LoggingEnabled"
	Resources  []string // "Prod/App/ApiWebAcl…", sorted
}

// Read gathers the non-compliant rows of every compliance pack's report in
// the assembly at dir: <pack>-<stage>-<stack>-NagReport.csv.
func Read(dir string) ([]Finding, error) {
	byRule := map[[2]string]map[string]bool{}
	files, err := filepath.Glob(filepath.Join(dir, "*-NagReport.csv"))
	if err != nil {
		return nil, err
	}
	read := 0
	for _, f := range files {
		base := filepath.Base(f)
		pack := ""
		for p := range packs {
			if strings.HasPrefix(base, p+"-") {
				pack = p
			}
		}
		if pack == "" {
			continue
		}
		rows, err := readCSV(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		read++
		for _, r := range rows {
			if r["Compliance"] != "Non-Compliant" {
				continue
			}
			key := [2]string{pack, strings.TrimPrefix(r["Rule ID"], pack+"-")}
			if byRule[key] == nil {
				byRule[key] = map[string]bool{}
			}
			byRule[key][r["Resource ID"]] = true // "Prod/App/…": the stage first
		}
	}
	if read == 0 {
		return nil, fmt.Errorf("no compliance pack report in %s: did the packs run?", dir)
	}
	out := make([]Finding, 0, len(byRule))
	for key, set := range byRule {
		f := Finding{Pack: key[0], Rule: key[1]}
		for r := range set {
			f.Resources = append(f.Resources, r)
		}
		sort.Strings(f.Resources)
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Rule != out[j].Rule {
			return out[i].Rule < out[j].Rule
		}
		return out[i].Pack < out[j].Pack
	})
	return out, nil
}

// readCSV reads a report into rows keyed by the header's column names.
func readCSV(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(records) == 0 {
		return nil, nil
	}
	header := records[0]
	for _, want := range []string{"Rule ID", "Resource ID", "Compliance"} {
		found := false
		for _, h := range header {
			found = found || h == want
		}
		if !found {
			return nil, fmt.Errorf("no %q column in %q: cdk-nag's report format changed", want, header)
		}
	}
	rows := make([]map[string]string, 0, len(records)-1)
	for _, rec := range records[1:] {
		row := map[string]string{}
		for i, h := range header {
			if i < len(rec) {
				row[h] = rec[i]
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// Print writes one line per rule: the packs that raise it and the number
// of resources it finds in each stage.
func Print(w io.Writer, findings []Finding) {
	type line struct {
		packs     []string
		resources map[string]map[string]bool // stage -> resources
	}
	rules := map[string]*line{}
	var order []string
	for _, f := range findings {
		l := rules[f.Rule]
		if l == nil {
			l = &line{resources: map[string]map[string]bool{}}
			rules[f.Rule] = l
			order = append(order, f.Rule)
		}
		l.packs = append(l.packs, f.Pack)
		for _, r := range f.Resources {
			stage, _, _ := strings.Cut(r, "/")
			if l.resources[stage] == nil {
				l.resources[stage] = map[string]bool{}
			}
			l.resources[stage][r] = true
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tPACKS\tDEV\tSTAGING\tPROD")
	for _, rule := range order {
		l := rules[rule]
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\n", rule, strings.Join(l.packs, " "),
			len(l.resources["Dev"]), len(l.resources["Staging"]), len(l.resources["Prod"]))
	}
	tw.Flush()
}

// Regressions names each finding of a fixed rule (fixedRules).
func Regressions(findings []Finding) []string {
	var out []string
	fixed := fixedRules()
	for _, f := range findings {
		if why, ok := fixed[f.Rule]; ok {
			out = append(out, fmt.Sprintf("%s-%s (fixed: %s): %s", f.Pack, f.Rule, why, strings.Join(f.Resources, ", ")))
		}
	}
	return out
}
