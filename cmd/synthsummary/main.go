// Command synthsummary prints one line per synthesized stack of a cloud
// assembly: stage, stack, resource count and the monthly cost at idle
// (deployed, no traffic; package cost, `make cost` for the details).
//
//	go run ./cmd/synthsummary cdk.out
package main

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/stratus-cdk/stratus/cost"
	"github.com/stratus-cdk/stratus/internal/assembly"
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
	fmt.Fprintln(w, "STAGE\tSTACK\tRESOURCES\tIDLE USD/MONTH")
	total, totalIdle := 0, 0.0
	for _, s := range stacks {
		t, err := assembly.ReadTemplate(s.Template)
		if err != nil {
			return err
		}
		stage := s.Stage
		if stage == "" {
			stage = "-"
		}
		month := "-"
		if v, ok := idle[s.Path()]; ok {
			month = fmt.Sprintf("%.2f", v)
			totalIdle += v
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", stage, s.Name, len(t.Resources), month)
		total += len(t.Resources)
	}
	fmt.Fprintf(w, "\t%d stacks\t%d\t%.2f\n", len(stacks), total, totalIdle)
	if err := w.Flush(); err != nil {
		return err
	}
	if costErr != nil {
		fmt.Printf("idle cost not estimated: %v\n", costErr)
	} else {
		fmt.Printf("idle: deployed with no traffic, USD list prices as of %s; `make cost` for every line and a usage profile\n", est.Prices.AsOf)
	}
	return nil
}
