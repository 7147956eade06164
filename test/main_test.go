// Package test holds the stack-level tests: golden snapshots of every
// template of every stage, cdk-nag and CloudFormation Validate compliance,
// and checks of the wiring between stacks. The app is synthesized once, with
// the feature flags of cdk.json and validation on, exactly as `make synth`.
package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/stacks"
)

// testAccount stands in for a real account id.
const testAccount = "111111111111"

var (
	built       *stacks.App
	assemblyDir string // the cloud assembly directory
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
	ctx, err := cdkContext("cdk.json")
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
	// A fixed account, so the pipeline stack is built too, and the
	// Availability Zones CDK would otherwise look up for it: synth stays
	// offline and deterministic.
	ctx["availability-zones:account="+testAccount+":region="+stacks.DefaultRegion] = []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(dir)})
	built = stacks.Build(app, stacks.Options{Account: testAccount})
	assemblyDir = *app.Synth(nil).Directory()
	return m.Run()
}

// cdkContext reads the "context" of cdk.json: the feature flags the CLI
// would hand to the app.
func cdkContext(path string) (map[string]interface{}, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cfg struct {
		Context map[string]interface{} `json:"context"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return cfg.Context, nil
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
