package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stratus-cdk/stratus/internal/analysis/assembly"
	"github.com/stratus-cdk/stratus/internal/analysis/refsynth"
)

// No stack of the assembly carries an error annotation (cdk-nag's
// unsuppressed findings among them): exactly what makes `cdk synth` fail.
func TestNoUnsuppressedErrors(t *testing.T) {
	for dir, n := range map[string]int{assemblyDir: len(built.Stacks), domainAssemblyDir: len(withDomain.Stacks())} {
		stacks, err := assembly.Stacks(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(stacks) < n {
			t.Fatalf("the assembly lists %d stacks, the app built %d", len(stacks), n)
		}
		for _, s := range stacks {
			for _, e := range s.Errors {
				t.Errorf("%s/%s: unsuppressed error: %s", s.Stage, s.Name, e)
			}
		}
	}
}

// Synth with an account looks nothing up: no manifest of the assembly (the
// app's, each stage's) lists missing context, which `cdk synth` would
// resolve by calling AWS and the pipeline's synth only with a lookup role.
// cdk.json holds no looked-up values that would hide a lookup here.
func TestNoContextLookups(t *testing.T) {
	for _, dir := range []string{assemblyDir, domainAssemblyDir} {
		missing, err := refsynth.MissingContext(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(missing) > 0 {
			t.Errorf("the synth with account %s asks for context lookups: %v", testAccount, missing)
		}
	}
	ctx, err := refsynth.Context("cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	for key := range ctx {
		for _, provider := range []string{"availability-zones:", "hosted-zone:", "ssm:", "vpc-provider:", "ami:", "key-provider:"} {
			if strings.HasPrefix(key, provider) {
				t.Errorf("cdk.json holds the looked-up value %q: the app must not need it", key)
			}
		}
	}
}

// Both cdk-nag packs looked at every stack, each writing its report: aspects
// stop at a Stage's boundary (and CDK Pipelines synthesizes a stage when it
// is added), so packs applied to the app alone would check no stage's stack
// and TestNoUnsuppressedErrors would pass for nothing.
func TestNagPacksCheckedEveryStack(t *testing.T) {
	reports, err := filepath.Glob(filepath.Join(assemblyDir, "*-NagReport.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range built.Stacks {
		for _, pack := range []string{"AwsSolutions", "Serverless"} {
			found := false
			for _, r := range reports {
				base := filepath.Base(r)
				found = found || (strings.HasPrefix(base, pack+"-") && strings.HasSuffix(base, "-"+*s.StackName()+"-NagReport.csv"))
			}
			if !found {
				t.Errorf("%s: no %s report: the pack did not check this stack", stackID(s), pack)
			}
		}
	}
}

// The app synthesizes with "@aws-cdk/core:validateAgainstDefaultRules" on, so
// an unacknowledged CloudFormation Validate finding already fails the synth in
// TestMain; the report must also list no violation.
func TestNoCloudFormationValidateFindings(t *testing.T) {
	if v, _ := refsynth.Context("cdk.json"); v["@aws-cdk/core:validateAgainstDefaultRules"] != true {
		t.Fatal(`cdk.json must set "@aws-cdk/core:validateAgainstDefaultRules": true`)
	}
	if os.Getenv("CDK_VALIDATION") == "false" {
		t.Fatal("CDK_VALIDATION=false turns the CloudFormation Validate plugin off; unset it for the stack tests")
	}
	for _, dir := range []string{assemblyDir, domainAssemblyDir} {
		checkValidationReport(t, dir)
	}
}

func checkValidationReport(t *testing.T, dir string) {
	// aws-cdk-lib writes the report only when a validation plugin ran; a
	// plugin that passed cleanly is left out of pluginReports.
	raw, err := os.ReadFile(filepath.Join(dir, "validation-report.json"))
	if err != nil {
		t.Fatalf("no validation report: the CloudFormation Validate plugin did not run: %v", err)
	}
	var report struct {
		PluginReports []struct {
			PluginName string `json:"pluginName"`
			Violations []struct {
				RuleName            string `json:"ruleName"`
				Description         string `json:"description"`
				ViolatingConstructs []struct {
					ConstructPath string `json:"constructPath"`
				} `json:"violatingConstructs"`
			} `json:"violations"`
		} `json:"pluginReports"`
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatal(err)
	}
	for _, p := range report.PluginReports {
		for _, v := range p.Violations {
			t.Errorf("%s: %s: %s %v", p.PluginName, v.RuleName, v.Description, v.ViolatingConstructs)
		}
	}
}
