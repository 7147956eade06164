package pipeline_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/pipeline"
	"github.com/stratus-cdk/stratus/internal/synth/cdktest"
	"github.com/stratus-cdk/stratus/internal/synth/nag"
)

const (
	pipelineAccount = "111111111111"
	prodAccount     = "222222222222"
	region          = "eu-west-1"
	connectionARN   = "arn:aws:codestar-connections:eu-west-1:111111111111:connection/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
)

// One app for the package: each jsii start costs seconds.
var (
	ccStack, connStack awscdk.Stack
	ccTpl, connTpl     assertions.Template
	invalidPanic       string
)

func env(account string) *awscdk.Environment {
	return &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}
}

// appStage is a tiny stage: one stack with an SSM parameter and an output.
func appStage(scope *awscdk.App, id string, e *awscdk.Environment) (awscdk.Stage, awscdk.CfnOutput) {
	stage := awscdk.NewStage(*scope, jsii.String(id), &awscdk.StageProps{Env: e})
	stack := awscdk.NewStack(stage, jsii.String("App"), nil)
	awsssm.NewStringParameter(stack, jsii.String("Param"), &awsssm.StringParameterProps{StringValue: jsii.String(id)})
	out := awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{Value: jsii.String("https://" + strings.ToLower(id) + ".example.com")})
	return stage, out
}

func TestMain(m *testing.M) {
	cdktest.FastSynth()
	outDir, _ := os.MkdirTemp("", "pipeline-test")
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outDir)})

	// CodeCommit source, staging then production in another account.
	ccStack = awscdk.NewStack(app, jsii.String("CodeCommitPipeline"), &awscdk.StackProps{Env: env(pipelineAccount)})
	nag.Check(ccStack, nag.AwsSolutions)
	p := pipeline.New(ccStack, "Pipeline", &pipeline.Props{
		CodeCommit: &pipeline.CodeCommitSource{RepositoryName: jsii.String("stratus")},
	})
	staging, stagingURL := appStage(&app, "Staging", env(pipelineAccount))
	p.AddStage(staging, &pipeline.StageOptions{
		PostDeployChecks: jsii.Strings(`curl -fsS "$API_URL/health"`),
		CheckOutputs:     map[string]awscdk.CfnOutput{"API_URL": stagingURL},
		DriftCheck:       &pipeline.DriftCheck{Commands: jsii.Strings(`go run ./cmd/drift -role-arn "$DRIFT_ROLE_ARN" Staging`)},
	})
	prod, _ := appStage(&app, "Production", env(prodAccount))
	p.AddStage(prod, &pipeline.StageOptions{
		ManualApproval: jsii.Bool(true),
		DriftCheck:     &pipeline.DriftCheck{Commands: jsii.Strings(`go run ./cmd/drift -role-arn "$DRIFT_ROLE_ARN" Production`)},
	})

	// Connection source, an existing topic, one stage.
	connStack = awscdk.NewStack(app, jsii.String("ConnectionPipeline"), &awscdk.StackProps{Env: env(pipelineAccount)})
	nag.Check(connStack, nag.AwsSolutions)
	c := pipeline.New(connStack, "Pipeline", &pipeline.Props{
		Connection: &pipeline.ConnectionSource{
			ConnectionArn: jsii.String(connectionARN),
			Repo:          jsii.String("stratus-cdk/stratus"),
			Branch:        jsii.String("release"),
		},
		ExistingNotificationTopic: awssns.Topic_FromTopicArn(connStack, jsii.String("Ops"),
			jsii.String("arn:aws:sns:eu-west-1:111111111111:ops")),
		Synth: &pipeline.SynthOptions{
			InstallCommands: jsii.Strings("apt-get install -y postgresql"),
			Commands:        jsii.Strings("make test", "make synth"),
		},
	})
	dev, _ := appStage(&app, "Dev", env(pipelineAccount))
	c.AddStage(dev, nil)

	app.Synth(nil)
	ccTpl = assertions.Template_FromStack(ccStack, nil)
	connTpl = assertions.Template_FromStack(connStack, nil)

	// A stage with an account but no region and an approval on the only
	// stage: one panic at synth naming both, and the problems of another
	// pipeline of the same app.
	bad := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outDir + "/bad")})
	badStack := awscdk.NewStack(bad, jsii.String("Bad"), &awscdk.StackProps{Env: env(pipelineAccount)})
	b := pipeline.New(badStack, "Pipeline", &pipeline.Props{
		CodeCommit: &pipeline.CodeCommitSource{RepositoryName: jsii.String("bad")},
	})
	only := awscdk.NewStage(bad, jsii.String("Only"), &awscdk.StageProps{Env: &awscdk.Environment{Account: jsii.String(prodAccount)}})
	awsssm.NewStringParameter(awscdk.NewStack(only, jsii.String("App"), nil), jsii.String("Param"),
		&awsssm.StringParameterProps{StringValue: jsii.String("x")})
	b.AddStage(only, &pipeline.StageOptions{ManualApproval: jsii.Bool(true)})
	// Another pipeline in the same app: outputs that no check reads, under a
	// name that is no variable, from another stage.
	second := pipeline.New(badStack, "Second", &pipeline.Props{
		CodeCommit: &pipeline.CodeCommitSource{RepositoryName: jsii.String("second")},
	})
	first, _ := appStage(&bad, "First", env(pipelineAccount))
	other, otherURL := appStage(&bad, "Other", env(pipelineAccount))
	second.AddStage(first, &pipeline.StageOptions{CheckOutputs: map[string]awscdk.CfnOutput{"api-url": otherURL, "URL": otherURL}})
	second.AddStage(other, &pipeline.StageOptions{DriftCheck: &pipeline.DriftCheck{
		Commands: jsii.Strings(""), Account: jsii.String("2222"), Region: jsii.String("Europe"), BootstrapQualifier: jsii.String("Not_Valid"),
	}})
	invalidPanic = cdktest.Recover(func() { bad.Synth(nil) })

	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// resources returns the template's resources of one type by logical id.
func resources(tpl assertions.Template, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	b, _ := json.Marshal(tpl.FindResources(jsii.String(typ), nil))
	json.Unmarshal(b, &out)
	return out
}

func props(r map[string]any) map[string]any { return r["Properties"].(map[string]any) }

func onlyResource(t *testing.T, tpl assertions.Template, typ string) (string, map[string]any) {
	t.Helper()
	rs := resources(tpl, typ)
	if len(rs) != 1 {
		t.Fatalf("want one %s, have %d", typ, len(rs))
	}
	for id, r := range rs {
		return id, props(r)
	}
	return "", nil
}

type action struct {
	Name     any
	Category string
	Provider string
	RunOrder float64
	Config   map[string]any
}

type stage struct {
	Name    string
	Actions []action
}

func pipelineStages(t *testing.T, tpl assertions.Template) []stage {
	t.Helper()
	_, p := onlyResource(t, tpl, "AWS::CodePipeline::Pipeline")
	var out []stage
	for _, s := range p["Stages"].([]any) {
		sm := s.(map[string]any)
		st := stage{Name: sm["Name"].(string)}
		for _, a := range sm["Actions"].([]any) {
			am := a.(map[string]any)
			typ := am["ActionTypeId"].(map[string]any)
			cfg, _ := am["Configuration"].(map[string]any)
			st.Actions = append(st.Actions, action{Name: am["Name"], Category: typ["Category"].(string),
				Provider: typ["Provider"].(string), RunOrder: am["RunOrder"].(float64), Config: cfg})
		}
		out = append(out, st)
	}
	return out
}

func findStage(t *testing.T, stages []stage, name string) stage {
	t.Helper()
	for _, s := range stages {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no stage %q", name)
	return stage{}
}

func TestCodeCommitSourceAction(t *testing.T) {
	src := findStage(t, pipelineStages(t, ccTpl), "Source")
	if len(src.Actions) != 1 || src.Actions[0].Provider != "CodeCommit" || src.Actions[0].Category != "Source" {
		t.Fatalf("source actions: %+v", src.Actions)
	}
	repoID, repo := onlyResource(t, ccTpl, "AWS::CodeCommit::Repository")
	if repo["RepositoryName"] != "stratus" {
		t.Errorf("repository name %v", repo["RepositoryName"])
	}
	cfg := src.Actions[0].Config
	if cfg["BranchName"] != "main" {
		t.Errorf("branch %v, want the default main", cfg["BranchName"])
	}
	if b, _ := json.Marshal(cfg["RepositoryName"]); !strings.Contains(string(b), repoID) {
		t.Errorf("source reads %s, not the created repository %s", b, repoID)
	}
}

func TestConnectionSourceAction(t *testing.T) {
	src := findStage(t, pipelineStages(t, connTpl), "Source")
	if len(src.Actions) != 1 || src.Actions[0].Provider != "CodeStarSourceConnection" {
		t.Fatalf("source actions: %+v", src.Actions)
	}
	cfg := src.Actions[0].Config
	want := map[string]any{"ConnectionArn": connectionARN, "FullRepositoryId": "stratus-cdk/stratus", "BranchName": "release"}
	for k, v := range want {
		if cfg[k] != v {
			t.Errorf("%s = %v, want %v", k, cfg[k], v)
		}
	}
	connTpl.ResourceCountIs(jsii.String("AWS::CodeCommit::Repository"), jsii.Number(0))
}

// synthProject is the CodeBuild project of the Build stage's Synth action.
func synthProject(t *testing.T, tpl assertions.Template) (map[string]any, map[string]any) {
	t.Helper()
	build := findStage(t, pipelineStages(t, tpl), "Build")
	if len(build.Actions) != 1 || build.Actions[0].Name != "Synth" {
		t.Fatalf("build actions: %+v", build.Actions)
	}
	ref := build.Actions[0].Config["ProjectName"].(map[string]any)["Ref"].(string)
	project := props(resources(tpl, "AWS::CodeBuild::Project")[ref])
	var spec map[string]any
	if err := json.Unmarshal([]byte(project["Source"].(map[string]any)["BuildSpec"].(string)), &spec); err != nil {
		t.Fatal(err)
	}
	return project, spec
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// By default the synth step is any Go CDK app's: the pinned CLI from
// package.json, then cdk synth; nothing of this repository's own recipe.
func TestSynthDefaultsAreGeneric(t *testing.T) {
	project, spec := synthProject(t, ccTpl)
	phases := spec["phases"].(map[string]any)
	build := strs(phases["build"].(map[string]any)["commands"])
	if !slices.Equal(build, []string{"npx cdk synth"}) {
		t.Errorf("build commands %q, want npx cdk synth", build)
	}
	if dir := spec["artifacts"].(map[string]any)["base-directory"]; dir != "cdk.out" {
		t.Errorf("primary output %v, want cdk.out", dir)
	}
	install := phases["install"].(map[string]any)
	if cmds := strs(install["commands"]); !slices.Equal(cmds, []string{"go version", "npm ci"}) {
		t.Errorf("install commands %q: want the Go toolchain, then npm ci", cmds)
	}
	if rv := install["runtime-versions"].(map[string]any); rv["nodejs"] != "20" || rv["golang"] == nil {
		t.Errorf("runtime-versions %v", rv)
	}
	env := project["Environment"].(map[string]any)
	if env["Image"] != "aws/codebuild/standard:7.0" {
		t.Errorf("image %v", env["Image"])
	}
	vars := map[string]any{}
	for _, v := range env["EnvironmentVariables"].([]any) {
		vm := v.(map[string]any)
		vars[vm["Name"].(string)] = vm["Value"]
	}
	if vars["GOTOOLCHAIN"] != pipeline.DefaultGoToolchain || vars["GOMODCACHE"] != "/root/go/pkg/mod" || vars["npm_config_cache"] != "/root/.npm" {
		t.Errorf("environment %v", vars)
	}
	paths := strs(spec["cache"].(map[string]any)["paths"])
	for _, want := range []string{"/root/go/pkg/mod/**/*", "/root/.cache/go-build/**/*", "/root/.npm/**/*"} {
		if !slices.Contains(paths, want) {
			t.Errorf("cache paths %q miss %s", paths, want)
		}
	}
	if c := project["Cache"].(map[string]any); c["Type"] != "S3" {
		t.Errorf("cache %v, want the S3 cache in the artifact bucket", c)
	}
}

// The caller's recipe replaces the defaults, after the toolchain download.
func TestSynthRunsTheCallersCommands(t *testing.T) {
	_, spec := synthProject(t, connTpl)
	phases := spec["phases"].(map[string]any)
	if build := strs(phases["build"].(map[string]any)["commands"]); !slices.Equal(build, []string{"make test", "make synth"}) {
		t.Errorf("build commands %q, want the caller's make test, make synth", build)
	}
	if cmds := strs(phases["install"].(map[string]any)["commands"]); !slices.Equal(cmds, []string{"go version", "apt-get install -y postgresql"}) {
		t.Errorf("install commands %q, want go version then the caller's", cmds)
	}
}

func TestStagesDeployInOrderWithApprovalBeforeProduction(t *testing.T) {
	var names []string
	for _, s := range pipelineStages(t, ccTpl) {
		names = append(names, s.Name)
	}
	if want := []string{"Source", "Build", "UpdatePipeline", "Staging", "Production"}; !slices.Equal(names, want) {
		t.Fatalf("stages %q, want %q", names, want)
	}
	stages := pipelineStages(t, ccTpl)
	for _, a := range findStage(t, stages, "Staging").Actions {
		if a.Category == "Approval" {
			t.Errorf("staging has an approval: %+v", a)
		}
	}
	var approval float64
	deploys := 0
	for _, a := range findStage(t, stages, "Production").Actions {
		switch a.Category {
		case "Approval":
			approval = a.RunOrder
		case "Deploy":
			deploys++
			if approval == 0 || a.RunOrder <= approval {
				t.Errorf("production deploy %v runs at %v, not after the approval (%v)", a.Name, a.RunOrder, approval)
			}
		}
	}
	if approval == 0 || deploys == 0 {
		t.Errorf("production: approval at %v, %d deploy actions", approval, deploys)
	}
}

func TestPostDeployChecksReceiveStackOutputs(t *testing.T) {
	staging := findStage(t, pipelineStages(t, ccTpl), "Staging")
	var check action
	var lastDeploy float64
	for _, a := range staging.Actions {
		if a.Name == "PostDeployChecks" {
			check = a
		} else if a.Category == "Deploy" {
			lastDeploy = max(lastDeploy, a.RunOrder)
		}
	}
	if check.Config == nil || check.RunOrder <= lastDeploy {
		t.Fatalf("post-deploy check %+v, after deploys up to run order %v", check, lastDeploy)
	}
	var vars []map[string]any
	if err := json.Unmarshal([]byte(check.Config["EnvironmentVariables"].(string)), &vars); err != nil {
		t.Fatal(err)
	}
	if len(vars) != 1 || vars[0]["name"] != "API_URL" || !strings.Contains(vars[0]["value"].(string), "ApiUrl") {
		t.Errorf("check environment %v, want API_URL from the stack output", vars)
	}
	ref := check.Config["ProjectName"].(map[string]any)["Ref"].(string)
	spec := props(resources(ccTpl, "AWS::CodeBuild::Project")[ref])["Source"].(map[string]any)["BuildSpec"].(string)
	if !strings.Contains(spec, `curl -fsS \"$API_URL/health\"`) {
		t.Errorf("check buildspec does not run the command: %s", spec)
	}
}

func TestSelfMutation(t *testing.T) {
	update := findStage(t, pipelineStages(t, ccTpl), "UpdatePipeline")
	if len(update.Actions) != 1 || update.Actions[0].Name != "SelfMutate" {
		t.Fatalf("UpdatePipeline actions %+v", update.Actions)
	}
	_, p := onlyResource(t, ccTpl, "AWS::CodePipeline::Pipeline")
	if p["RestartExecutionOnUpdate"] != true || p["PipelineType"] != "V2" {
		t.Errorf("pipeline restart %v, type %v", p["RestartExecutionOnUpdate"], p["PipelineType"])
	}
}

func TestArtifactsAndBuildsAreEncrypted(t *testing.T) {
	keyID := ""
	for id := range resources(ccTpl, "AWS::KMS::Key") {
		if strings.Contains(id, "ArtifactKey") {
			keyID = id
		}
	}
	if keyID == "" {
		t.Fatal("no artifact key")
	}
	keyArn := map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}}
	ccTpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), &map[string]any{"EnableKeyRotation": true})
	_, p := onlyResource(t, ccTpl, "AWS::CodePipeline::Pipeline")
	store := p["ArtifactStore"].(map[string]any)
	if ek := store["EncryptionKey"].(map[string]any); ek["Type"] != "KMS" || !jsonEqual(ek["Id"], keyArn) {
		t.Errorf("artifact store key %v", ek)
	}
	bucketID := store["Location"].(map[string]any)["Ref"].(string)
	bucket := props(resources(ccTpl, "AWS::S3::Bucket")[bucketID])
	sse := bucket["BucketEncryption"].(map[string]any)["ServerSideEncryptionConfiguration"].([]any)[0].(map[string]any)["ServerSideEncryptionByDefault"].(map[string]any)
	if sse["SSEAlgorithm"] != "aws:kms" || !jsonEqual(sse["KMSMasterKeyID"], keyArn) {
		t.Errorf("artifact bucket encryption %v", sse)
	}
	if bucket["LoggingConfiguration"] == nil {
		t.Error("artifact bucket has no server access logs")
	}
	ccTpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), &map[string]any{
		"Bucket": map[string]any{"Ref": bucketID},
		"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
			assertions.Match_ObjectLike(&map[string]any{"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}}),
		})}),
	})
	projects := resources(ccTpl, "AWS::CodeBuild::Project")
	if len(projects) < 3 {
		t.Fatalf("want synth, self-mutation and check projects, have %d", len(projects))
	}
	logGroupID, logGroup := onlyResource(t, ccTpl, "AWS::Logs::LogGroup")
	if !jsonEqual(logGroup["KmsKeyId"], keyArn) {
		t.Errorf("build logs key %v", logGroup["KmsKeyId"])
	}
	for id, r := range projects {
		pr := props(r)
		if !jsonEqual(pr["EncryptionKey"], keyArn) {
			t.Errorf("project %s encryption key %v", id, pr["EncryptionKey"])
		}
		cw := pr["LogsConfig"].(map[string]any)["CloudWatchLogs"].(map[string]any)
		if cw["Status"] != "ENABLED" || !jsonEqual(cw["GroupName"], map[string]any{"Ref": logGroupID}) {
			t.Errorf("project %s logs %v", id, cw)
		}
	}
}

// The production account's deploy role may read the artifacts.
func TestCrossAccountStageCanDecryptArtifacts(t *testing.T) {
	b, _ := json.Marshal(resources(ccTpl, "AWS::KMS::Key"))
	if !strings.Contains(string(b), ":iam::"+prodAccount+":role/cdk-hnb659fds-deploy-role-"+prodAccount+"-"+region) {
		t.Errorf("no key policy statement for the production account's deploy role")
	}
}

func TestNotificationRule(t *testing.T) {
	_, rule := onlyResource(t, ccTpl, "AWS::CodeStarNotifications::NotificationRule")
	if got := strs(rule["EventTypeIds"]); !slices.Equal(got, pipeline.NotificationEvents()) {
		t.Errorf("events %q", got)
	}
	pipelineID, _ := onlyResource(t, ccTpl, "AWS::CodePipeline::Pipeline")
	if b, _ := json.Marshal(rule["Resource"]); !strings.Contains(string(b), pipelineID) {
		t.Errorf("rule source %s is not the pipeline", b)
	}
	topicID, topic := onlyResource(t, ccTpl, "AWS::SNS::Topic")
	if topic["KmsMasterKeyId"] == nil {
		t.Error("topic is not KMS-encrypted")
	}
	target := rule["Targets"].([]any)[0].(map[string]any)
	if target["TargetType"] != "SNS" || !jsonEqual(target["TargetAddress"], map[string]any{"Ref": topicID}) {
		t.Errorf("rule target %v", target)
	}
	ccTpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), &map[string]any{
		"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
			assertions.Match_ObjectLike(&map[string]any{"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}}),
			assertions.Match_ObjectLike(&map[string]any{"Effect": "Allow", "Action": "sns:Publish",
				"Principal": map[string]any{"Service": "codestar-notifications.amazonaws.com"}}),
		})}),
	})

	// An existing topic is used as is.
	connTpl.ResourceCountIs(jsii.String("AWS::SNS::Topic"), jsii.Number(0))
	connTpl.HasResourceProperties(jsii.String("AWS::CodeStarNotifications::NotificationRule"), &map[string]any{
		"Targets": []any{map[string]any{"TargetType": "SNS", "TargetAddress": "arn:aws:sns:eu-west-1:111111111111:ops"}},
	})
}

// The stages' problems fail the synth, all in one message.
func TestInvalidStagesFailSynthWithEveryProblem(t *testing.T) {
	if strings.Count(invalidPanic, "Validation failed") != 1 {
		t.Fatalf("want one validation failure, got: %s", invalidPanic)
	}
	for _, want := range []string{
		`AddStage("Only"): stage "Only": has account 222222222222 but no region`,
		`AddStage("Only"): ManualApproval true: on the only stage`,
		`AddStage("First"): CheckOutputs ["URL" "api-url"]: without PostDeployChecks`,
		`AddStage("First"): CheckOutputs["URL"] "Other/App/ApiUrl": not an output of a stack in this stage`,
		`AddStage("First"): CheckOutputs "api-url": key is not an environment variable name`,
		`AddStage("Other"): DriftCheck.Commands[0] "": an empty command`,
		`AddStage("Other"): DriftCheck.Account "2222": not a 12-digit account id`,
		`AddStage("Other"): DriftCheck.Region "Europe": not a region name like eu-west-1`,
		`AddStage("Other"): DriftCheck.BootstrapQualifier "Not_Valid": not a bootstrap qualifier`,
	} {
		if !strings.Contains(invalidPanic, want) {
			t.Errorf("panic does not name %q:\n%s", want, invalidPanic)
		}
	}
}

// Props are checked in New, like every other construct's: one panic before
// anything is created.
func TestInvalidPropsPanicInNew(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Tools"), &awscdk.StackProps{Env: env(pipelineAccount)})
	msg := cdktest.Recover(func() {
		pipeline.New(stack, "Pipeline", &pipeline.Props{Connection: &pipeline.ConnectionSource{Repo: jsii.String("stratus")}})
	})
	for _, want := range []string{
		"pipeline.New Tools/Pipeline: invalid props",
		"Connection.ConnectionArn (unset): required",
		`Connection.Repo "stratus": not "owner/repo"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("panic does not name %q:\n%s", want, msg)
		}
	}
	if stack.Node().TryFindChild(jsii.String("Pipeline")) != nil {
		t.Error("New created the pipeline before it reported the problems")
	}
	msg = cdktest.Recover(func() { pipeline.New(awscdk.NewStack(app, jsii.String("Agnostic"), nil), "Pipeline", nil) })
	for _, want := range []string{
		"pipeline.New Agnostic/Pipeline: invalid props",
		"CodeCommit (unset): no source: set CodeCommit or Connection",
		`scope "Agnostic": a CDK pipeline's stack needs an explicit Env (account and region)`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("panic does not name %q:\n%s", want, msg)
		}
	}
}

func TestNoUnsuppressedNagErrors(t *testing.T) {
	for _, s := range []awscdk.Stack{ccStack, connStack} {
		if errs := cdktest.NagErrors(s); len(errs) > 0 {
			t.Errorf("%s: %d cdk-nag errors:\n%s", *s.StackName(), len(errs), strings.Join(errs, "\n"))
		}
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// driftProject is the CodeBuild project and buildspec of a stage's DriftCheck
// action, and the action.
func driftProject(t *testing.T, tpl assertions.Template, stageName string) (action, map[string]any, map[string]any) {
	t.Helper()
	for _, a := range findStage(t, pipelineStages(t, tpl), stageName).Actions {
		if a.Name != "DriftCheck" {
			continue
		}
		ref := a.Config["ProjectName"].(map[string]any)["Ref"].(string)
		project := props(resources(tpl, "AWS::CodeBuild::Project")[ref])
		var spec map[string]any
		if err := json.Unmarshal([]byte(project["Source"].(map[string]any)["BuildSpec"].(string)), &spec); err != nil {
			t.Fatal(err)
		}
		return a, project, spec
	}
	t.Fatalf("stage %s has no DriftCheck action", stageName)
	return action{}, nil, nil
}

// The drift check runs in each stage before any of its deploy actions, and
// in Production after the approval, so it sees the stacks as the deploy
// will find them.
func TestDriftCheckRunsBeforeTheStagesDeployAndAfterItsApproval(t *testing.T) {
	stages := pipelineStages(t, ccTpl)
	for _, name := range []string{"Staging", "Production"} {
		check, _, _ := driftProject(t, ccTpl, name)
		if check.Category != "Build" || check.Provider != "CodeBuild" {
			t.Errorf("%s: drift check is %s/%s", name, check.Category, check.Provider)
		}
		deploys := 0
		for _, a := range findStage(t, stages, name).Actions {
			switch {
			case a.Category == "Deploy":
				deploys++
				if a.RunOrder <= check.RunOrder {
					t.Errorf("%s: deploy %v runs at %v, not after the drift check (%v)", name, a.Name, a.RunOrder, check.RunOrder)
				}
			case a.Category == "Approval" && a.RunOrder >= check.RunOrder:
				t.Errorf("%s: the approval (%v) does not come before the drift check (%v)", name, a.RunOrder, check.RunOrder)
			}
		}
		if deploys == 0 {
			t.Errorf("%s: no deploy action", name)
		}
	}
	if s := findStage(t, stages, "Production"); s.Actions[0].Category != "Approval" {
		t.Errorf("production's first action is %v, want the approval", s.Actions[0].Name)
	}
	// A stage without the option has none.
	for _, a := range findStage(t, pipelineStages(t, connTpl), "Dev").Actions {
		if a.Name == "DriftCheck" {
			t.Error("Dev got a drift check it did not ask for")
		}
	}
}

// The check runs the caller's commands in the source checkout with the
// synthesized assembly at cdk.out, on the synth step's toolchain, told the
// target's lookup role: the stage's account (Production: another one).
func TestDriftCheckRunsTheCommandsAgainstTheTargetAccount(t *testing.T) {
	for _, c := range []struct{ stage, account string }{{"Staging", pipelineAccount}, {"Production", prodAccount}} {
		check, project, spec := driftProject(t, ccTpl, c.stage)
		phases := spec["phases"].(map[string]any)
		build := strs(phases["build"].(map[string]any)["commands"])
		if want := `go run ./cmd/drift -role-arn "$DRIFT_ROLE_ARN" ` + c.stage; !slices.Contains(build, want) {
			t.Errorf("%s: build commands %q lack %q", c.stage, build, want)
		}
		install := strs(phases["install"].(map[string]any)["commands"])
		if !slices.Contains(install, "go version") || !strings.Contains(strings.Join(install, "\n"), `"cdk.out"`) {
			t.Errorf("%s: install commands %q: want the toolchain and the assembly linked at cdk.out", c.stage, install)
		}
		if check.Config["PrimarySource"] == nil {
			t.Errorf("%s: no primary source (the checkout): %v", c.stage, check.Config)
		}
		vars := map[string]string{}
		for _, v := range project["Environment"].(map[string]any)["EnvironmentVariables"].([]any) {
			vm := v.(map[string]any)
			b, _ := json.Marshal(vm["Value"])
			vars[vm["Name"].(string)] = string(b)
		}
		role := "cdk-hnb659fds-lookup-role-" + c.account + "-" + region
		if !strings.Contains(vars["DRIFT_ROLE_ARN"], ":iam::"+c.account+":role/"+role) || vars["DRIFT_ACCOUNT"] != `"`+c.account+`"` ||
			vars["DRIFT_REGION"] != `"`+region+`"` || vars["GOTOOLCHAIN"] != `"`+pipeline.DefaultGoToolchain+`"` {
			t.Errorf("%s: environment %v", c.stage, vars)
		}
	}
}

// Least privilege: the check's own role may assume the one lookup role of
// the target account, and call no CloudFormation API itself.
func TestDriftCheckMayOnlyAssumeTheLookupRole(t *testing.T) {
	_, project, _ := driftProject(t, ccTpl, "Production")
	roleRef := project["ServiceRole"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
	var stsResources []string
	for _, pol := range resources(ccTpl, "AWS::IAM::Policy") {
		pp := props(pol)
		b, _ := json.Marshal(pp["Roles"])
		if !strings.Contains(string(b), `"`+roleRef+`"`) {
			continue
		}
		for _, st := range pp["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			sm := st.(map[string]any)
			b, _ := json.Marshal(sm["Action"])
			if strings.Contains(string(b), "cloudformation:") || strings.Contains(string(b), `"*"`) {
				t.Errorf("the drift check's role is granted %s", b)
			}
			if strings.Contains(string(b), "sts:") {
				r, _ := json.Marshal(sm["Resource"])
				stsResources = append(stsResources, string(r))
			}
		}
	}
	if len(stsResources) != 1 || !strings.Contains(stsResources[0], ":iam::"+prodAccount+":role/cdk-hnb659fds-lookup-role-"+prodAccount+"-"+region) {
		t.Errorf("sts statements on %v, want one on Production's lookup role", stsResources)
	}
}
