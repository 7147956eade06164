package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stratus-cdk/stratus/internal/analysis/drift"
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
	stacks, _, account, err := stageStacks(assemblyDir(t, "444444444444"), "Prod", "")
	if err != nil {
		t.Fatal(err)
	}
	want := []drift.Stack{{Name: "Prod-App", Region: "eu-west-1"}, {Name: "Prod-Data", Region: "eu-west-1"}, {Name: "Prod-Edge", Region: "us-east-1"}}
	if !slices.Equal(stacks, want) || account != "444444444444" {
		t.Errorf("stacks %v in %q, want %v in 444444444444", stacks, account, want)
	}
	if _, _, account, _ := stageStacks(assemblyDir(t, ""), "Prod", ""); account != "" {
		t.Errorf("an environment-agnostic stage names account %q", account)
	}
}

// A stage whose backup vault is in a backup account: without -account its
// stacks are in two accounts, a usage error; with the stage's account the
// gate checks that account's stacks and names the other apart.
func TestStacksOfAnotherAccountAreNamedApart(t *testing.T) {
	dir := assemblyDir(t, "444444444444")
	manifest := filepath.Join(dir, "assembly-Prod", "manifest.json")
	raw, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	withBackup := strings.Replace(string(raw), `"ProdData":`, `"ProdBackupAccount":{"type":"aws:cloudformation:stack","displayName":"Prod/BackupAccount",`+
		`"environment":"aws://555555555555/eu-west-1","properties":{"templateFile":"ProdBackupAccount.template.json","stackName":"Prod-BackupAccount"}},
		"ProdData":`, 1)
	if err := os.WriteFile(manifest, []byte(withBackup), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := stageStacks(dir, "Prod", ""); err == nil || !strings.Contains(err.Error(), "several accounts") {
		t.Errorf("two accounts without -account: %v, want the several-accounts error", err)
	}
	stacks, others, account, err := stageStacks(dir, "Prod", "444444444444")
	if err != nil {
		t.Fatal(err)
	}
	if len(stacks) != 3 || account != "444444444444" || len(others) != 1 || others[0].StackName != "Prod-BackupAccount" {
		t.Errorf("stacks %v in %s, others %v: want Prod's three, and Prod-BackupAccount apart", stacks, account, others)
	}
	stacks, others, _, err = stageStacks(dir, "Prod", "555555555555")
	if err != nil || len(stacks) != 1 || stacks[0].Name != "Prod-BackupAccount" || len(others) != 3 {
		t.Errorf("the backup account's: %v, others %d, err %v", stacks, len(others), err)
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

// fakeAWS answers STS's GetCallerIdentity for account and CloudFormation's
// drift calls from internal/analysis/drift's recorded responses: Prod-App's IAM
// policy drifted, the other stacks in sync. Every SDK client of run reaches
// it through AWS_ENDPOINT_URL.
func fakeAWS(t *testing.T, account string) {
	t.Helper()
	recorded := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", "internal", "analysis", "drift", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var mu sync.Mutex
	detection := map[string]string{} // detection id → stack
	polls := map[string]int{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		switch r.PostForm.Get("Action") {
		case "GetCallerIdentity":
			fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
				`<Arn>arn:aws:iam::%s:user/alice</Arn><UserId>AIDAEXAMPLE</UserId><Account>%s</Account>`+
				`</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`, account, account)
		case "DetectStackDrift":
			stack := r.PostForm.Get("StackName")
			id := "detection-" + stack
			detection[id] = stack
			fmt.Fprintf(w, `<DetectStackDriftResponse><DetectStackDriftResult><StackDriftDetectionId>%s</StackDriftDetectionId></DetectStackDriftResult></DetectStackDriftResponse>`, id)
		case "DescribeStackDriftDetectionStatus":
			id := r.PostForm.Get("StackDriftDetectionId")
			polls[id]++
			switch {
			case polls[id] == 1:
				w.Write(recorded("status-in-progress.xml"))
			case detection[id] == "Prod-App":
				w.Write(recorded("status-drifted.xml"))
			default:
				w.Write(recorded("status-in-sync.xml"))
			}
		case "DescribeStackResourceDrifts":
			w.Write(recorded("drifts-iam-policy.xml"))
		default:
			http.Error(w, "unexpected", http.StatusBadRequest)
		}
	}))
	t.Cleanup(ts.Close)
	t.Setenv("AWS_ENDPOINT_URL", ts.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
}

// The whole command, against the fake: Prod-App's drifted IAM policy fails
// the gate (exit 1) and is named with its property; in-sync stacks pass.
func TestRunFailsOnIAMDriftAndNamesTheProperty(t *testing.T) {
	fakeAWS(t, "444444444444")
	var out bytes.Buffer
	code, err := run(t.Context(), []string{"-assembly", assemblyDir(t, "444444444444"), "-poll", "1ms", "Prod"}, &out)
	if err != nil || code != 1 {
		t.Fatalf("code %d, err %v, want 1:\n%s", code, err, out.String())
	}
	for _, want := range []string{
		"drift gate: Prod, 3 stacks, account 444444444444",
		"Prod-Data  eu-west-1  in sync",
		"Prod-Edge  us-east-1  in sync",
		"drifted: 1 failing, 0 warning",
		"FAIL    Prod-App  ApiHandlerServiceRoleDefaultPolicy7C5A3B12  AWS::IAM::Policy  iam    MODIFIED  /PolicyDocument/Statement/0/Action/1  ADD",
		"drift gate FAILED",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// Credentials of another account than the stage's are a usage error: the
// stacks would all look "not deployed yet" there.
func TestRunRefusesCredentialsOfAnotherAccount(t *testing.T) {
	fakeAWS(t, "999999999999")
	code, err := run(t.Context(), []string{"-assembly", assemblyDir(t, "444444444444"), "Prod"}, &bytes.Buffer{})
	var ue usageError
	if code != 2 || !errors.As(err, &ue) || !strings.Contains(err.Error(), "credentials are for account 999999999999, Prod is deployed in 444444444444") {
		t.Fatalf("code %d, err %v", code, err)
	}
	// -account picks the stacks of that account (the pipeline passes
	// DRIFT_ACCOUNT): none of Prod's is in 999999999999, a usage error
	// rather than three stacks "not deployed yet" that would pass.
	code, err = run(t.Context(), []string{"-assembly", assemblyDir(t, "444444444444"), "-account", "999999999999", "-poll", "1ms", "Prod"}, &bytes.Buffer{})
	if code != 2 || !errors.As(err, &ue) || !strings.Contains(err.Error(), "none of Prod's stacks is in account 999999999999") {
		t.Errorf("with -account of no stack of the stage: code %d, err %v", code, err)
	}
	// For an environment-agnostic stage, -account is the account to check in.
	code, err = run(t.Context(), []string{"-assembly", assemblyDir(t, ""), "-account", "999999999999", "-poll", "1ms", "Prod"}, &bytes.Buffer{})
	if code != 1 || err != nil {
		t.Errorf("an account-agnostic stage with -account of the credentials: code %d, err %v, want the check to run (1)", code, err)
	}
}
