package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stratus-cdk/stratus/internal/assembly"
)

// No stack of the assembly carries an error annotation (cdk-nag's
// unsuppressed findings among them): exactly what makes `cdk synth` fail.
func TestNoUnsuppressedErrors(t *testing.T) {
	stacks, err := assembly.Stacks(assemblyDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(stacks) < len(built.Stacks) {
		t.Fatalf("the assembly lists %d stacks, the app built %d", len(stacks), len(built.Stacks))
	}
	for _, s := range stacks {
		for _, e := range s.Errors {
			t.Errorf("%s/%s: unsuppressed error: %s", s.Stage, s.Name, e)
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
	if v, _ := cdkContext("cdk.json"); v["@aws-cdk/core:validateAgainstDefaultRules"] != true {
		t.Fatal(`cdk.json must set "@aws-cdk/core:validateAgainstDefaultRules": true`)
	}
	if os.Getenv("CDK_VALIDATION") == "false" {
		t.Fatal("CDK_VALIDATION=false turns the CloudFormation Validate plugin off; unset it for the stack tests")
	}
	// aws-cdk-lib writes the report only when a validation plugin ran; a
	// plugin that passed cleanly is left out of pluginReports.
	raw, err := os.ReadFile(filepath.Join(assemblyDir, "validation-report.json"))
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
