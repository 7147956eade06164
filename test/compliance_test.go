package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type assemblyManifest struct {
	Artifacts map[string]struct {
		Type       string `json:"type"`
		Properties struct {
			DirectoryName string `json:"directoryName"`
		} `json:"properties"`
		Metadata map[string][]struct {
			Type string      `json:"type"`
			Data interface{} `json:"data"`
		} `json:"metadata"`
	} `json:"artifacts"`
}

// errorsIn collects the error annotations (cdk-nag's unsuppressed findings
// among them) of every stack in the assembly and its nested stage assemblies:
// exactly what makes `cdk synth` fail.
func errorsIn(t *testing.T, dir string) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m assemblyManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	var out []string
	for id, a := range m.Artifacts {
		if a.Type == "cdk:cloud-assembly" {
			out = append(out, errorsIn(t, filepath.Join(dir, a.Properties.DirectoryName))...)
		}
		for path, entries := range a.Metadata {
			for _, e := range entries {
				if e.Type == "aws:cdk:error" {
					out = append(out, id+" "+path+": "+strings.TrimSpace(toString(e.Data)))
				}
			}
		}
	}
	return out
}

func toString(v interface{}) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestNoUnsuppressedErrors(t *testing.T) {
	for _, e := range errorsIn(t, assembly) {
		t.Errorf("unsuppressed error: %s", e)
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
	raw, err := os.ReadFile(filepath.Join(assembly, "validation-report.json"))
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
