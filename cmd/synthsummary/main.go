// Command synthsummary prints one line per synthesized stack of a cloud
// assembly: stage, stack and resource count.
//
//	go run ./cmd/synthsummary cdk.out
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"

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
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "STAGE\tSTACK\tRESOURCES")
	total := 0
	for _, s := range stacks {
		n, err := resources(s.Template)
		if err != nil {
			return err
		}
		stage := s.Stage
		if stage == "" {
			stage = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%d\n", stage, s.Name, n)
		total += n
	}
	fmt.Fprintf(w, "\t%d stacks\t%d\n", len(stacks), total)
	return w.Flush()
}

func resources(template string) (int, error) {
	raw, err := os.ReadFile(template)
	if err != nil {
		return 0, err
	}
	var t struct {
		Resources map[string]json.RawMessage `json:"Resources"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return 0, fmt.Errorf("%s: %v", template, err)
	}
	return len(t.Resources), nil
}
