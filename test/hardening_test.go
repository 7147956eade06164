package test

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/stratus-cdk/stratus/constructs/serverlessdb"
	"github.com/stratus-cdk/stratus/stacks"
)

// What issue 21's scanners found, proved fixed in every synthesized
// template: cross-stack outputs only where CloudFormation documents them,
// functions that send only HTTPS and their database's port, every log
// group under a customer key.

// allStacks is every stack synthesized for the tests: the app's (the three
// stages and the pipeline) and the stage built with a domain.
func allStacks() []awscdk.Stack {
	return append(append([]awscdk.Stack{}, built.Stacks...), withDomain.Stacks()...)
}

// stackOutputParents are the intrinsic functions CloudFormation documents
// Fn::GetStackOutput inside; elsewhere it must be a plain value.
var stackOutputParents = map[string]bool{"Fn::Join": true, "Fn::If": true, "Fn::Select": true, "Fn::Sub": true, "Fn::Base64": true}

// misplacedStackOutputs returns, for every Fn::GetStackOutput in v (a
// template or part of one) that is not a plain value or nested only in
// stackOutputParents, its path and the functions around it.
func misplacedStackOutputs(v any, path string, around []string) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		fn := ""
		if len(x) == 1 {
			for k := range x {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					fn = k
				}
			}
		}
		if fn == "Fn::GetStackOutput" {
			for _, f := range around {
				if !stackOutputParents[f] {
					out = append(out, fmt.Sprintf("%s: inside %s", path, strings.Join(around, " > ")))
					break
				}
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			inner := around
			if fn != "" {
				inner = append(append([]string{}, around...), fn)
			}
			out = append(out, misplacedStackOutputs(x[k], path+"/"+k, inner)...)
		}
	case []any:
		for i, e := range x {
			out = append(out, misplacedStackOutputs(e, fmt.Sprintf("%s/%d", path, i), around)...)
		}
	}
	return out
}

func TestMisplacedStackOutputsFindsUndocumentedUses(t *testing.T) {
	gso := map[string]any{"Fn::GetStackOutput": map[string]any{"StackName": "Prod-Data", "OutputName": "O"}}
	var tpl any
	if err := json.Unmarshal([]byte(`{"Resources": {
		"Plain":  {"Properties": {"VpcId": "GSO"}},
		"Joined": {"Properties": {"Arn": {"Fn::Join": ["", ["arn:", "GSO", "/app"]]}}},
		"Chosen": {"Properties": {"V": {"Fn::If": ["C", {"Fn::Select": [0, ["GSO"]]}, {"Fn::Sub": ["${X}", {"X": "GSO"}]}]}}},
		"Split":  {"Properties": {"Arn": {"Fn::Select": [6, {"Fn::Split": [":", "GSO"]}]}}},
		"Deeper": {"Properties": {"V": {"Fn::Split": [":", {"Fn::Join": ["", ["GSO"]]}]}}},
		"Nested": {"Properties": {"V": {"Fn::GetStackOutput": {"StackName": "GSO", "OutputName": "O"}}}}
	}}`), &tpl); err != nil {
		t.Fatal(err)
	}
	tpl = replaceMarker(tpl, gso)
	got := misplacedStackOutputs(tpl, "", nil)
	want := []string{
		"/Resources/Deeper/Properties/V/Fn::Split/1/Fn::Join/1/0: inside Fn::Split > Fn::Join",
		"/Resources/Nested/Properties/V/Fn::GetStackOutput/StackName: inside Fn::GetStackOutput",
		"/Resources/Split/Properties/Arn/Fn::Select/1/Fn::Split/1: inside Fn::Select > Fn::Split",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// replaceMarker puts gso wherever v holds the string "GSO".
func replaceMarker(v any, gso any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = replaceMarker(e, gso)
		}
	case []any:
		for i, e := range x {
			x[i] = replaceMarker(e, gso)
		}
	case string:
		if x == "GSO" {
			return gso
		}
	}
	return v
}

// Fn::GetStackOutput, from the "weak" cross-stack references of cdk.json,
// appears only as a plain value or inside Fn::Join, Fn::If, Fn::Select,
// Fn::Sub or Fn::Base64: nobody here can deploy to find out whether
// CloudFormation resolves it anywhere else (inside Fn::Split, say).
func TestGetStackOutputOnlyWhereDocumented(t *testing.T) {
	uses := 0
	for _, s := range allStacks() {
		raw, err := os.ReadFile(templatePath(s))
		if err != nil {
			t.Fatal(err)
		}
		uses += strings.Count(string(raw), `"Fn::GetStackOutput"`)
		var tpl any
		if err := json.Unmarshal(raw, &tpl); err != nil {
			t.Fatal(err)
		}
		for _, m := range misplacedStackOutputs(tpl, "", nil) {
			t.Errorf("%s%s", stackID(s), m)
		}
	}
	if uses == 0 {
		t.Fatal("no Fn::GetStackOutput in any template: is cdk.json's weak cross-stack reference flag gone? The test checks nothing")
	}
}

// Every log group of every stage (and the pipeline's) is encrypted with a
// customer managed key of the app: its KmsKeyId is the Arn of an
// AWS::KMS::Key, of its own stack or, through Fn::GetStackOutput, of another.
func TestEveryLogGroupIsEncryptedWithACustomerKey(t *testing.T) {
	n := 0
	for _, s := range allStacks() {
		tpl := load(t, s)
		for id, lg := range tpl.ofType("AWS::Logs::LogGroup") {
			n++
			key := lg.Properties["KmsKeyId"]
			if key == nil {
				t.Errorf("%s %s has no KmsKeyId", stackID(s), id)
				continue
			}
			owner, v := tpl, key
			km, _ := key.(map[string]any)
			if out, ok := km["Fn::GetStackOutput"].(map[string]any); ok {
				owner, v = stackTemplate(t, s, toString(out["StackName"])), outputValue(t, s, toString(out["StackName"]), toString(out["OutputName"]))
			}
			vm, _ := v.(map[string]any)
			att, _ := vm["Fn::GetAtt"].([]any)
			if len(att) != 2 || att[1] != "Arn" || owner.Resources[toString(att[0])].Type != "AWS::KMS::Key" {
				t.Errorf("%s %s: KmsKeyId %s is not the Arn of one of the app's keys", stackID(s), id, toString(key))
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d log groups in %d stacks", n, len(allStacks()))
	}
}

// Staging's and Prod's Aurora instances have Enhanced Monitoring, with a
// role; Prod's API stage publishes per-method detailed metrics.
func TestStagingAndProdAreMonitored(t *testing.T) {
	for _, stage := range []*stacks.Stage{built.Staging, built.Prod} {
		data := load(t, stage.Data.Stack)
		instances := data.ofType("AWS::RDS::DBInstance")
		if len(instances) < 2 {
			t.Errorf("%s: %d database instances, want a writer and a reader", stage.Config.Name, len(instances))
		}
		for id, inst := range instances {
			if iv, _ := inst.Properties["MonitoringInterval"].(float64); iv <= 0 || inst.Properties["MonitoringRoleArn"] == nil {
				t.Errorf("%s %s: MonitoringInterval %v, MonitoringRoleArn %v: no Enhanced Monitoring", stage.Config.Name, id,
					inst.Properties["MonitoringInterval"], inst.Properties["MonitoringRoleArn"])
			}
		}
	}
	_, apiStage := load(t, built.Prod.App.Stack).one(t, "AWS::ApiGateway::Stage", "Api")
	for _, m := range property(apiStage, "MethodSettings").([]any) {
		if m.(map[string]any)["MetricsEnabled"] != true {
			t.Errorf("Prod's API stage: method settings %v without MetricsEnabled", m)
		}
	}
}

// egressRule is one outbound rule of a security group, its destination
// resolved to a CIDR or the logical id of a security group.
type egressRule struct {
	Protocol string
	Port     string // "443", "5432"…, or "FromPort-ToPort"
	To       string
}

// The functions' security groups (api, worker, outbox, migrate, and the
// secret rotation function's) send only HTTPS and the database's port to
// the proxy's or the cluster's security group.
func TestFunctionsSendOnlyHttpsAndTheDatabasePort(t *testing.T) {
	for _, stage := range []*stacks.Stage{built.Dev, built.Staging, built.Prod, withDomain} {
		data, app := load(t, stage.Data.Stack), load(t, stage.App.Stack)
		cluster := fmt.Sprint(serverlessdb.DefaultPort)
		dbPort, dbGroup := cluster, "DatabaseSecurityGroup"
		if stage.Config.Database.Proxy {
			dbPort, dbGroup = fmt.Sprint(serverlessdb.ProxyPort), "DatabaseProxySecurityGroup"
		}
		want := map[string][]egressRule{
			"Data/Migrate":  {{"tcp", "443", "0.0.0.0/0"}, {"tcp", cluster, "DatabaseSecurityGroup"}},
			"Data/Rotation": {{"tcp", "443", "0.0.0.0/0"}, {"tcp", cluster, "DatabaseSecurityGroup"}},
		}
		for _, fn := range []string{"ApiHandler", "Worker", "Outbox"} {
			want["App/"+fn] = []egressRule{{"tcp", "443", "0.0.0.0/0"}, {"tcp", dbPort, dbGroup}}
		}
		got := map[string][]egressRule{}
		for name, s := range map[string]awscdk.Stack{"Data": stage.Data.Stack, "App": stage.App.Stack} {
			tpl := map[string]template{"Data": data, "App": app}[name]
			for label, sg := range functionGroups(t, tpl) {
				got[name+"/"+label] = egressOf(t, s, tpl, sg)
			}
		}
		for fn, rules := range want {
			if !reflect.DeepEqual(got[fn], rules) {
				t.Errorf("%s %s: egress %v, want %v", stage.Config.Name, fn, got[fn], rules)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: security groups of functions %v, want those of %d functions", stage.Config.Name, keys(got), len(want))
		}
	}
}

// functionGroups finds the security groups of a template's functions in a
// VPC, by the function's logical id prefix (the rotation function's,
// created by its Serverless Application Repository stack, as "Rotation").
func functionGroups(t *testing.T, tpl template) map[string]string {
	out := map[string]string{}
	groupOf := func(v any) string {
		var ids []any
		switch x := v.(type) {
		case []any:
			ids = x
		case string: // the application's comma-separated parameter, a single group here
			t.Fatalf("security group ids %q are not a reference", x)
		default:
			ids = []any{x}
		}
		if len(ids) != 1 {
			t.Fatalf("%d security groups, want the function's own", len(ids))
		}
		att, _ := ids[0].(map[string]any)["Fn::GetAtt"].([]any)
		if len(att) != 2 {
			t.Fatalf("security group %v is not a GetAtt of the template's group", ids[0])
		}
		return att[0].(string)
	}
	for id, fn := range tpl.ofType("AWS::Lambda::Function") {
		vpc, _ := fn.Properties["VpcConfig"].(map[string]any)
		if vpc == nil {
			continue
		}
		label := id
		for _, name := range []string{"ApiHandler", "Worker", "Outbox", "Migrate"} {
			if strings.HasPrefix(id, name) {
				label = name
			}
		}
		out[label] = groupOf(vpc["SecurityGroupIds"])
	}
	for _, a := range tpl.ofType("AWS::Serverless::Application") {
		params, _ := a.Properties["Parameters"].(map[string]any)
		out["Rotation"] = groupOf(params["vpcSecurityGroupIds"])
	}
	return out
}

// egressOf lists a security group's outbound rules: inline and as
// AWS::EC2::SecurityGroupEgress resources, a port given as the cluster's
// (a GetAtt of its endpoint's port) resolved to the cluster's Port, another
// stack's group resolved through that stack's outputs to its logical id.
func egressOf(t *testing.T, consumer awscdk.Stack, tpl template, sg string) []egressRule {
	rules, _ := tpl.Resources[sg].Properties["SecurityGroupEgress"].([]any)
	for _, r := range tpl.ofType("AWS::EC2::SecurityGroupEgress") {
		if toString(r.Properties["GroupId"]) == toString(map[string]any{"Fn::GetAtt": []any{sg, "GroupId"}}) {
			rules = append(rules, r.Properties)
		}
	}
	port := func(v any) string {
		m, _ := v.(map[string]any)
		if att, _ := m["Fn::GetAtt"].([]any); len(att) == 2 && att[1] == "Endpoint.Port" {
			return toString(tpl.Resources[toString(att[0])].Properties["Port"])
		}
		return toString(v)
	}
	var out []egressRule
	for _, raw := range rules {
		r := raw.(map[string]any)
		e := egressRule{Protocol: toString(r["IpProtocol"]), Port: port(r["FromPort"])}
		if to := port(r["ToPort"]); to != e.Port {
			e.Port += "-" + to
		}
		switch {
		case r["CidrIp"] != nil:
			e.To = toString(r["CidrIp"])
		case r["DestinationSecurityGroupId"] != nil:
			e.To = groupName(t, consumer, r["DestinationSecurityGroupId"])
		default:
			e.To = toString(r)
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Port < out[j].Port })
	return out
}

// groupName is the logical id prefix of the security group a GetAtt or a
// Fn::GetStackOutput refers to: "DatabaseSecurityGroup" for
// DatabaseSecurityGroup5C91FDCB.
func groupName(t *testing.T, consumer awscdk.Stack, v any) string {
	m, _ := v.(map[string]any)
	if out, ok := m["Fn::GetStackOutput"].(map[string]any); ok {
		v = outputValue(t, consumer, toString(out["StackName"]), toString(out["OutputName"]))
		m, _ = v.(map[string]any)
	}
	att, _ := m["Fn::GetAtt"].([]any)
	if len(att) != 2 {
		return toString(v)
	}
	id := toString(att[0])
	if len(id) > 8 {
		return id[:len(id)-8] // CDK's logical ids end in 8 hex digits of the path's hash
	}
	return id
}

// stackTemplate is the template of the stack named stackName in the app
// of consumer (the stage built with a domain is an app of its own, whose
// stack names are Dev's).
func stackTemplate(t *testing.T, consumer awscdk.Stack, stackName string) template {
	inDomainApp := func(s awscdk.Stack) bool { return strings.HasPrefix(templatePath(s), domainAssemblyDir) }
	for _, s := range allStacks() {
		if *s.StackName() == stackName && inDomainApp(s) == inDomainApp(consumer) {
			return load(t, s)
		}
	}
	t.Fatalf("no stack %s in the app of %s", stackName, stackID(consumer))
	return template{}
}

// outputValue is the value of an output of the stack named stackName, in
// the app of consumer.
func outputValue(t *testing.T, consumer awscdk.Stack, stackName, output string) any {
	o, ok := stackTemplate(t, consumer, stackName).Outputs[output]
	if !ok {
		t.Fatalf("no output %s in stack %s", output, stackName)
	}
	return o["Value"]
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
