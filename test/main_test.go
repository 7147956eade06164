// Package test holds the stack-level tests: golden snapshots of every
// template of every stage, cdk-nag and CloudFormation Validate compliance,
// and checks of the wiring between stacks. The app is synthesized once, with
// the feature flags of cdk.json and validation on, exactly as `make synth`.
package test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/analysis/refsynth"
	"github.com/stratus-cdk/stratus/internal/synth/nag"
	"github.com/stratus-cdk/stratus/stacks"
)

// testAccount stands in for a real account id.
const testAccount = refsynth.Account

// testDomain is the app's domain setting of the domain synth
// (-c domain=app.example.com -c hostedZoneId=…): a reserved name and a zone
// id of the right shape.
var testDomain = stacks.Domain{Name: "app.example.com", HostedZoneId: "Z0123456789EXAMPLE"}

var (
	built       *stacks.App
	assemblyDir string // the cloud assembly directory
	// withDomain is Dev built with testDomain (dev.app.example.com), in an
	// app of its own, synthesized into domainAssemblyDir.
	withDomain        *stacks.Stage
	domainAssemblyDir string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	defer jsii.Close()
	// Function entries and the site's folder are relative to the repository
	// root, where `cdk synth` runs.
	if err := os.Chdir(".."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The settings `make lock` and `make diff` synthesize with: cdk.json's
	// context and a fixed account (so the pipeline stack is built too), so
	// the templates compare with the locks. Nothing is looked up
	// (TestNoContextLookups).
	ctx, err := refsynth.Context("cdk.json")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "stratus-assembly")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(dir)})
	if built, err = stacks.Build(app, stacks.Options{Account: testAccount}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	assemblyDir = *app.Synth(nil).Directory()

	// One stage with a custom domain, under the same checks as Build's.
	domainDir, err := os.MkdirTemp("", "stratus-domain-assembly")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(domainDir)
	app = awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(domainDir)})
	withDomain = stacks.NewStage(app, stacks.Dev(), stacks.Options{Account: testAccount, Domain: testDomain})
	nag.Check(app, nag.AwsSolutions, nag.Serverless)
	domainAssemblyDir = *app.Synth(nil).Directory()

	// Each stage alone, as `make synth STAGE=<Stage>` builds it.
	selectedDir, err := os.MkdirTemp("", "stratus-selected-assembly")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(selectedDir)
	if err := synthSelected(ctx, selectedDir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The previews, as `make synth PREVIEW=<branch>` builds them.
	if err := synthPreviews(ctx, filepath.Join(selectedDir, "previews")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The accounts synth, if a test made it (accounts_test.go).
	defer func() {
		if accountsSynth.outDir != "" {
			os.RemoveAll(accountsSynth.outDir)
		}
	}()
	return m.Run()
}

// stackID is "<Stage>/<Stack>" (just "<Stack>" outside a stage), the name
// snapshots and messages use.
func stackID(s awscdk.Stack) string {
	if stage := *awscdk.Stage_Of(s).StageName(); stage != "" {
		return stage + "/" + *s.Node().Id()
	}
	return *s.Node().Id()
}

// templatePath is where the synthesized template of s lies in the assembly.
func templatePath(s awscdk.Stack) string {
	return filepath.Join(*awscdk.Stage_Of(s).Outdir(), *s.TemplateFile())
}
