package changes

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stratus-cdk/stratus/internal/analysis/cfnspec"
)

// The engine runs from the repository root, where make deps installed it.
var engine = Engine{Root: "../../.."}

// diff runs compare on one stack given as old and new Resources objects.
func diff(t *testing.T, oldResources, newResources string) Stack {
	t.Helper()
	dir := t.TempDir()
	side := func(name, resources string) map[string]template {
		if resources == "" {
			return map[string]template{}
		}
		path := filepath.Join(dir, name+".json")
		body := `{"Resources": ` + resources + `}`
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		tpl, err := cfnspec.ParseTemplate([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return map[string]template{"Prod/Data": {path: path, t: tpl}}
	}
	stacks, err := compare(context.Background(), engine, side("old", oldResources), side("new", newResources))
	if err != nil {
		t.Fatal(err)
	}
	if len(stacks) != 1 {
		t.Fatalf("want one stack, got %+v", stacks)
	}
	return stacks[0]
}

func modified(t *testing.T, s Stack, id string) Modified {
	t.Helper()
	for _, m := range s.Modified {
		if m.LogicalID == id {
			return m
		}
	}
	t.Fatalf("%s is not reported as modified: %+v", id, s.Modified)
	return Modified{}
}

// The engine looks at top-level properties only: a nested create-only
// property is an update to it, a replacement to the schemas.
func TestEngineUnderReportsNestedCreateOnlyProperties(t *testing.T) {
	endpoint := `{"E": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcId": "vpc-1", "ServiceName": "s3", "DnsOptions": {"PrivateDnsPreference": "%s"}}}}`
	m := modified(t, diff(t, strings.Replace(endpoint, "%s", "ALL_DOMAINS", 1), strings.Replace(endpoint, "%s", "SPECIFIED_DOMAINS_ONLY", 1)), "E")
	if m.Engine != "WILL_UPDATE" || m.Replaces != cfnspec.Yes || !m.Disagrees() {
		t.Errorf("got engine %s, schemas %v", m.Engine, m.Replaces)
	}
	if m.Because[0] != "DnsOptions.PrivateDnsPreference changed" {
		t.Errorf("because %v", m.Because)
	}
}

// The engine propagates only certain replacements ("yes"): a cluster that
// may be replaced takes its instances along, which it does not report.
func TestEngineDoesNotPropagateAPossibleReplacement(t *testing.T) {
	tpl := `{"Cluster": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "%s"}},
	  "Writer": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBClusterIdentifier": {"Ref": "Cluster"}, "DBInstanceClass": "db.serverless"}}}`
	s := diff(t, strings.Replace(tpl, "%s", "aurora-postgresql", 1), strings.Replace(tpl, "%s", "aurora-mysql", 1))
	if c := modified(t, s, "Cluster"); c.Engine != "MAY_REPLACE" || c.Replaces != cfnspec.Maybe || c.Disagrees() {
		t.Errorf("cluster: engine %s, schemas %v", c.Engine, c.Replaces)
	}
	w := modified(t, s, "Writer")
	if w.Engine != "NO_CHANGE" || w.Replaces != cfnspec.Maybe || w.Because[0] != "DBClusterIdentifier refers to Cluster, which is replaced" {
		t.Errorf("writer: %+v", w)
	}
}

// The engine propagates through Ref and Fn::GetAtt (its normalization turns
// "X.Arn" into a list first), not through Fn::Sub.
func TestEngineDoesNotPropagateThroughFnSub(t *testing.T) {
	tpl := `{"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "%s"}},
	  "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "${Bucket}-events"}}},
	  "Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": {"Name": {"Fn::GetAtt": "Bucket.Arn"}}},
	  "Log": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": {"Ref": "Bucket"}}}}`
	s := diff(t, strings.Replace(tpl, "%s", "one", 1), strings.Replace(tpl, "%s", "two", 1))
	if q := modified(t, s, "Queue"); q.Engine != "NO_CHANGE" || q.Replaces != cfnspec.Yes || !q.Disagrees() {
		t.Errorf("queue: %+v", q)
	}
	if m := modified(t, s, "Secret"); m.Engine != "WILL_REPLACE" || m.Replaces != cfnspec.Yes || m.Disagrees() {
		t.Errorf("secret (Fn::GetAtt string form): %+v", m)
	}
	if l := modified(t, s, "Log"); l.Engine != "WILL_REPLACE" || l.Replaces != cfnspec.Yes {
		t.Errorf("log group (Ref, which the engine follows): %+v", l)
	}
}

// CloudFormation reads "true" as true: neither reports a change.
func TestCoercedValuesAreNoChange(t *testing.T) {
	s := diff(t, `{"C": {"Type": "AWS::RDS::DBCluster", "Properties": {"StorageEncrypted": true, "Port": 5432}}}`,
		`{"C": {"Type": "AWS::RDS::DBCluster", "Properties": {"StorageEncrypted": "true", "Port": "5432"}}}`)
	if s.Changed() {
		t.Errorf("got %+v", s)
	}
}

func TestAddedRemovedAndWidened(t *testing.T) {
	old := `{"Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
	  "Policy": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyName": "p", "Roles": [{"Ref": "Role"}],
	    "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/k"}]}}},
	  "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "d", "VpcId": "vpc-1"}},
	  "Old": {"Type": "AWS::SQS::Queue"}}`
	new := `{"Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
	  "Policy": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyName": "p", "Roles": [{"Ref": "Role"}],
	    "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject*"], "Resource": ["arn:aws:s3:::b/k", "*"]}]}}},
	  "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "d", "VpcId": "vpc-1",
	    "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}]}},
	  "New": {"Type": "AWS::SQS::Queue"}}`
	s := diff(t, old, new)
	if len(s.Added) != 1 || s.Added[0] != (Resource{"New", "AWS::SQS::Queue"}) || len(s.Removed) != 1 || s.Removed[0].LogicalID != "Old" {
		t.Errorf("added %v, removed %v", s.Added, s.Removed)
	}
	if strings.Join(s.NewActions, " ") != "s3:PutObject*" || strings.Join(s.NewResources, " ") != "*" ||
		strings.Join(s.Wildcards, " ") != "* s3:PutObject*" {
		t.Errorf("new actions %v, new resources %v, wildcards %v", s.NewActions, s.NewResources, s.Wildcards)
	}
	if len(s.Opened) != 1 || !s.Opened[0].Anywhere || s.Opened[0].Direction != "ingress" {
		t.Errorf("opened %+v", s.Opened)
	}
	var out strings.Builder
	Render(&out, []Stack{s})
	for _, want := range []string{
		"Prod/Data\n",
		"  + added     AWS::SQS::Queue                  New\n",
		"  - removed   AWS::SQS::Queue                  Old\n",
		"  IAM widened:\n",
		"    new actions: s3:PutObject*\n",
		"    wildcards (*): *, s3:PutObject*\n",
		"    + ingress TCP 22 from Everyone (IPv4) on ${Sg.GroupId}  OPEN TO THE INTERNET\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestANewStackAndAnUnchangedOne(t *testing.T) {
	s := diff(t, "", `{"B": {"Type": "AWS::S3::Bucket"}}`)
	if s.Old || !s.New || len(s.Added) != 1 {
		t.Errorf("got %+v", s)
	}
	var out strings.Builder
	Render(&out, []Stack{s, {ID: "Dev/Web", Old: true, New: true}})
	if !strings.HasPrefix(out.String(), "Prod/Data (new stack)\n") || !strings.HasSuffix(out.String(), "unchanged: Dev/Web\n") {
		t.Errorf("report:\n%s", out.String())
	}
}

// A stack whose account or region changes, templates equal, is reported as
// moved: a new, empty stack elsewhere, not an unchanged one.
func TestMovedStackIsNamed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.json")
	body := `{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	tpl, err := cfnspec.ParseTemplate([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		oldEnv, newEnv string
		moved          bool
	}{
		{"111111111111/eu-west-1", "444444444444/eu-west-1", true},
		{"111111111111/eu-west-1", "111111111111/eu-central-1", true},
		{"/eu-west-1", "444444444444/eu-west-1", true},
		{"111111111111/eu-west-1", "111111111111/eu-west-1", false},
	} {
		stacks, err := compare(context.Background(), engine,
			map[string]template{"Prod/Data": {path: path, t: tpl, env: c.oldEnv}},
			map[string]template{"Prod/Data": {path: path, t: tpl, env: c.newEnv}})
		if err != nil {
			t.Fatal(err)
		}
		s := stacks[0]
		if s.Moved() != c.moved || s.Changed() != c.moved {
			t.Errorf("%s → %s: moved %v, changed %v, want %v", c.oldEnv, c.newEnv, s.Moved(), s.Changed(), c.moved)
		}
		var b strings.Builder
		Render(&b, stacks)
		if c.moved && !strings.Contains(b.String(), "! environment "+envName(c.oldEnv)+" → "+envName(c.newEnv)+": a NEW stack there") {
			t.Errorf("%s → %s: the report does not name the move:\n%s", c.oldEnv, c.newEnv, &b)
		}
		if !c.moved && !strings.HasPrefix(b.String(), "unchanged: Prod/Data") {
			t.Errorf("unmoved: %s", &b)
		}
	}
	if got := envName("/eu-west-1"); got != "aws://unknown-account/eu-west-1" {
		t.Errorf("envName: %s", got)
	}
}
