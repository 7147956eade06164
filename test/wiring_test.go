package test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/stratus-cdk/stratus/internal/analysis/cfnlint"
	"github.com/stratus-cdk/stratus/stacks"
)

// template is a synthesized template, read from the assembly.
type template struct {
	Description string                    `json:"Description"`
	Parameters  map[string]map[string]any `json:"Parameters"`
	Conditions  map[string]any            `json:"Conditions"`
	Resources   map[string]resource       `json:"Resources"`
	Outputs     map[string]map[string]any `json:"Outputs"`
}

type resource struct {
	Type           string         `json:"Type"`
	Properties     map[string]any `json:"Properties"`
	DeletionPolicy string         `json:"DeletionPolicy"`
	Condition      string         `json:"Condition"`
	UpdatePolicy   map[string]any `json:"UpdatePolicy"`
}

func load(t *testing.T, s awscdk.Stack) template {
	t.Helper()
	raw, err := os.ReadFile(templatePath(s))
	if err != nil {
		t.Fatal(err)
	}
	var tpl template
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl
}

// ofType returns the resources of one type, by logical id.
func (tpl template) ofType(typ string) map[string]resource {
	out := map[string]resource{}
	for id, r := range tpl.Resources {
		if r.Type == typ {
			out[id] = r
		}
	}
	return out
}

// one returns the only resource of typ whose logical id starts with prefix.
func (tpl template) one(t *testing.T, typ, prefix string) (string, resource) {
	t.Helper()
	var id string
	var found resource
	for k, r := range tpl.ofType(typ) {
		if strings.HasPrefix(k, prefix) {
			if id != "" {
				t.Fatalf("two %s resources start with %s: %s and %s", typ, prefix, id, k)
			}
			id, found = k, r
		}
	}
	if id == "" {
		t.Fatalf("no %s resource starts with %s", typ, prefix)
	}
	return id, found
}

func TestProductionIsProtected(t *testing.T) {
	data, app, web := load(t, built.Prod.Data.Stack), load(t, built.Prod.App.Stack), load(t, built.Prod.Web.Stack)
	if !*built.Prod.Data.Stack.TerminationProtection() {
		t.Error("Prod/Data has no termination protection")
	}
	_, cluster := data.one(t, "AWS::RDS::DBCluster", "Database")
	if cluster.Properties["DeletionProtection"] != true || cluster.DeletionPolicy != "Snapshot" {
		t.Errorf("Prod cluster: DeletionProtection %v, DeletionPolicy %q; want true, Snapshot", cluster.Properties["DeletionProtection"], cluster.DeletionPolicy)
	}
	if n := len(data.ofType("AWS::RDS::DBInstance")); n != 2 {
		t.Errorf("Prod has %d database instances, want a writer and a reader", n)
	}
	if n := len(data.ofType("AWS::RDS::DBProxy")); n != 1 {
		t.Errorf("Prod has %d RDS proxies, want 1", n)
	}
	_, pool := app.one(t, "AWS::Cognito::UserPool", "Api")
	if pool.Properties["MfaConfiguration"] != "ON" || pool.DeletionPolicy != "Retain" {
		t.Errorf("Prod user pool: MFA %v, DeletionPolicy %q; want ON, Retain", pool.Properties["MfaConfiguration"], pool.DeletionPolicy)
	}
	if len(app.ofType("AWS::WAFv2::WebACLAssociation")) != 1 {
		t.Error("Prod API stage has no web ACL")
	}
	if len(load(t, built.Prod.Edge.Stack).ofType("AWS::WAFv2::WebACL")) != 1 {
		t.Error("Prod has no CloudFront web ACL")
	}
	_, dist := web.one(t, "AWS::CloudFront::Distribution", "Site")
	if cfg, _ := dist.Properties["DistributionConfig"].(map[string]any); cfg["WebACLId"] == nil {
		t.Error("Prod distribution has no web ACL")
	}
	for _, tpl := range []template{app, web} {
		for id, b := range tpl.ofType("AWS::S3::Bucket") {
			if b.DeletionPolicy != "Retain" {
				t.Errorf("Prod bucket %s has DeletionPolicy %q, want Retain", id, b.DeletionPolicy)
			}
		}
	}
}

func TestDevIsDisposable(t *testing.T) {
	data, app := load(t, built.Dev.Data.Stack), load(t, built.Dev.App.Stack)
	_, cluster := data.one(t, "AWS::RDS::DBCluster", "Database")
	if cluster.Properties["DeletionProtection"] == true || cluster.DeletionPolicy != "Delete" {
		t.Errorf("Dev cluster: DeletionProtection %v, DeletionPolicy %q; want off, Delete", cluster.Properties["DeletionProtection"], cluster.DeletionPolicy)
	}
	if n := len(data.ofType("AWS::RDS::DBProxy")) + len(data.ofType("AWS::RDS::DBInstance")); n != 1 {
		t.Errorf("Dev has %d proxies and instances, want the writer only", n)
	}
	_, pool := app.one(t, "AWS::Cognito::UserPool", "Api")
	if pool.Properties["MfaConfiguration"] != "OPTIONAL" || pool.DeletionPolicy != "Delete" {
		t.Errorf("Dev user pool: MFA %v, DeletionPolicy %q; want OPTIONAL, Delete", pool.Properties["MfaConfiguration"], pool.DeletionPolicy)
	}
	for _, s := range built.Dev.Stacks() {
		for id, b := range load(t, s).ofType("AWS::S3::Bucket") {
			if b.DeletionPolicy != "Delete" {
				t.Errorf("Dev bucket %s has DeletionPolicy %q, want Delete", id, b.DeletionPolicy)
			}
		}
	}
	if built.Dev.Edge != nil {
		t.Error("Dev should have no CloudFront web ACL (edge stack)")
	}
}

// statements returns every IAM statement of a template's policies, with the
// logical id of its policy.
func statements(tpl template) map[string][]map[string]any {
	out := map[string][]map[string]any{}
	for id, p := range tpl.ofType("AWS::IAM::Policy") {
		doc, _ := p.Properties["PolicyDocument"].(map[string]any)
		list, _ := doc["Statement"].([]any)
		for _, s := range list {
			out[id] = append(out[id], s.(map[string]any))
		}
	}
	return out
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// A function's policy allows action on something, for each action.
func allows(t *testing.T, tpl template, rolePrefix string, actions ...string) {
	t.Helper()
	roleID, _ := tpl.one(t, "AWS::IAM::Role", rolePrefix)
	granted := map[string]bool{}
	for id, list := range statements(tpl) {
		roles := tpl.Resources[id].Properties["Roles"]
		if !strings.Contains(toString(roles), `"`+roleID+`"`) {
			continue
		}
		for _, s := range list {
			for _, a := range asList(s["Action"]) {
				granted[toString(a)] = true
			}
		}
	}
	for _, a := range actions {
		if !granted[a] {
			t.Errorf("%s may not %s", rolePrefix, a)
		}
	}
}

func TestApiFunctionCanConnectAndPublish(t *testing.T) {
	for _, stage := range []*stacks.Stage{built.Dev, built.Prod} {
		app := load(t, stage.App.Stack)
		allows(t, app, "ApiHandlerRole", "rds-db:connect", "sns:Publish", "ssm:GetParameter")
		_, fn := app.one(t, "AWS::Lambda::Function", "ApiHandler")
		if fn.Properties["VpcConfig"] == nil {
			t.Errorf("%s ApiHandler is not in the database's VPC", *stage.StageName())
		}
	}
}

func TestWorkerConsumesItsQueue(t *testing.T) {
	app := load(t, built.Dev.App.Stack)
	workerID, _ := app.one(t, "AWS::Lambda::Function", "Worker")
	_, esm := app.one(t, "AWS::Lambda::EventSourceMapping", "EventsWorker")
	if toString(esm.Properties["FunctionName"]) != `{"Ref":"`+workerID+`"}` {
		t.Errorf("the worker's event source mapping feeds %v, not the worker", esm.Properties["FunctionName"])
	}
	if toString(esm.Properties["FunctionResponseTypes"]) != `["ReportBatchItemFailures"]` {
		t.Errorf("the worker's mapping does not report partial batch failures: %v", esm.Properties["FunctionResponseTypes"])
	}
	allows(t, app, "WorkerRole", "sqs:ReceiveMessage", "sqs:DeleteMessage", "rds-db:connect", "s3:GetObject*")
	// Upload notifications reach the worker: the bucket publishes to the bus.
	if len(app.ofType("Custom::S3BucketNotifications")) != 1 {
		t.Error("the uploads bucket does not notify the bus")
	}
}

// No policy of any stack allows every action of a service (or all
// services) on every resource.
func TestNoWildcardActionsOnWildcardResources(t *testing.T) {
	for _, s := range built.Stacks {
		for id, list := range statements(load(t, s)) {
			for _, st := range list {
				if st["Effect"] != "Allow" {
					continue
				}
				anyResource := false
				for _, r := range asList(st["Resource"]) {
					anyResource = anyResource || r == "*"
				}
				for _, a := range asList(st["Action"]) {
					if act := toString(a); anyResource && (act == "*" || strings.HasSuffix(act, ":*")) {
						t.Errorf("%s %s allows %s on *", stackID(s), id, act)
					}
				}
			}
		}
	}
}

// toString is a value as its JSON text (a string as itself).
func toString(v interface{}) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// The pipeline builds this app with its own recipe (the construct's defaults
// are generic): PostgreSQL and a Chromium for the tests, then `make test`
// before `make synth`, so nothing deploys that did not pass every test.
func TestPipelineTestsBeforeItSynthesizes(t *testing.T) {
	if built.Pipeline == nil {
		t.Fatal("no pipeline: the test app is built with an account")
	}
	tpl := load(t, awscdk.Stack_Of(built.Pipeline.Construct))
	found := 0
	for id, p := range tpl.ofType("AWS::CodeBuild::Project") {
		source, _ := p.Properties["Source"].(map[string]any)
		spec, _ := source["BuildSpec"].(string)
		if !strings.Contains(spec, "cdk.out") || !strings.Contains(spec, "make synth") {
			continue
		}
		found++
		var bs struct {
			Phases map[string]struct {
				Commands []string `json:"commands"`
			} `json:"phases"`
		}
		if err := json.Unmarshal([]byte(spec), &bs); err != nil {
			t.Fatalf("%s: buildspec: %v", id, err)
		}
		if got := bs.Phases["build"].Commands; strings.Join(got, "; ") != "make test; make synth" {
			t.Errorf("%s: build commands %q, want make test then make synth", id, got)
		}
		install := strings.Join(bs.Phases["install"].Commands, "\n")
		if !strings.Contains(install, "postgresql") || !strings.Contains(install, "chromium --version") ||
			!strings.Contains(install, "pip install --quiet cfn-lint=="+cfnlint.Version) {
			t.Errorf("%s: install commands do not provide PostgreSQL, Chromium and cfn-lint %s:\n%s", id, cfnlint.Version, install)
		}
	}
	if found != 1 {
		t.Errorf("%d synth projects run make synth, want 1", found)
	}
}
