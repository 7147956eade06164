package stacks

import (
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// rolloutStack is a stack with one function rolled out with r, its group
// also watching an extra alarm (as the API's 5XX alarm), as the App stack
// does it.
func rolloutStack(app awscdk.App, id string, r Rollout) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String(id), nil)
	fn := awslambda.NewFunction(stack, jsii.String("Fn"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(), Handler: jsii.String("index.handler"),
		Code:    awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({})")),
		Timeout: awscdk.Duration_Seconds(jsii.Number(10)),
	})
	extra := awscloudwatch.NewAlarm(stack, jsii.String("Extra"), &awscloudwatch.AlarmProps{
		Metric:    fn.MetricInvocations(nil),
		Threshold: jsii.Number(1), EvaluationPeriods: jsii.Number(1),
	})
	ro := newRollout(stack, "FnRollout", fn)
	ro.deploy(awscodedeploy.NewLambdaApplication(stack, jsii.String("Deployments"), nil), deploymentConfig(stack, r), extra)
	return stack
}

// The deployment group's configuration follows the Rollout: CodeDeploy's
// predefined one where it matches (Prod's canary, Staging's linear), a
// custom one otherwise, with the Rollout's percent and minutes.
func TestDeploymentConfigFollowsTheRollout(t *testing.T) {
	app := awscdk.NewApp(nil)
	cases := []struct {
		id        string
		r         Rollout
		predef    string
		routing   string
		shiftSpec map[string]any
	}{
		{id: "ProdShape", r: Prod().Rollout, predef: "CodeDeployDefault.LambdaCanary10Percent5Minutes"},
		{id: "StagingShape", r: Staging().Rollout, predef: "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"},
		{id: "Linear10Every10", r: Rollout{Kind: Linear, Percent: 10, Interval: 10 * time.Minute}, predef: "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes"},
		{id: "CustomCanary", r: Rollout{Kind: Canary, Percent: 25, Interval: 7 * time.Minute},
			routing: "TimeBasedCanary", shiftSpec: map[string]any{"TimeBasedCanary": map[string]any{"CanaryInterval": 7, "CanaryPercentage": 25}}},
		{id: "CustomLinear", r: Rollout{Kind: Linear, Percent: 20, Interval: 2 * time.Hour},
			routing: "TimeBasedLinear", shiftSpec: map[string]any{"TimeBasedLinear": map[string]any{"LinearInterval": 120, "LinearPercentage": 20}}},
	}
	stacks := make([]awscdk.Stack, len(cases))
	for i, c := range cases {
		stacks[i] = rolloutStack(app, c.id, c.r)
	}
	for i, c := range cases {
		tpl := assertions.Template_FromStack(stacks[i], nil)
		if c.predef != "" {
			tpl.HasResourceProperties(jsii.String("AWS::CodeDeploy::DeploymentGroup"), map[string]any{"DeploymentConfigName": c.predef})
			tpl.ResourceCountIs(jsii.String("AWS::CodeDeploy::DeploymentConfig"), jsii.Number(0))
			continue
		}
		configs := tpl.FindResources(jsii.String("AWS::CodeDeploy::DeploymentConfig"), nil)
		if len(*configs) != 1 {
			t.Fatalf("%s: want one custom deployment config, got %d", c.id, len(*configs))
		}
		var configID string
		for id := range *configs {
			configID = id
		}
		tpl.HasResourceProperties(jsii.String("AWS::CodeDeploy::DeploymentConfig"), map[string]any{
			"ComputePlatform": "Lambda",
			"TrafficRoutingConfig": assertions.Match_ObjectEquals(&map[string]any{
				"Type": c.routing, c.routing: c.shiftSpec[c.routing],
			}),
		})
		tpl.HasResourceProperties(jsii.String("AWS::CodeDeploy::DeploymentGroup"), map[string]any{
			"DeploymentConfigName": map[string]any{"Ref": configID},
		})
	}
}

// The group rolls back on a failed or stopped deployment and on any of its
// alarms: the function's errors and p99 duration through the live alias,
// of the version it shifts to, and the extra alarm. The alias carries the
// CodeDeploy update policy.
func TestRolloutGroupRollsBackOnItsAlarms(t *testing.T) {
	app := awscdk.NewApp(nil)
	tpl := assertions.Template_FromStack(rolloutStack(app, "Shape", Prod().Rollout), nil)
	byMetric := map[string]string{}
	for id, a := range *tpl.FindResources(jsii.String("AWS::CloudWatch::Alarm"), nil) {
		byMetric[(*a)["Properties"].(map[string]any)["MetricName"].(string)] = id
	}
	errorsID, durationID, extraID := byMetric["Errors"], byMetric["Duration"], byMetric["Invocations"]
	if errorsID == "" || durationID == "" || extraID == "" {
		t.Fatalf("alarms by metric: %v", byMetric)
	}
	tpl.HasResourceProperties(jsii.String("AWS::CodeDeploy::DeploymentGroup"), map[string]any{
		"AlarmConfiguration": map[string]any{"Enabled": true, "Alarms": []any{
			map[string]any{"Name": map[string]any{"Ref": errorsID}},
			map[string]any{"Name": map[string]any{"Ref": durationID}},
			map[string]any{"Name": map[string]any{"Ref": extraID}},
		}},
		"AutoRollbackConfiguration": map[string]any{"Enabled": true,
			"Events": []any{"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST", "DEPLOYMENT_STOP_ON_ALARM"}},
		"DeploymentStyle": map[string]any{"DeploymentType": "BLUE_GREEN", "DeploymentOption": "WITH_TRAFFIC_CONTROL"},
	})
	versionAtt := map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^FnCurrentVersion")), "Version"}}
	fnRef := map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Fn[0-9A-F]{8}$"))}
	for name, extra := range map[string]map[string]any{
		"Errors":   {"Statistic": "Sum", "Threshold": 0},
		"Duration": {"ExtendedStatistic": "p99", "Threshold": 5000},
	} {
		want := map[string]any{
			"MetricName": name, "Namespace": "AWS/Lambda", "Period": 60,
			"EvaluationPeriods": 3, "DatapointsToAlarm": 2, "TreatMissingData": "notBreaching",
			"ComparisonOperator": "GreaterThanThreshold",
			"Dimensions": []any{
				map[string]any{"Name": "ExecutedVersion", "Value": versionAtt},
				map[string]any{"Name": "FunctionName", "Value": fnRef},
				map[string]any{"Name": "Resource", "Value": map[string]any{"Fn::Join": []any{"", []any{fnRef, ":" + LiveAlias}}}},
			},
		}
		for k, v := range extra {
			want[k] = v
		}
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), want)
	}
	tpl.HasResource(jsii.String("AWS::Lambda::Alias"), map[string]any{
		"Properties": map[string]any{"Name": LiveAlias, "FunctionVersion": versionAtt},
		"UpdatePolicy": map[string]any{"CodeDeployLambdaAliasUpdate": map[string]any{
			"DeploymentGroupName": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^FnRolloutDeployment"))},
		}},
	})
}

// The group's role may update only the live alias and read only its
// alarms: no managed policy (CDK's default, AWSCodeDeployRoleForLambdaLimited,
// reaches every alias of the account).
func TestRolloutRoleIsScopedToTheAliasAndAlarms(t *testing.T) {
	app := awscdk.NewApp(nil)
	tpl := assertions.Template_FromStack(rolloutStack(app, "Shape", Prod().Rollout), nil)
	tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
		"AssumeRolePolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": []any{
			map[string]any{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "codedeploy.amazonaws.com"}},
		}}),
		"ManagedPolicyArns": assertions.Match_Absent(),
		"Policies": []any{map[string]any{"PolicyName": "ShiftAlias", "PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{
			map[string]any{"Effect": "Allow", "Action": []any{"lambda:GetAlias", "lambda:GetProvisionedConcurrencyConfig", "lambda:UpdateAlias"},
				"Resource": map[string]any{"Fn::Join": assertions.Match_ArrayWith(&[]any{assertions.Match_ArrayWith(&[]any{":" + LiveAlias})})}},
			map[string]any{"Effect": "Allow", "Action": "cloudwatch:DescribeAlarms",
				"Resource": []any{
					map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^FnRolloutErrorsAlarm")), "Arn"}},
					map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^FnRolloutLatencyAlarm")), "Arn"}},
					map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^Extra")), "Arn"}},
				}},
		}}}},
	})
	tpl.ResourceCountIs(jsii.String("AWS::IAM::Policy"), jsii.Number(0))
}
