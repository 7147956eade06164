// Command synthsummary prints one line per synthesized stack of a cloud
// assembly: stage, stack, resource count and the monthly cost at idle
// (deployed, no traffic; package cost, `make cost` for the details). Then it
// warns of what no template can fix (see tlsWarning).
//
//	go run ./cmd/synthsummary cdk.out
package main

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/stratus-cdk/stratus/analysis/cost"
	"github.com/stratus-cdk/stratus/internal/analysis/assembly"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: synthsummary CLOUD_ASSEMBLY_DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "synthsummary:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	stacks, err := assembly.Stacks(dir)
	if err != nil {
		return err
	}
	// The cost column is a courtesy: an assembly the estimate cannot price
	// (a region outside the price table) still gets its summary.
	idle := map[string]float64{}
	est, costErr := cost.Estimate(dir, cost.Options{})
	if costErr == nil {
		for _, s := range est.Stacks {
			idle[s.Stack.Path()] = s.Idle
		}
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "STAGE\tSTACK\tACCOUNT\tREGION\tRESOURCES\tIDLE USD/MONTH")
	total, totalIdle := 0, 0.0
	var warnings []string
	for _, s := range stacks {
		t, err := assembly.ReadTemplate(s.Template)
		if err != nil {
			return err
		}
		warnings = append(warnings, tlsWarnings(s, t)...)
		stage := s.Stage
		if stage == "" {
			stage = "-"
		}
		month := "-"
		if v, ok := idle[s.Path()]; ok {
			month = fmt.Sprintf("%.2f", v)
			totalIdle += v
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", stage, s.Name, orWhere(s.Account, "any (no account)"), orWhere(s.Region, "the CLI's default"), len(t.Resources), month)
		total += len(t.Resources)
	}
	fmt.Fprintf(w, "\t%d stacks\t\t\t%d\t%.2f\n", len(stacks), total, totalIdle)
	if err := w.Flush(); err != nil {
		return err
	}
	if costErr != nil {
		fmt.Printf("idle cost not estimated: %v\n", costErr)
	} else {
		fmt.Printf("idle: deployed with no traffic, USD list prices as of %s; `make cost` for every line and a usage profile\n", est.Prices.AsOf)
	}
	for _, w := range warnings {
		fmt.Println("warning:", w)
	}
	return nil
}

// orWhere is v, or what an environment-agnostic stack gets instead.
func orWhere(v, instead string) string {
	if v == "" {
		return instead
	}
	return v
}

// tlsWarnings are the distributions of stack that serve users (a web ACL
// guards them) on CloudFront's default certificate, *.cloudfront.net: its
// MinimumProtocolVersion cannot be set, so TLS 1.0 and 1.1 stay accepted
// until the stage has a custom domain. (Not a construct annotation: the
// CloudFormation Validate plugin counts an unacknowledged warning as a
// violation, which would stop the stage from synthesizing at all.)
func tlsWarnings(s assembly.Stack, t *assembly.Template) []string {
	var out []string
	for _, id := range t.LogicalIDs() {
		r := t.Resources[id]
		if r.Type != "AWS::CloudFront::Distribution" || r.Prop("DistributionConfig", "WebACLId") == nil ||
			r.Prop("DistributionConfig", "ViewerCertificate", "AcmCertificateArn") != nil {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s serves on CloudFront's default certificate, which accepts TLS 1.0 and 1.1: "+
			"give the stage a custom domain (-c domain=… -c hostedZoneId=…) to refuse anything older than TLS 1.2", s.Path(), id))
	}
	return out
}
