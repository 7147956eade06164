package stacks

import (
	"cmp"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/apiwithauth"
	"github.com/stratus-cdk/stratus/constructs/gofunction"
	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/internal/synth/nag"
	"github.com/stratus-cdk/stratus/internal/synth/secure"
	"github.com/stratus-cdk/stratus/internal/synth/waf"
)

// defaultOriginSecretRotation is ApiConfig.OriginSecretRotation's default.
const defaultOriginSecretRotation = 30 * 24 * time.Hour

// newOriginSecret generates the secret that keeps the API reachable only
// through the site's distribution, whose web ACL rate-limits per viewer
// (see apiwithauth.Props.OriginSecret). It never leaves AWS: CloudFormation
// resolves it into the distribution's origin header and the API's web ACL,
// and the Web stack's rotation function (rotateOriginSecret) replaces it.
//
// Its own key (not Secrets Manager's) means only principals that the key's
// policy and their IAM policies both allow can read it: the rotation
// function (RotationSchedule grants it through Secrets Manager) and the
// identity that deploys (CloudFormation resolves the dynamic references
// with the deploy role's permissions).
func newOriginSecret(stack awscdk.Stack, cfg Config) awssecretsmanager.Secret {
	key := secure.Key(stack, "OriginSecretKey", "Stratus "+cfg.Name+": encrypts the origin secret", cfg.RemovalPolicy)
	secret := awssecretsmanager.NewSecret(stack, jsii.String("OriginSecret"), &awssecretsmanager.SecretProps{
		EncryptionKey: key,
		Description:   jsii.String("Stratus " + cfg.Name + ": the " + apiwithauth.OriginHeaderName + " header CloudFront adds to API requests and the API's web ACL requires"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength: jsii.Number(contract.OriginSecretLength), ExcludePunctuation: jsii.Bool(true), IncludeSpace: jsii.Bool(false),
		},
		RemovalPolicy: cfg.RemovalPolicy,
	})
	// cdk-nag looks for a rotation schedule in the secret's own stack.
	nag.Suppress(secret, nag.Rule("AwsSolutions-SMG4",
		"Rotated by the Web stack's OriginSecretRotationSchedule, which must live beside the distribution it updates."))
	return secret
}

// rotateOriginSecret rotates app's origin secret every
// cfg.Api.OriginSecretRotation with the rotate function
// (lambdas/internal/app/originsecret): it widens the API web ACL's rule to
// the current and the next value, has dist's origin send the next, waits for
// the distribution to deploy, then narrows the rule. It lives in the Web
// stack, which knows both the web ACL (an export of the App stack) and the
// distribution.
func rotateOriginSecret(stack awscdk.Stack, cfg Config, app *AppStack, dist awscloudfront.IDistribution) awslambda.Function {
	acl := app.Api.WebAcl
	fn := gofunction.New(stack, "OriginSecretRotation", &gofunction.Props{
		Entry:            jsii.String(contract.Rotate().Entry()),
		LogEncryptionKey: app.LogsKey,
		FunctionOptions: awslambda.FunctionOptions{
			Description: jsii.String("Rotates the origin secret: the API's web ACL accepts both values, CloudFront sends the new one, then the web ACL only it"),
			// testSecret waits for a CloudFront deployment, a few minutes.
			Timeout:          awscdk.Duration_Minutes(jsii.Number(15)),
			LogRetention:     cfg.LogRetention,
			LogRemovalPolicy: cfg.RemovalPolicy,
			Environment: &map[string]*string{
				contract.EnvStage:          jsii.String(cfg.Name),
				contract.EnvWebAclArn:      acl.AttrArn(),
				contract.EnvWebAclRule:     jsii.String(waf.OriginRuleName),
				contract.EnvOriginHeader:   jsii.String(apiwithauth.OriginHeaderName),
				contract.EnvDistributionID: dist.DistributionId(),
			},
		},
	})
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("wafv2:GetWebACL", "wafv2:UpdateWebACL"),
		Resources: jsii.Strings(*acl.AttrArn()),
	}))
	// UpdateWebACL is also authorized against each managed rule group the
	// web ACL references (aws-samples/amazon-cloudfront-waf-secretsmanager
	// issue 3); their ARNs are AWS's, not known at synth.
	managed := awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:wafv2:${AWS::Region}:${AWS::AccountId}:regional/managedruleset/*"), nil)
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("wafv2:UpdateWebACL"),
		Resources: jsii.Strings(*managed),
	}))
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("cloudfront:GetDistribution", "cloudfront:GetDistributionConfig", "cloudfront:UpdateDistribution"),
		Resources: jsii.Strings(*dist.DistributionArn()),
	}))
	every := cmp.Or(cfg.Api.OriginSecretRotation, defaultOriginSecretRotation)
	// The secret as an import without its key: given the key, aws-cdk-lib
	// would grant the function in the key's policy, in the App stack, which
	// then would depend on this one. The grant is the function's own.
	secret := awssecretsmanager.Secret_FromSecretAttributes(stack, jsii.String("RotatedOriginSecret"), &awssecretsmanager.SecretAttributes{
		SecretCompleteArn: app.OriginSecret.SecretArn(),
	})
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"),
		Resources:  jsii.Strings(*app.OriginSecret.EncryptionKey().KeyArn()),
		Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + *stack.Region() + ".amazonaws.com"}},
	}))
	awssecretsmanager.NewRotationSchedule(stack, jsii.String("OriginSecretRotationSchedule"), &awssecretsmanager.RotationScheduleProps{
		Secret:             secret,
		RotationLambda:     fn,
		AutomaticallyAfter: awscdk.Duration_Hours(jsii.Number(every.Hours())),
		// Not during the deploy that creates the schedule: the rotation
		// would change the distribution while CloudFormation may still be
		// updating it.
		RotateImmediatelyOnUpdate: jsii.Bool(false),
	})
	// Only this account's Secrets Manager may invoke it (the confused
	// deputy: AWS's rotation guide adds --source-account).
	for _, c := range *fn.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if p, ok := c.(awslambda.CfnPermission); ok && *p.Principal() == "secretsmanager.amazonaws.com" {
			p.SetSourceAccount(stack.Account())
		}
	}
	nag.Suppress(fn, nag.NoDLQSynchronous())
	nag.Suppress(fn.Role(), nag.Rule("AwsSolutions-IAM5",
		"UpdateWebACL is authorized against every managed rule group the web ACL references, whose ARNs AWS owns; "+
			"GetRandomPassword has no resource (aws-cdk-lib's rotation grant).",
		"Resource::arn:<AWS::Partition>:wafv2:<AWS::Region>:<AWS::AccountId>:regional/managedruleset/*", "Resource::*"))
	return fn
}
