package test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/analysis/cost"
	"github.com/stratus-cdk/stratus/internal/analysis/assembly"
	"github.com/stratus-cdk/stratus/internal/analysis/cfnlint"
	"github.com/stratus-cdk/stratus/internal/synth/nag"
	"github.com/stratus-cdk/stratus/stacks"
)

// previewCreated is the fixed creation date the preview synths are given.
const previewCreated = "2026-12-07"

// oddBranches are branch names a sanitizer gets wrong: other scripts,
// separators, a leading digit, far too long.
var oddBranches = []string{
	"feature/ÜBER_long_" + strings.Repeat("very_", 12) + "name",
	"123-start-with-digit",
	strings.Repeat("x", 200),
	"Release/2026.12--Hotfix__#42",
}

var (
	// previewDir is the assembly of `make synth PREVIEW=demo-branch`
	// (Build with Options.Preview, validation on, as make synth runs it).
	previewDir string
	preview    *stacks.Stage
	// oddDir holds the preview stages of oddBranches, in one app under
	// cdk-nag (validation off: the names are what this synth checks).
	oddDir      string
	oddPreviews []*stacks.Stage
)

// synthPreviews synthesizes the demo-branch preview and the previews of
// oddBranches below tmp.
func synthPreviews(ctx map[string]any, tmp string) error {
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(filepath.Join(tmp, "demo"))})
	b, err := stacks.Build(app, stacks.Options{Account: testAccount, Preview: "demo-branch", PreviewCreated: previewCreated})
	if err != nil {
		return err
	}
	if b.Dev != nil || b.Staging != nil || b.Prod != nil || b.Pipeline != nil || b.Preview == nil {
		return fmt.Errorf("-c preview=demo-branch built more or less than the preview: %+v", b)
	}
	preview = b.Preview
	previewDir = *app.Synth(nil).Directory()

	app = awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(filepath.Join(tmp, "odd")),
		BuiltinCloudFormationValidation: jsii.Bool(false)})
	for _, branch := range oddBranches {
		cfg, err := stacks.Preview(branch)
		if err != nil {
			return err
		}
		s := stacks.NewStage(app, cfg, stacks.Options{Account: testAccount, PreviewCreated: previewCreated})
		nag.Check(s.Stage, nag.AwsSolutions, nag.Serverless)
		oddPreviews = append(oddPreviews, s)
	}
	oddDir = *app.Synth(nil).Directory()
	return nil
}

// previewStacks lists the stacks of every preview synthesized here.
func previewStacks(t *testing.T) []assembly.Stack {
	t.Helper()
	var out []assembly.Stack
	for _, dir := range []string{previewDir, oddDir} {
		list, err := assembly.Stacks(dir)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, list...)
	}
	if len(out) != 3*(1+len(oddBranches)) {
		t.Fatalf("%d preview stacks, want Data, App and Web of %d previews", len(out), 1+len(oddBranches))
	}
	return out
}

// rawResources reads every resource of a template with all its attributes.
func rawResources(t *testing.T, file string) map[string]map[string]any {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources map[string]map[string]any `json:"Resources"`
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl.Resources
}

// `make preview-destroy` leaves nothing behind: every resource of every
// preview template (not a sample) is deleted with its stack, on delete and
// on replacement; buckets empty themselves; keys go after KMS's shortest
// window; no deletion protection, no backup plan.
func TestPreviewLeavesNothingBehind(t *testing.T) {
	for _, s := range previewStacks(t) {
		resources := rawResources(t, s.Template)
		emptied := map[string]bool{}
		for _, r := range resources {
			if r["Type"] == "Custom::S3AutoDeleteObjects" {
				ref, _ := property(resource{Properties: asMap(r["Properties"])}, "BucketName").(map[string]any)
				emptied[fmt.Sprint(ref["Ref"])] = true
			}
		}
		for id, r := range resources {
			typ, _ := r["Type"].(string)
			props := asMap(r["Properties"])
			where := s.Path() + " " + id + " (" + typ + ")"
			for _, policy := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
				if r[policy] != "Delete" {
					t.Errorf("%s: %s %v, want Delete", where, policy, r[policy])
				}
			}
			switch {
			case typ == "AWS::S3::Bucket" && !emptied[id]:
				t.Errorf("%s: no Custom::S3AutoDeleteObjects empties it (autoDeleteObjects)", where)
			case typ == "AWS::KMS::Key" && props["PendingWindowInDays"] != 7.0:
				t.Errorf("%s: PendingWindowInDays %v, want 7", where, props["PendingWindowInDays"])
			case (typ == "AWS::RDS::DBCluster" || typ == "AWS::RDS::DBInstance") && props["DeletionProtection"] == true:
				t.Errorf("%s: DeletionProtection on", where)
			case typ == "AWS::Cognito::UserPool" && props["DeletionProtection"] == "ACTIVE":
				t.Errorf("%s: DeletionProtection ACTIVE", where)
			case strings.HasPrefix(typ, "AWS::Backup::"):
				t.Errorf("%s: a preview has no backup plan", where)
			}
		}
	}
}

// The preview never shares a database, user pool or bucket with Dev: its
// stacks are its own (named after the branch), hold their own cluster,
// user pool and buckets, and import nothing from another stage.
func TestPreviewSharesNothingWithDev(t *testing.T) {
	counts := map[string]int{}
	for _, s := range stacksOf(t, previewDir) {
		if s.Stage != "Preview-demo-branch" || !strings.HasPrefix(s.StackName, "Preview-demo-branch-") {
			t.Errorf("%s: stack name %q does not carry the branch", s.Path(), s.StackName)
		}
		raw, err := os.ReadFile(s.Template)
		if err != nil {
			t.Fatal(err)
		}
		for _, other := range []string{"Dev-", "Staging-", "Prod-", "DevData", "DevApp"} {
			if strings.Contains(string(raw), `"`+other) {
				t.Errorf("%s refers to %s…: a preview shares nothing with another stage", s.Path(), other)
			}
		}
		for _, r := range readTemplate(t, s.Template).Resources {
			counts[r.Type]++
		}
	}
	for typ, want := range map[string]int{"AWS::RDS::DBCluster": 1, "AWS::Cognito::UserPool": 1, "AWS::S3::Bucket": 4} {
		if counts[typ] != want {
			t.Errorf("the preview has %d %s, want its own %d", counts[typ], typ, want)
		}
	}
	for _, st := range preview.Stacks() {
		tags := *st.Tags().TagValues()
		if *tags[stacks.PreviewCreatedTag] != previewCreated || *tags[stacks.PreviewTag] != "demo-branch" {
			t.Errorf("%s: tags %v, want %s=%s and %s=demo-branch", stackID(st), tags, stacks.PreviewCreatedTag, previewCreated, stacks.PreviewTag)
		}
	}
}

func stacksOf(t *testing.T, dir string) []assembly.Stack {
	t.Helper()
	list, err := assembly.Stacks(dir)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// nameLimit is what a service accepts as a name: the longest and the
// characters allowed.
type nameLimit struct {
	max   int
	chars *regexp.Regexp
}

// nameLimits are the limits of every name property the preview templates
// set, by resource type and property. CloudFormation generates the names
// the templates leave out (buckets, functions, roles, queues, topics, the
// cluster, parameters, secrets) from the stack name and cuts them to each
// service's limit; TestPreviewNamesWithinLimits bounds the stack names.
var nameLimits = map[string]nameLimit{
	"AWS::ApiGateway::RestApi.Name":                     {1024, regexp.MustCompile(`^[ -~]+$`)},
	"AWS::ApiGateway::Authorizer.Name":                  {1024, regexp.MustCompile(`^[ -~]+$`)},
	"AWS::CloudFront::Function.Name":                    {64, regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)},
	"AWS::IAM::Policy.PolicyName":                       {128, regexp.MustCompile(`^[\w+=,.@-]+$`)},
	"AWS::IAM::Role.RoleName":                           {64, regexp.MustCompile(`^[\w+=,.@-]+$`)},
	"AWS::Lambda::Function.FunctionName":                {64, regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)},
	"AWS::S3::Bucket.BucketName":                        {63, regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`)},
	"AWS::SQS::Queue.QueueName":                         {80, regexp.MustCompile(`^[a-zA-Z0-9_-]+(\.fifo)?$`)},
	"AWS::SNS::Topic.TopicName":                         {256, regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)},
	"AWS::SNS::Topic.DisplayName":                       {100, regexp.MustCompile(`^.+$`)},
	"AWS::RDS::DBCluster.DBClusterIdentifier":           {63, regexp.MustCompile(`^[a-z](-?[a-z0-9])*$`)},
	"AWS::RDS::DBCluster.DatabaseName":                  {63, regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]*$`)},
	"AWS::Logs::LogGroup.LogGroupName":                  {512, regexp.MustCompile(`^[\w./#-]+$`)},
	"AWS::SSM::Parameter.Name":                          {2048, regexp.MustCompile(`^[\w./-]+$`)},
	"AWS::SecretsManager::Secret.Name":                  {512, regexp.MustCompile(`^[\w/+=.@-]+$`)},
	"AWS::Cognito::UserPoolDomain.Domain":               {63, regexp.MustCompile(`^[a-z0-9](-?[a-z0-9])*$`)},
	"AWS::Serverless::Application.functionName":         {64, regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)},
	"AWS::CloudFormation::Stack (stack name)":           {128, regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`)},
	"AWS::CloudFormation::Stack (tag stratus:...)":      {256, regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+@-]*$`)},
	"AWS::ApiGateway::Stage.StageName":                  {128, regexp.MustCompile(`^[a-zA-Z0-9_]+$`)},
	"AWS::CloudWatch::Alarm.MetricName":                 {255, regexp.MustCompile(`^.+$`)},
	"AWS::CloudWatch::Alarm.Namespace":                  {255, regexp.MustCompile(`^.+$`)},
	"AWS::EC2::VPCEndpoint.ServiceName":                 {255, regexp.MustCompile(`^[\w.-]+$`)},
	"AWS::Lambda::EventSourceMapping.FunctionName":      {140, regexp.MustCompile(`^.+$`)},
	"AWS::Lambda::Permission.FunctionName":              {140, regexp.MustCompile(`^.+$`)},
	"AWS::EC2::FlowLog.LogGroupName":                    {512, regexp.MustCompile(`^[\w./#-]+$`)},
	"AWS::RDS::DBCluster.DBClusterParameterGroupName":   {255, regexp.MustCompile(`^.+$`)},
	"AWS::RDS::DBCluster.DBSubnetGroupName":             {255, regexp.MustCompile(`^.+$`)},
	"AWS::RDS::DBInstance.DBClusterIdentifier":          {63, regexp.MustCompile(`^.+$`)},
	"Custom::CDKBucketDeployment.DestinationBucketName": {63, regexp.MustCompile(`^.+$`)},
	"Custom::S3AutoDeleteObjects.BucketName":            {63, regexp.MustCompile(`^.+$`)},
	"Custom::S3BucketNotifications.BucketName":          {63, regexp.MustCompile(`^.+$`)},
}

// literal is the text of a name as far as synth knows it: the string, or
// the literal parts of a Fn::Join, with each reference standing for the
// longest name it can resolve to (maxRef, a placeholder of allowed
// characters). ok is false for a reference alone, which names a resource
// checked where it is defined.
func literal(v any) (s string, ok bool) {
	const maxRef = "r" // a resolved part is checked at its own definition
	switch v := v.(type) {
	case string:
		return v, true
	case map[string]any:
		join, isJoin := v["Fn::Join"].([]any)
		if !isJoin || len(join) != 2 {
			return "", false
		}
		parts, _ := join[1].([]any)
		var b strings.Builder
		for i, p := range parts {
			if i > 0 {
				b.WriteString(fmt.Sprint(join[0]))
			}
			if str, isStr := p.(string); isStr {
				b.WriteString(str)
			} else {
				b.WriteString(maxRef)
			}
		}
		return b.String(), true
	}
	return "", false
}

// Every name in every preview template, for the demo branch and for long
// and odd branch names, is within its service's length and character
// limits; the stack names carry the sanitized branch and leave the names
// CloudFormation generates from them room (the stack name is at most 51
// characters). A name property this test has no limit for fails it.
func TestPreviewNamesWithinLimits(t *testing.T) {
	check := func(where, key, name string) {
		limit, known := nameLimits[key]
		switch {
		case !known:
			t.Errorf("%s: %s %q: add its service's limit to nameLimits", where, key, name)
		case len(name) > limit.max || !limit.chars.MatchString(name):
			t.Errorf("%s: %s %q (%d characters) is outside its limits: at most %d, %s", where, key, name, len(name), limit.max, limit.chars)
		}
	}
	names := map[string]string{"demo-branch": "demo-branch"}
	for _, b := range oddBranches {
		n, err := stacks.PreviewName(b)
		if err != nil {
			t.Fatal(err)
		}
		names[b] = n
	}
	for _, s := range previewStacks(t) {
		check(s.Path(), "AWS::CloudFormation::Stack (stack name)", s.StackName)
		if len(s.StackName) > len(stacks.PreviewPrefix)+stacks.MaxPreviewName+len("-BackupCopy") {
			t.Errorf("%s: stack name %q is longer than the bound MaxPreviewName promises", s.Path(), s.StackName)
		}
		carried := false
		for _, n := range names {
			carried = carried || strings.HasPrefix(s.StackName, stacks.PreviewPrefix+n+"-")
		}
		if !carried {
			t.Errorf("%s: stack name %q carries no preview's name", s.Path(), s.StackName)
		}
		for id, r := range readTemplate(t, s.Template).Resources {
			for prop, v := range r.Properties {
				if prop == "Parameters" && r.Type == "AWS::Serverless::Application" {
					if name, ok := literal(asMap(v)["functionName"]); ok {
						check(s.Path()+" "+id, r.Type+".functionName", name)
					}
					continue
				}
				if !strings.HasSuffix(prop, "Name") && prop != "Domain" && prop != "DBClusterIdentifier" && prop != "Namespace" {
					continue
				}
				if r.Type == "AWS::EC2::EIP" && prop == "Domain" {
					continue // "vpc", not a name
				}
				if name, ok := literal(v); ok {
					check(s.Path()+" "+id, r.Type+"."+prop, name)
				}
			}
		}
	}
	for _, s := range append([]*stacks.Stage{preview}, oddPreviews...) {
		for _, st := range s.Stacks() {
			for _, v := range *st.Tags().TagValues() {
				check(stackID(st), "AWS::CloudFormation::Stack (tag stratus:...)", *v)
			}
		}
	}
}

// The preview passes the gates every stage passes: CloudFormation Validate
// (the synth ran it, with cdk.json's flags), cdk-nag's AwsSolutions and
// Serverless packs, cfn-lint with the committed exceptions, and every one
// of its resource types has a price.
func TestPreviewPassesTheChecks(t *testing.T) {
	checkValidationReport(t, previewDir)
	for _, s := range previewStacks(t) {
		for _, e := range s.Errors {
			t.Errorf("%s: unsuppressed error: %s", s.Path(), e)
		}
	}
	reports, err := filepath.Glob(filepath.Join(previewDir, "*-NagReport.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range preview.Stacks() {
		for _, pack := range []string{"AwsSolutions", "Serverless"} {
			if !slices.ContainsFunc(reports, func(r string) bool {
				base := filepath.Base(r)
				return strings.HasPrefix(base, pack+"-") && strings.HasSuffix(base, "-"+*st.StackName()+"-NagReport.csv")
			}) {
				t.Errorf("%s: no %s report", stackID(st), pack)
			}
		}
	}
	res, err := cost.Estimate(previewDir, cost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if types := res.UnpricedTypes(); len(types) > 0 {
		t.Errorf("preview resource types without a price rule: %v", types)
	}
	bin := cfnlint.Installed()
	if bin == "" {
		t.Fatalf("cfn-lint is not installed: pip install cfn-lint==%s (make test's prerequisites say how)", cfnlint.Version)
	}
	cfg, err := cfnlint.LoadConfig("test/cfn-lint.exceptions.json")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := cfnlint.Run(context.Background(), bin, previewDir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Errors() {
		t.Errorf("cfn-lint: %+v", f)
	}
}
