package apiwithauth

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/nag"
)

// createWebAcl associates a regional web ACL with the stage: AWS's common
// rule set (OWASP-style checks; note its 8 KB body-size rule) and known bad
// inputs, then a per-IP rate limit. Cost: a web ACL, three rules and two
// managed groups are billed monthly, plus a charge per million requests.
func (a *ApiWithAuth) createWebAcl(c *config) {
	if !c.webAcl {
		nag.Suppress(a.Api.DeploymentStage(), nag.Rule("AwsSolutions-APIG3",
			"The caller turned the construct's web ACL off (Props.WebAcl false), e.g. because a firewall is managed centrally."))
		return
	}
	visibility := func(name string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true),
			MetricName:               jsii.String(name),
			SampledRequestsEnabled:   jsii.Bool(true),
		}
	}
	managed := func(priority float64, name string) *awswafv2.CfnWebACL_RuleProperty {
		return &awswafv2.CfnWebACL_RuleProperty{
			Name:     jsii.String(name),
			Priority: jsii.Number(priority),
			Statement: &awswafv2.CfnWebACL_StatementProperty{
				ManagedRuleGroupStatement: &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{
					VendorName: jsii.String("AWS"),
					Name:       jsii.String(name),
				},
			},
			OverrideAction:   &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
			VisibilityConfig: visibility(name),
		}
	}
	acl := awswafv2.NewCfnWebACL(a.Construct, jsii.String("WebAcl"), &awswafv2.CfnWebACLProps{
		Scope:         jsii.String("REGIONAL"),
		DefaultAction: &awswafv2.CfnWebACL_DefaultActionProperty{Allow: map[string]any{}},
		Description:   jsii.String("Protects the REST API stage"),
		Rules: &[]any{
			managed(0, "AWSManagedRulesCommonRuleSet"),
			managed(1, "AWSManagedRulesKnownBadInputsRuleSet"),
			&awswafv2.CfnWebACL_RuleProperty{
				Name:     jsii.String("RateLimitPerIp"),
				Priority: jsii.Number(2),
				Statement: &awswafv2.CfnWebACL_StatementProperty{
					RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
						AggregateKeyType:    jsii.String("IP"),
						Limit:               jsii.Number(c.webAclRateLimit),
						EvaluationWindowSec: jsii.Number(300),
					},
				},
				Action:           &awswafv2.CfnWebACL_RuleActionProperty{Block: map[string]any{}},
				VisibilityConfig: visibility("RateLimitPerIp"),
			},
		},
		VisibilityConfig: visibility("WebAcl"),
	})
	awswafv2.NewCfnWebACLAssociation(a.Construct, jsii.String("WebAclAssociation"), &awswafv2.CfnWebACLAssociationProps{
		ResourceArn: a.Api.DeploymentStage().StageArn(),
		WebAclArn:   acl.AttrArn(),
	})
	a.WebAcl = acl
}

// createAlarms adds the default alarms (no actions): more than 5% of
// requests failing with 5XX over 5 minutes, and p99 latency above 5 s for
// 15 minutes.
func (a *ApiWithAuth) createAlarms() {
	five := awscdk.Duration_Minutes(jsii.Number(5))
	serverErrors := awscloudwatch.NewAlarm(a.Construct, jsii.String("ServerErrorsAlarm"), &awscloudwatch.AlarmProps{
		AlarmDescription:   jsii.String("More than 5% of API requests failed with a 5XX error over 5 minutes"),
		Metric:             a.MetricServerErrors(&awscloudwatch.MetricOptions{Statistic: jsii.String("Average"), Period: five}),
		Threshold:          jsii.Number(0.05),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	latency := awscloudwatch.NewAlarm(a.Construct, jsii.String("LatencyAlarm"), &awscloudwatch.AlarmProps{
		AlarmDescription:   jsii.String("API p99 latency above 5 seconds for 15 minutes"),
		Metric:             a.MetricLatency(&awscloudwatch.MetricOptions{Statistic: jsii.String("p99"), Period: five}),
		Threshold:          jsii.Number(5000),
		EvaluationPeriods:  jsii.Number(3),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	a.Alarms = []awscloudwatch.Alarm{serverErrors, latency}
}
