// Package waf builds the WAFv2 web ACL that guards Stratus's entry points:
// AWS's common rule set (OWASP-style checks; note its 8 KB body-size rule),
// known bad inputs, and a per-IP rate limit. Cost: a web ACL, three rules and
// two managed groups are billed monthly, plus a charge per million requests.
package waf

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Scope is where a web ACL can be associated.
type Scope string

const (
	// Regional web ACLs guard API Gateway stages, load balancers and the like.
	Regional Scope = "REGIONAL"
	// CloudFront web ACLs guard distributions; they must live in us-east-1.
	CloudFront Scope = "CLOUDFRONT"
)

// NewWebAcl creates the web ACL. rateLimit is the number of requests one IP
// may send in five minutes before it is blocked.
func NewWebAcl(scope constructs.Construct, id string, where Scope, rateLimit float64, description string) awswafv2.CfnWebACL {
	return awswafv2.NewCfnWebACL(scope, jsii.String(id), &awswafv2.CfnWebACLProps{
		Scope:         jsii.String(string(where)),
		DefaultAction: &awswafv2.CfnWebACL_DefaultActionProperty{Allow: map[string]any{}},
		Description:   jsii.String(description),
		Rules: &[]any{
			managedRule(0, "AWSManagedRulesCommonRuleSet"),
			managedRule(1, "AWSManagedRulesKnownBadInputsRuleSet"),
			&awswafv2.CfnWebACL_RuleProperty{
				Name:     jsii.String("RateLimitPerIp"),
				Priority: jsii.Number(2),
				Statement: &awswafv2.CfnWebACL_StatementProperty{
					RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
						AggregateKeyType:    jsii.String("IP"),
						Limit:               jsii.Number(rateLimit),
						EvaluationWindowSec: jsii.Number(300),
					},
				},
				Action:           &awswafv2.CfnWebACL_RuleActionProperty{Block: map[string]any{}},
				VisibilityConfig: visibility("RateLimitPerIp"),
			},
		},
		VisibilityConfig: visibility("WebAcl"),
	})
}

func managedRule(priority float64, name string) *awswafv2.CfnWebACL_RuleProperty {
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

func visibility(name string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
	return &awswafv2.CfnWebACL_VisibilityConfigProperty{
		CloudWatchMetricsEnabled: jsii.Bool(true),
		MetricName:               jsii.String(name),
		SampledRequestsEnabled:   jsii.Bool(true),
	}
}
