package stacks

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// LiveAlias is the name of the alias the API integration and the event
// source mapping invoke in a stage that rolls out gradually.
const LiveAlias = "live"

// FunctionRollout is one function's gradual release: its current version
// behind the live alias, the alarms on the version the alias runs, and the
// CodeDeploy deployment group that moves the alias to each new version.
type FunctionRollout struct {
	constructs.Construct
	Function awslambda.Function
	// Alias is what callers invoke; CodeDeploy shifts its weights.
	Alias awslambda.Alias
	// Alarms are the function's own: errors and p99 duration of the new
	// version, as invoked through the alias. Deploy adds more to the group.
	Alarms []awscloudwatch.Alarm
	// Group is set by deploy.
	Group awscodedeploy.LambdaDeploymentGroup
}

// Rollout alarms: one-minute periods, so that one trips within the
// shortest bake (a one-minute linear step) and well within Prod's canary.
const (
	rolloutPeriod            = time.Minute
	rolloutEvaluationPeriods = 3
	rolloutDatapoints        = 2
)

// newRollout publishes fn's current version behind the live alias and
// creates the function's rollout alarms. The group comes later (deploy),
// once every alarm it watches exists.
//
// The alarms watch the alias's invocations of the version it is being moved
// to (dimensions FunctionName, Resource "<function>:live" and
// ExecutedVersion, the pattern AWS SAM documents): during a canary that
// version serves 10% of the traffic, and an alarm on the whole alias or the
// function would dilute its errors with the old version's 90%; an alarm on
// the version alone (CDK's Version.metricErrors, Resource "<function>:<n>")
// would see nothing, as Lambda reports an invocation through an alias under
// the alias. The dimensions name the function and the alias by name, not by
// the alias's ARN, which would make the alias depend on itself (alias →
// deployment group → alarm → alias, aws/aws-cdk#2231).
func newRollout(scope constructs.Construct, id string, fn awslambda.Function) *FunctionRollout {
	r := &FunctionRollout{Construct: constructs.NewConstruct(scope, jsii.String(id)), Function: fn}
	version := fn.CurrentVersion()
	r.Alias = awslambda.NewAlias(r.Construct, jsii.String("Live"), &awslambda.AliasProps{
		AliasName:   jsii.String(LiveAlias),
		Version:     version,
		Description: jsii.String("What callers invoke; CodeDeploy shifts it to each new version, and back on an alarm"),
	})
	metric := func(name, statistic string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:  jsii.String("AWS/Lambda"),
			MetricName: jsii.String(name),
			DimensionsMap: &map[string]*string{
				"FunctionName":    fn.FunctionName(),
				"Resource":        jsii.String(*fn.FunctionName() + ":" + LiveAlias),
				"ExecutedVersion": version.Version(),
			},
			Statistic: jsii.String(statistic),
			Period:    awscdk.Duration_Seconds(jsii.Number(rolloutPeriod.Seconds())),
		})
	}
	alarm := func(alarmID string, m awscloudwatch.Metric, threshold float64, what string) awscloudwatch.Alarm {
		return awscloudwatch.NewAlarm(r.Construct, jsii.String(alarmID), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(*r.Node().Path() + ": the version the live alias runs " + what + " (rolls a deployment back)"),
			Metric:             m,
			Threshold:          jsii.Number(threshold),
			EvaluationPeriods:  jsii.Number(rolloutEvaluationPeriods),
			DatapointsToAlarm:  jsii.Number(rolloutDatapoints),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			// A version with no traffic (after a rollback, or between
			// requests) is not failing.
			TreatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
	}
	latency := latencyThreshold(fn)
	r.Alarms = []awscloudwatch.Alarm{
		alarm("ErrorsAlarm", metric("Errors", "Sum"), 0,
			fmt.Sprintf("failed invocations (errors, timeouts) in %d of %d minutes", rolloutDatapoints, rolloutEvaluationPeriods)),
		alarm("LatencyAlarm", metric("Duration", "p99"), float64(latency.Milliseconds()),
			fmt.Sprintf("p99 duration above %v in %d of %d minutes", latency, rolloutDatapoints, rolloutEvaluationPeriods)),
	}
	return r
}

// latencyThreshold is half the function's timeout: a version whose p99
// takes that long is heading for timeouts. For the API (10 s timeout) it is
// 5 s, the API's own p99 latency alarm's threshold, but over minutes
// instead of 15, so it can trip inside a canary's bake.
func latencyThreshold(fn awslambda.Function) time.Duration {
	seconds := 3.0 // Lambda's default timeout
	if t := fn.Timeout(); t != nil {
		seconds = *t.ToSeconds(nil)
	}
	return time.Duration(seconds * float64(time.Second) / 2)
}

// deploy creates the deployment group that moves the alias to each new
// version with config, in app, rolling back automatically when a
// deployment fails, is stopped, or any of the rollout's alarms or extra
// goes off during the shift. Its role may update only this alias and read
// only these alarms: AWS's managed AWSCodeDeployRoleForLambdaLimited, CDK's
// default, lets it update every alias of the account, invoke any
// CodeDeployHook_* function, publish to any topic and read any S3 object
// under CodeDeployDefault/, none of which a deployment without hooks,
// triggers or an S3 AppSpec uses.
func (r *FunctionRollout) deploy(app awscodedeploy.ILambdaApplication, config awscodedeploy.ILambdaDeploymentConfig, extra ...awscloudwatch.Alarm) {
	alarms := append(append([]awscloudwatch.Alarm(nil), r.Alarms...), extra...)
	stack := awscdk.Stack_Of(r.Construct)
	// The alias's ARN, built from the function's name: a reference to the
	// alias itself would make it depend on its own deployment group.
	aliasArn := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("lambda"), Resource: jsii.String("function"),
		ResourceName: jsii.String(*r.Function.FunctionName() + ":" + LiveAlias), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	alarmArns := make([]*string, len(alarms))
	for i, a := range alarms {
		alarmArns[i] = a.AlarmArn()
	}
	role := awsiam.NewRole(r.Construct, jsii.String("DeploymentRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("codedeploy.amazonaws.com"), nil),
		Description: jsii.String("CodeDeploy shifts " + *r.Node().Path() + "'s live alias and reads its rollback alarms"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"ShiftAlias": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
			Statements: &[]awsiam.PolicyStatement{
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:   jsii.Strings("lambda:GetAlias", "lambda:GetProvisionedConcurrencyConfig", "lambda:UpdateAlias"),
					Resources: &[]*string{aliasArn},
				}),
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:   jsii.Strings("cloudwatch:DescribeAlarms"),
					Resources: &alarmArns,
				}),
			},
		})},
	})
	r.Group = awscodedeploy.NewLambdaDeploymentGroup(r.Construct, jsii.String("Deployment"), &awscodedeploy.LambdaDeploymentGroupProps{
		Application:      app,
		Alias:            r.Alias,
		DeploymentConfig: config,
		// The group adds CDK's managed policy to a role it may change: it
		// gets this one as given.
		Role: role.WithoutPolicyUpdates(nil),
		AutoRollback: &awscodedeploy.AutoRollbackConfig{
			FailedDeployment:  jsii.Bool(true),
			StoppedDeployment: jsii.Bool(true),
			DeploymentInAlarm: jsii.Bool(true),
		},
	})
	for _, a := range alarms {
		r.Group.AddAlarm(a)
	}
}

// deploymentConfig is CodeDeploy's predefined configuration for r where
// one matches (canary 10% for 5, 10, 15 or 30 minutes; linear 10% every 1,
// 2, 3 or 10 minutes), else a custom one in scope, created once.
func deploymentConfig(scope constructs.Construct, r Rollout) awscodedeploy.ILambdaDeploymentConfig {
	if r.Percent == 10 {
		switch {
		case r.Kind == Canary && r.Interval == 5*time.Minute:
			return awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_5MINUTES()
		case r.Kind == Canary && r.Interval == 10*time.Minute:
			return awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_10MINUTES()
		case r.Kind == Canary && r.Interval == 15*time.Minute:
			return awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_15MINUTES()
		case r.Kind == Canary && r.Interval == 30*time.Minute:
			return awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_30MINUTES()
		case r.Kind == Linear && r.Interval == time.Minute:
			return awscodedeploy.LambdaDeploymentConfig_LINEAR_10PERCENT_EVERY_1MINUTE()
		case r.Kind == Linear && r.Interval == 2*time.Minute:
			return awscodedeploy.LambdaDeploymentConfig_LINEAR_10PERCENT_EVERY_2MINUTES()
		case r.Kind == Linear && r.Interval == 3*time.Minute:
			return awscodedeploy.LambdaDeploymentConfig_LINEAR_10PERCENT_EVERY_3MINUTES()
		case r.Kind == Linear && r.Interval == 10*time.Minute:
			return awscodedeploy.LambdaDeploymentConfig_LINEAR_10PERCENT_EVERY_10MINUTES()
		}
	}
	const id = "RolloutConfig"
	if c := scope.Node().TryFindChild(jsii.String(id)); c != nil {
		return c.(awscodedeploy.ILambdaDeploymentConfig)
	}
	interval := awscdk.Duration_Minutes(jsii.Number(r.Interval.Minutes()))
	percent := jsii.Number(float64(r.Percent))
	var routing awscodedeploy.TrafficRouting
	if r.Kind == Canary {
		routing = awscodedeploy.TrafficRouting_TimeBasedCanary(&awscodedeploy.TimeBasedCanaryTrafficRoutingProps{Interval: interval, Percentage: percent})
	} else {
		routing = awscodedeploy.TrafficRouting_TimeBasedLinear(&awscodedeploy.TimeBasedLinearTrafficRoutingProps{Interval: interval, Percentage: percent})
	}
	return awscodedeploy.NewLambdaDeploymentConfig(scope, jsii.String(id), &awscodedeploy.LambdaDeploymentConfigProps{TrafficRouting: routing})
}
