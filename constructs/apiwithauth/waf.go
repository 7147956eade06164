package apiwithauth

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/nag"
	"github.com/stratus-cdk/stratus/internal/synth/waf"
)

// createWebAcl associates a regional web ACL with the stage (see package
// internal/synth/waf for its rules and cost).
func (a *ApiWithAuth) createWebAcl(c *config) {
	if !c.webAcl {
		nag.Suppress(a.Api.DeploymentStage(), nag.Rule("AwsSolutions-APIG3",
			"The caller turned the construct's web ACL off (Props.WebAcl false), e.g. because a firewall is managed centrally."))
		return
	}
	o := waf.Options{
		Scope: waf.Regional, RateLimit: c.webAclRateLimit, Description: "Protects the REST API stage",
		TextPaths:    textPaths(c),
		LogRetention: c.logRetention, LogEncryptionKey: c.logKey, RemovalPolicy: c.removal,
	}
	if c.originSecret != nil {
		// Resolved by CloudFormation at deploy time, never in the template.
		o.RateLimit = 0
		o.OriginHeader = &waf.Header{Name: OriginHeaderName, Value: c.originSecret.SecretValue().UnsafeUnwrap()}
	}
	acl := waf.NewWebAcl(a.Construct, "WebAcl", o)
	awswafv2.NewCfnWebACLAssociation(a.Construct, jsii.String("WebAclAssociation"), &awswafv2.CfnWebACLAssociationProps{
		ResourceArn: a.Api.DeploymentStage().StageArn(),
		WebAclArn:   acl.Acl.AttrArn(),
	})
	a.WebAcl = acl.Acl
	a.WebAclLogGroup = acl.LogGroup
}

// textPaths are the URI path prefixes, under the stage, of the routes whose
// bodies API Gateway validates against a request model ("/v1/items"): the web
// ACL lets users' free text through there (see package internal/synth/waf).
func textPaths(c *config) []string {
	var paths []string
	for _, r := range c.routes {
		if r.RequestSchema != nil {
			paths = append(paths, "/"+c.stageName+r.path)
		}
	}
	return waf.PathPrefixes(paths)
}
