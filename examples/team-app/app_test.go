package main

// The example is tested as the README promises: it builds, synthesizes
// offline with both cdk-nag packs and no unsuppressed finding, and every
// construct's resources are in the templates. `make test` at the repository
// root runs it (`go test ./...` there skips this module).

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

var (
	built  *App
	outDir string
	stacks map[string]awscdk.Stack // by stack name
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	defer jsii.Close()
	raw, err := os.ReadFile("cdk.json")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var cfg struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "cdk.json:", err)
		return 1
	}
	if outDir, err = os.MkdirTemp("", "team-app"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(outDir)
	// The context of cdk.json, as `cdk synth` hands it over: feature flags
	// and nothing looked up.
	app := awscdk.NewApp(&awscdk.AppProps{Context: &cfg.Context, Outdir: jsii.String(outDir)})
	built = Build(app, Options{
		Account:       "111111111111",
		Region:        "eu-west-1",
		ConnectionArn: "arn:aws:codeconnections:eu-west-1:111111111111:connection/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
		Repo:          "team/team-app",
	})
	app.Synth(nil)
	stacks = map[string]awscdk.Stack{}
	for _, s := range []awscdk.Stack{built.Team, built.Delivery, built.Prod} {
		stacks[*s.StackName()] = s
	}
	return m.Run()
}

// No stack has an error annotation: an unsuppressed cdk-nag error (or any
// other) would fail `cdk synth`.
func TestNoUnsuppressedErrors(t *testing.T) {
	for name, s := range stacks {
		for _, m := range *assertions.Annotations_FromStack(s).FindError(jsii.String("*"), assertions.Match_AnyValue()) {
			t.Errorf("%s: %s: %v", name, *m.Id, m.Entry.Data)
		}
	}
}

// Both packs looked at every stack: each wrote its report, and the
// findings the constructs excuse are there as suppressed, not missing.
func TestBothNagPacksCheckedEveryStack(t *testing.T) {
	reports, _ := filepath.Glob(filepath.Join(outDir, "*-NagReport.csv"))
	for name := range stacks {
		for _, pack := range []string{"AwsSolutions", "Serverless"} {
			rows := report(t, reports, pack, name)
			if len(rows) == 0 {
				t.Errorf("%s: no %s report", name, pack)
			}
			for _, r := range rows {
				if r[2] == "Non-Compliant" && r[4] == "Error" {
					t.Errorf("%s: %s: %s is non-compliant", name, r[0], r[1])
				}
			}
		}
	}
	suppressed := false
	for _, r := range report(t, reports, "Serverless", "Team") {
		suppressed = suppressed || (r[0] == "Serverless-LambdaDLQ" && strings.Contains(r[1], "ApiHandler") && r[2] == "Suppressed")
	}
	if !suppressed {
		t.Error("the API function's Serverless-LambdaDLQ finding is not reported as suppressed (by apiwithauth)")
	}
}

// report reads the rows of one pack's report on one stack.
func report(t *testing.T, files []string, pack, stack string) [][]string {
	t.Helper()
	for _, f := range files {
		base := filepath.Base(f)
		if !strings.HasPrefix(base, pack+"-") || !strings.HasSuffix(base, "-"+stack+"-NagReport.csv") {
			continue
		}
		file, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		rows, err := csv.NewReader(file).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		return rows[1:] // the header
	}
	return nil
}

// Each construct's resources are in the team stack (and in the stage the
// pipeline deploys), with their minimal props.
func TestEachConstructIsThere(t *testing.T) {
	for _, s := range []awscdk.Stack{built.Team, built.Prod} {
		tpl := assertions.Template_FromStack(s, nil)
		for typ, n := range map[string]int{
			"AWS::ApiGateway::RestApi":          1, // apiwithauth
			"AWS::ApiGateway::RequestValidator": 1,
			"AWS::Cognito::UserPool":            1,
			"AWS::SNS::Topic":                   1, // eventbus
			"AWS::SQS::Queue":                   2, // the subscriber's queue and DLQ
			"AWS::Lambda::EventSourceMapping":   1,
			"AWS::RDS::DBCluster":               1, // serverlessdb
			"AWS::EC2::VPC":                     1,
			"AWS::CloudFront::Distribution":     1, // staticsite
			"Custom::CDKBucketDeployment":       1,
		} {
			tpl.ResourceCountIs(jsii.String(typ), jsii.Number(n))
		}
		// gofunction: the two Go functions, built for provided.al2023.
		tpl.ResourcePropertiesCountIs(jsii.String("AWS::Lambda::Function"), map[string]any{
			"Runtime": "provided.al2023", "Handler": "bootstrap", "Architectures": []any{"arm64"},
		}, jsii.Number(2))
	}
	delivery := assertions.Template_FromStack(built.Delivery, nil)
	delivery.ResourceCountIs(jsii.String("AWS::CodePipeline::Pipeline"), jsii.Number(1)) // pipeline
}

// The API function is granted and bound: database and topic, IAM and
// environment.
func TestApiFunctionIsGrantedAndBound(t *testing.T) {
	tpl := assertions.Template_FromStack(built.Team, nil)
	tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
			"DB_HOST": assertions.Match_AnyValue(), "DB_USER": "app", "DB_IAM_AUTH": "true",
			"EVENT_TOPIC_ARN": assertions.Match_AnyValue(),
		})},
		"VpcConfig": assertions.Match_AnyValue(),
	})
	for _, action := range []string{"rds-db:connect", "sns:Publish"} {
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
			"Roles": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^ApiHandlerRole"))}},
			"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{"Action": action, "Effect": "Allow"}),
			})}),
		})
	}
}

// The synth looked nothing up: no context is missing from the assembly.
func TestSynthIsOffline(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(outDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Missing []struct{ Key string } `json:"missing"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	for _, m := range manifest.Missing {
		t.Errorf("the synth asked for a context lookup: %s", m.Key)
	}
}
