package test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/analysis/assembly"
	"github.com/stratus-cdk/stratus/stacks"
)

// selectedAssemblyDirs holds, by stage name, the cloud assembly of the app
// built with that stage selected (`cdk synth -c stage=<Stage>`), with the
// settings of the full synth (an account, so the full app has its Pipeline
// stack).
var selectedAssemblyDirs = map[string]string{}

// synthSelected synthesizes the app once per selectable stage, below tmp.
// CloudFormation Validate is off here: it reads templates, never writes them,
// and the full synth of TestMain runs it on the same stacks.
func synthSelected(ctx map[string]any, tmp string) error {
	for _, name := range stacks.StageNames() {
		dir := filepath.Join(tmp, name)
		app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(dir),
			BuiltinCloudFormationValidation: jsii.Bool(false)})
		if _, err := stacks.Build(app, stacks.Options{Account: testAccount, Stage: name}); err != nil {
			return err
		}
		selectedAssemblyDirs[name] = *app.Synth(nil).Directory()
	}
	return nil
}

// `make synth STAGE=Dev` (and Staging, Prod) writes that stage's stacks and
// nothing else, not even the Pipeline stack an account adds to a full synth,
// and each of their templates is byte for byte the one a full synth writes.
func TestSelectedStageEqualsItsFullSynth(t *testing.T) {
	full := stacksByPath(t, assemblyDir)
	for _, name := range stacks.StageNames() {
		t.Run(name, func(t *testing.T) {
			got := stacksByPath(t, selectedAssemblyDirs[name])
			var want, have []string
			for path, s := range full {
				if s.Stage == name {
					want = append(want, path)
				}
			}
			for path := range got {
				have = append(have, path)
			}
			slices.Sort(want)
			slices.Sort(have)
			if len(want) == 0 || !slices.Equal(want, have) {
				t.Fatalf("-c stage=%s built the stacks %v, want exactly %v", name, have, want)
			}
			for _, path := range want {
				a, err := os.ReadFile(full[path].Template)
				if err != nil {
					t.Fatal(err)
				}
				b, err := os.ReadFile(got[path].Template)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(a, b) {
					t.Errorf("%s: the template of -c stage=%s differs from the full synth's (%s, %s)",
						path, name, full[path].Template, got[path].Template)
				}
				if len(got[path].Errors) > 0 {
					t.Errorf("%s: %v", path, got[path].Errors)
				}
			}
		})
	}
}

func stacksByPath(t *testing.T, dir string) map[string]assembly.Stack {
	t.Helper()
	list, err := assembly.Stacks(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]assembly.Stack{}
	for _, s := range list {
		out[s.Path()] = s
	}
	return out
}
