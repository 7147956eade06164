// Command cost estimates the monthly cost of a synthesized cloud assembly
// (cdk.out), per stage and stack, idle and at a usage profile, from the
// templates and the dated price table of package cost.
//
//	go run ./cmd/cost [flags] CLOUD_ASSEMBLY_DIR
//	go run ./cmd/cost -readme README.md .tmp/cdk.out   # also rewrite the README's cost block
//	go run ./cmd/cost -diff OLD_ASSEMBLY_DIR cdk.out   # what changes between two assemblies
//	go run ./cmd/cost -ref main .tmp/cdk.out           # what changes since a git ref (synthesized like make diff)
//
// The usage profile's flags (-requests, -mau, …) override cost.DefaultProfile().
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/stratus-cdk/stratus/analysis/cost"
	"github.com/stratus-cdk/stratus/internal/analysis/mdblock"
	"github.com/stratus-cdk/stratus/internal/analysis/refsynth"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "cost:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("cost", flag.ContinueOnError)
	profile := cost.DefaultProfile()
	profile.RegisterFlags(fs)
	region := fs.String("region", "", "price environment-agnostic stacks in this region")
	summary := fs.Bool("summary", false, "print only the per-stack totals, not every priced line")
	readme := fs.String("readme", "", "also rewrite the block between <!-- cost:begin --> and <!-- cost:end --> of this Markdown file")
	diff := fs.String("diff", "", "print the cost difference from this other cloud assembly to CLOUD_ASSEMBLY_DIR")
	ref := fs.String("ref", "", "print the cost difference from the app at this git ref (synthesized in a temporary worktree) to CLOUD_ASSEMBLY_DIR")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: cost [flags] CLOUD_ASSEMBLY_DIR")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("want one cloud assembly directory, got %d arguments", fs.NArg())
	}
	dir := fs.Arg(0)
	opts := cost.Options{Profile: &profile, Region: *region}
	if *ref != "" {
		fmt.Fprintf(os.Stderr, "synthesizing %s in a temporary worktree…\n", *ref)
		co, err := refsynth.Ref(context.Background(), ".", *ref, refsynth.Options{})
		if err != nil {
			return err
		}
		defer co.Close()
		*diff = co.Assembly
	}
	if *diff != "" {
		return cost.DiffAssemblies(os.Stdout, *diff, dir, opts)
	}
	res, err := cost.Estimate(dir, opts)
	if err != nil {
		return err
	}
	if err := res.WriteText(os.Stdout, !*summary); err != nil {
		return err
	}
	if *readme != "" {
		if err := mdblock.ReplaceInFile(*readme, "cost", res.Markdown()); err != nil {
			return err
		}
		fmt.Printf("wrote the cost table into %s\n", *readme)
	}
	if types := res.UnpricedTypes(); len(types) > 0 {
		fmt.Fprintf(os.Stderr, "cost: resource types with no price rule (listed as not priced): %v\n", types)
	}
	return nil
}
