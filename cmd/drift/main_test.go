package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stratus-cdk/stratus/internal/drift"
)

// assemblyDir writes a cloud assembly with a Prod stage of three stacks in
// two regions, as `make synth` lays it out.
func assemblyDir(t *testing.T, prodAccount string) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := func(region string) string {
		a := prodAccount
		if a == "" {
			a = "unknown-account"
		}
		return "aws://" + a + "/" + region
	}
	write("manifest.json", `{"artifacts":{
		"assembly-Prod":{"type":"cdk:cloud-assembly","properties":{"directoryName":"assembly-Prod"}},
		"assembly-Dev":{"type":"cdk:cloud-assembly","properties":{"directoryName":"assembly-Dev"}}}}`)
	write("assembly-Prod/manifest.json", `{"artifacts":{
		"ProdData":{"type":"aws:cloudformation:stack","displayName":"Prod/Data","environment":"`+env("eu-west-1")+`","properties":{"templateFile":"ProdData.template.json","stackName":"Prod-Data"}},
		"ProdApp":{"type":"aws:cloudformation:stack","displayName":"Prod/App","environment":"`+env("eu-west-1")+`","properties":{"templateFile":"ProdApp.template.json","stackName":"Prod-App"}},
		"ProdEdge":{"type":"aws:cloudformation:stack","displayName":"Prod/Edge","environment":"`+env("us-east-1")+`","properties":{"templateFile":"ProdEdge.template.json","stackName":"Prod-Edge"}}}}`)
	write("assembly-Dev/manifest.json", `{"artifacts":{
		"DevApp":{"type":"aws:cloudformation:stack","displayName":"Dev/App","environment":"`+env("eu-west-1")+`","properties":{"templateFile":"DevApp.template.json","stackName":"Dev-App"}}}}`)
	return dir
}

func TestStageStacksComeFromTheAssemblyWithTheirRegions(t *testing.T) {
	stacks, account, err := stageStacks(assemblyDir(t, "444444444444"), "Prod")
	if err != nil {
		t.Fatal(err)
	}
	want := []drift.Stack{{Name: "Prod-App", Region: "eu-west-1"}, {Name: "Prod-Data", Region: "eu-west-1"}, {Name: "Prod-Edge", Region: "us-east-1"}}
	if !slices.Equal(stacks, want) || account != "444444444444" {
		t.Errorf("stacks %v in %q, want %v in 444444444444", stacks, account, want)
	}
	if _, account, _ := stageStacks(assemblyDir(t, ""), "Prod"); account != "" {
		t.Errorf("an environment-agnostic stage names account %q", account)
	}
}

func TestAnUnknownStageIsAUsageError(t *testing.T) {
	dir := assemblyDir(t, "")
	code, err := run(t.Context(), []string{"-assembly", dir, "Qa"}, &bytes.Buffer{})
	var ue usageError
	if code != 2 || !errors.As(err, &ue) || !strings.Contains(err.Error(), `no stage "Qa"`) || !strings.Contains(err.Error(), "stages: Dev, Prod") {
		t.Fatalf("code %d, err %v", code, err)
	}
	if code, err := run(t.Context(), []string{"-assembly", dir}, &bytes.Buffer{}); code != 2 || err == nil {
		t.Errorf("no stage: code %d, err %v", code, err)
	}
}

func TestRenderNamesEachDriftedPropertyAndTheVerdict(t *testing.T) {
	r := drift.Report{Stacks: []drift.StackResult{
		{Stack: drift.Stack{Name: "Prod-Data", Region: "eu-west-1"}, Status: drift.InSync},
		{Stack: drift.Stack{Name: "Prod-Edge", Region: "us-east-1"}, Status: drift.NotDeployed},
		{Stack: drift.Stack{Name: "Prod-App", Region: "eu-west-1"}, Status: drift.Drifted, Resources: []drift.Resource{
			{LogicalID: "ApiPolicy", Type: "AWS::IAM::Policy", Status: "MODIFIED", Class: drift.IAM,
				Properties: []drift.Property{{Path: "/PolicyDocument/Statement/0/Action/1", Actual: `"s3:*"`, Difference: "ADD"}}},
			{LogicalID: "Worker", Type: "AWS::Lambda::Function", Status: "MODIFIED", Class: drift.Other,
				Properties: []drift.Property{{Path: "/Tags/1", Actual: `{"Key":"team","Value":"` + strings.Repeat("x", 100) + `"}`, Difference: "ADD"}}},
			{LogicalID: "Queue", Type: "AWS::SQS::Queue", Status: "DELETED", Class: drift.Stateful},
		}},
	}}
	var b bytes.Buffer
	render(&b, r)
	out := b.String()
	for _, want := range []string{
		"Prod-Edge  us-east-1  not deployed yet",
		"Prod-App   eu-west-1  drifted: 2 failing, 1 warning",
		"FAIL    Prod-App  ApiPolicy   AWS::IAM::Policy       iam       MODIFIED  /PolicyDocument/Statement/0/Action/1  ADD         -         \"s3:*\"",
		"WARN    Prod-App  Worker",
		"xxx…",
		"FAIL    Prod-App  Queue       AWS::SQS::Queue        stateful  DELETED   -",
		"drift gate FAILED: 2 failing drifted resources (stateful or IAM), 1 warnings, 0 stacks not checked",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	b.Reset()
	render(&b, drift.Report{Stacks: r.Stacks[:2]})
	if !strings.Contains(b.String(), "drift gate passed: 0 warnings") {
		t.Errorf("in sync and not deployed must pass:\n%s", b.String())
	}
}
