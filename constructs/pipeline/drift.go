package pipeline

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
)

// driftCheckStep is the DriftCheck of stage: a CodeBuild step on the synth
// step's image and toolchain, with the source as its input and the cloud
// assembly at cdk.out.
//
// Least privilege: drift detection runs with the caller's permissions, and
// CloudFormation reads every resource of the stack with them (iam:Get*,
// s3:GetBucket*, rds:Describe*, lambda:Get*… per type), on top of
// cloudformation:DetectStackDrift, DescribeStackDriftDetectionStatus (which
// takes no resource) and DescribeStackResourceDrifts. Granting that to the
// build's own role would mean a wide read-only policy in the pipeline's
// account, and none at all in another account. The CDK bootstrap already
// made the role for exactly this: cdk-<qualifier>-lookup-role-<account>-<region>,
// with ReadOnlyAccess (cloudformation:Detect* and Describe* included) and a
// deny on kms:Decrypt, trusted by the pipeline's account once the target is
// bootstrapped with --trust (or --trust-for-lookup). So the build's role gets
// one statement: sts:AssumeRole on that one role ARN. It can change nothing.
func (p *Pipeline) driftCheckStep(stage awscdk.Stage, d *DriftCheck) pipelines.CodeBuildStep {
	pipelineStack := awscdk.Stack_Of(p.Construct)
	account := propcheck.Or(d.Account, "")
	if account == "" {
		account = resolved(stage.Account(), *pipelineStack.Account())
	}
	region := propcheck.Or(d.Region, "")
	if region == "" {
		region = resolved(stage.Region(), *pipelineStack.Region())
	}
	qual := propcheck.OrIfZero(propcheck.Or(d.BootstrapQualifier, ""), DefaultBootstrapQualifier)
	roleArn := fmt.Sprintf("arn:%s:iam::%s:role/cdk-%s-lookup-role-%s-%s", *pipelineStack.Partition(), account, qual, account, region)

	b := p.goBuildSettings()
	env := b.vars
	env["DRIFT_ROLE_ARN"] = jsii.String(roleArn)
	env["DRIFT_ACCOUNT"] = jsii.String(account)
	env["DRIFT_REGION"] = jsii.String(region)
	return pipelines.NewCodeBuildStep(jsii.String("DriftCheck"), &pipelines.CodeBuildStepProps{
		Input:            p.source,
		AdditionalInputs: &map[string]pipelines.IFileSetProducer{"cdk.out": p.Synth},
		// `go version` fetches the toolchain first, visibly.
		InstallCommands:  jsii.Strings("go version"),
		Commands:         d.Commands,
		Env:              &env,
		BuildEnvironment: b.env,
		Cache: awscodebuild.Cache_Bucket(p.ArtifactBucket, &awscodebuild.BucketCacheOptions{
			Prefix: jsii.String("cache/drift"),
		}),
		PartialBuildSpec: b.spec,
		Timeout:          awscdk.Duration_Minutes(jsii.Number(30)),
		RolePolicyStatements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("sts:AssumeRole"),
			Resources: jsii.Strings(roleArn),
		})},
	})
}

// resolved is v, or def when v is unset or a token.
func resolved(v *string, def string) string {
	if v == nil || propcheck.Unresolved(v) || *v == "" {
		return def
	}
	return *v
}
