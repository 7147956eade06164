// Command diagram draws the architecture of a synthesized cloud assembly
// (cdk.out) from its templates and tree.json: Mermaid on standard output,
// optionally an SVG file and the README's Mermaid block.
//
//	go run ./cmd/diagram [-detail Prod] [-svg docs/architecture.svg] [-readme README.md] CLOUD_ASSEMBLY_DIR
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/stratus-cdk/stratus/analysis/diagram"
	"github.com/stratus-cdk/stratus/internal/analysis/mdblock"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "diagram:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("diagram", flag.ContinueOnError)
	detail := fs.String("detail", "", "comma-separated stages (or top-level stacks) to draw resource by resource; the others are one box each (default: all)")
	svg := fs.String("svg", "", "also write the diagram as SVG to this file")
	readme := fs.String("readme", "", "also rewrite the block between <!-- diagram:begin --> and <!-- diagram:end --> of this Markdown file")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: diagram [flags] CLOUD_ASSEMBLY_DIR")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("want one cloud assembly directory, got %d arguments", fs.NArg())
	}
	var opts diagram.Options
	if *detail != "" {
		opts.Detail = strings.Split(*detail, ",")
	}
	g, err := diagram.Build(fs.Arg(0), opts)
	if err != nil {
		return err
	}
	mermaid := g.Mermaid()
	fmt.Print(mermaid)
	if *svg != "" {
		out, err := g.SVG(context.Background())
		if err != nil {
			return err
		}
		if err := os.WriteFile(*svg, out, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "wrote %s\n", *svg)
	}
	if *readme != "" {
		if err := mdblock.ReplaceInFile(*readme, "diagram", diagram.MarkdownBlock(mermaid)); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "wrote the diagram into %s\n", *readme)
	}
	return nil
}
