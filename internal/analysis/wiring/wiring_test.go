package wiring

import (
	"os"
	"path/filepath"
	"testing"
)

// writeAssembly writes a two-stack assembly: A in eu-west-1 with an API, a
// stage and an output; B in us-east-1 referring to them.
func writeAssembly(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"manifest.json": `{"artifacts": {
			"A": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/eu-west-1", "properties": {"templateFile": "A.json", "stackName": "Stack-A"}},
			"B": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region", "properties": {"templateFile": "B.json"}}}}`,
		"tree.json": `{"tree": {"id": "App", "path": ""}}`,
		"A.json": `{"Resources": {
			"Api": {"Type": "AWS::ApiGateway::RestApi"},
			"Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {"RestApiId": {"Ref": "Api"}}},
			"Fn": {"Type": "AWS::Lambda::Function"},
			"Version": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Fn"}}},
			"Group": {"Type": "AWS::CodeDeploy::DeploymentGroup"},
			"Live": {"Type": "AWS::Lambda::Alias", "Properties": {"FunctionName": {"Ref": "Fn"}, "FunctionVersion": {"Fn::GetAtt": ["Version", "Version"]}, "Name": "live"},
				"UpdatePolicy": {"CodeDeployLambdaAliasUpdate": {"DeploymentGroupName": {"Ref": "Group"}}}},
			"Proxy": {"Type": "AWS::RDS::DBProxy"},
			"ProxyId": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String",
				"Value": {"Fn::Select": [6, {"Fn::Split": [":", {"Fn::GetAtt": ["Proxy", "DBProxyArn"]}]}]}}}},
			"Outputs": {"ApiId": {"Value": {"Ref": "Api"}}, "ProxyId": {"Value": {"Fn::GetAtt": ["ProxyId", "Value"]}}}}`,
		"B.json": `{"Resources": {
			"Acl": {"Type": "AWS::WAFv2::WebACL"},
			"Assoc": {"Type": "AWS::WAFv2::WebACLAssociation", "Properties": {
				"WebACLArn": {"Fn::GetAtt": ["Acl", "Arn"]},
				"ResourceArn": {"Fn::Join": ["", ["arn:aws:apigateway:eu-west-1::/restapis/",
					{"Fn::GetStackOutput": {"StackName": "Stack-A", "OutputName": "ApiId", "Region": "eu-west-1"}}, "/stages/v1"]]}}},
			"Rule": {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "rate(5 minutes)",
				"Targets": [{"Arn": {"Fn::Sub": "${Acl.Arn}"}, "Id": "t"}]}}}}`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestReferencesAcrossStacksAndParts(t *testing.T) {
	a, err := Load(writeAssembly(t))
	if err != nil {
		t.Fatal(err)
	}
	api, acl := Ref{"A", "Api"}, Ref{"B", "Acl"}
	// Fn::GetStackOutput to the other stack's output, and the API owning its stage.
	if got := a.Between(acl, api, Firewall); len(got) != 1 {
		t.Errorf("web ACL → API through Fn::GetStackOutput: %v; edges %v", got, a.Edges)
	}
	if got := a.Owner(Ref{"A", "Stage"}); got != api {
		t.Errorf("Owner(stage) = %v, want the API", got)
	}
	// ${X.Attr} in Fn::Sub, and the schedule's expression.
	if got := a.Between(Ref{"B", "Rule"}, acl, Schedule); len(got) != 1 || got[0].Detail != "rate(5 minutes)" {
		t.Errorf("rule → target through Fn::Sub: %v", got)
	}
	// An SSM parameter's Value names what the parameter holds, here across
	// stacks; its other attributes and Ref name the parameter.
	proxyID := map[string]any{"Fn::GetStackOutput": map[string]any{"StackName": "Stack-A", "OutputName": "ProxyId"}}
	if got := a.Refs("B", proxyID); len(got) != 1 || got[0] != (Ref{"A", "Proxy"}) {
		t.Errorf("Refs through the parameter's Value = %v, want the proxy", got)
	}
	if got := a.Refs("A", map[string]any{"Fn::GetAtt": []any{"ProxyId", "Type"}}); len(got) != 1 || got[0] != (Ref{"A", "ProxyId"}) {
		t.Errorf("Refs of the parameter's Type = %v, want the parameter", got)
	}
	// A CodeDeploy group shifts the function its alias's update policy names it for.
	if got := a.Between(Ref{"A", "Group"}, Ref{"A", "Fn"}, Rollout); len(got) != 1 {
		t.Errorf("deployment group → function through the alias's update policy: %v; edges %v", got, a.Edges)
	}
	// Pseudo parameters and unknown names are not resources.
	if got := a.Refs("A", map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Ref": "AWS::Region"}, map[string]any{"Ref": "Nope"}}}}); len(got) != 0 {
		t.Errorf("Refs of pseudo parameters = %v", got)
	}
	sa, _ := a.Stack("A")
	sb, _ := a.Stack("B")
	if sa.Account != "111111111111" || sa.Region != "eu-west-1" || sb.Account != "" || sb.Region != "" || sb.StackName != "B" {
		t.Errorf("environments: A %+v, B %+v", sa, sb)
	}
}

func TestTrimHash(t *testing.T) {
	for in, want := range map[string]string{"Worker1A2B3C4D": "Worker", "Api": "Api", "QueueDLQ": "QueueDLQ", "BucketabcdefAB": "BucketabcdefAB"} {
		if got := TrimHash(in); got != want {
			t.Errorf("TrimHash(%s) = %s, want %s", in, got, want)
		}
	}
}
