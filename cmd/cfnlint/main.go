// Command cfnlint is `make cfnlint`: cfn-lint on every template of a cloud
// assembly, with the committed exceptions (package internal/analysis/cfnlint). It
// fails on an error no exception excuses and on an exception that excuses
// nothing, and lists the warnings. Where cfn-lint is not installed it fails
// with one line saying how to install it: a lint that did not run must not
// pass for one that found nothing.
//
//	go run ./cmd/cfnlint -exceptions test/cfn-lint.exceptions.json .tmp/cdk.out
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/cfnlint"
)

func main() {
	exceptions := flag.String("exceptions", "test/cfn-lint.exceptions.json", "the committed exceptions, each with its reason")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: cfnlint [-exceptions FILE] CLOUD_ASSEMBLY_DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(context.Background(), flag.Arg(0), *exceptions))
}

func run(ctx context.Context, dir, exceptions string) int {
	bin := cfnlint.Installed()
	if bin == "" {
		fmt.Fprintf(os.Stderr, "cfnlint: cfn-lint is not installed, so the templates cannot be linted: pip install cfn-lint==%s (in a venv on Debian; .ci/run does it)\n", cfnlint.Version)
		return 1
	}
	cfg, err := cfnlint.LoadConfig(exceptions)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cfnlint:", err)
		return 1
	}
	version, err := cfnlint.InstalledVersion(ctx, bin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cfnlint:", err)
		return 1
	}
	if !strings.HasSuffix(version, " "+cfnlint.Version) {
		fmt.Printf("cfnlint: %s is installed; the exceptions were written for %s (pip install cfn-lint==%s)\n",
			version, cfnlint.Version, cfnlint.Version)
	}
	rep, err := cfnlint.Run(ctx, bin, dir, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cfnlint:", err)
		return 1
	}
	rep.Write(os.Stdout, version, exceptions)
	if rep.Failed() {
		fmt.Fprintf(os.Stderr, "cfnlint: %d errors without an exception, %d unused exceptions\n", len(rep.Errors()), len(rep.Unused))
		return 1
	}
	return 0
}
