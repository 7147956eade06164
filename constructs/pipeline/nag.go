package pipeline

import (
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stratus-cdk/stratus/internal/synth/nag"
)

// suppressGenerated visits every construct of the pipeline, including those
// CDK Pipelines creates when it builds at synth, and attaches the
// suppressions to each generated IAM policy. Its priority is above
// AspectPriority_MUTATING (CDK Pipelines' build) and below
// AspectPriority_DEFAULT (cdk-nag packs), so on every node it runs before
// cdk-nag looks, whatever order the aspect passes take.
type suppressGenerated struct {
	p     *Pipeline
	rules []*cdknag.NagPackSuppression
}

const suppressPriority = 300

func (s *suppressGenerated) Visit(node constructs.IConstruct) {
	if !*awscdk.CfnResource_IsCfnResource(node) {
		return
	}
	stack := awscdk.Stack_Of(node)
	supportStack := strings.HasPrefix(*stack.Node().Id(), "cross-region-stack-")
	if !supportStack && stack != awscdk.Stack_Of(s.p.Construct) {
		return // another stack of the app: not the pipeline's to excuse
	}
	switch *node.(awscdk.CfnResource).CfnResourceType() {
	case "AWS::Events::Rule":
		// The CodeCommit source's change rule, created when the pipeline builds.
		nag.Suppress(node, nag.Rule("Serverless-EventBusDLQ",
			"The rule only starts the pipeline on a push; a start lost to a failed delivery is caught by the next push or a manual release."))
		return
	case "AWS::S3::Bucket":
		// CodePipeline's cross-region replication bucket, in a support stack
		// CDK Pipelines adds when a stage has a stack in another region.
		if supportStack {
			nag.Suppress(node, nag.Rule("AwsSolutions-S1",
				"CodePipeline's cross-region replication bucket holds only transient, KMS-encrypted pipeline artifacts; "+
					"CloudTrail records access to it."))
		}
		return
	case "AWS::IAM::Policy":
	default:
		return
	}
	if s.rules == nil {
		s.rules = s.p.pipelineSuppressions()
	}
	nag.Suppress(node, s.rules...)
}

func (p *Pipeline) registerSuppressions() {
	// On the root: the cross-region support stacks are created beside the
	// pipeline's stack, not under it.
	awscdk.Aspects_Of(p.Node().Root()).Add(&suppressGenerated{p: p},
		&awscdk.AspectOptions{Priority: jsii.Number(suppressPriority)})
}

// pipelineSuppressions excuse the AwsSolutions-IAM5 findings that the grants
// CDK Pipelines and CodePipeline generate always raise. Each applies only to
// the exact wildcard (appliesTo); anything else still fails the check.
func (p *Pipeline) pipelineSuppressions() []*cdknag.NagPackSuppression {
	stack := awscdk.Stack_Of(p.Construct)
	region, account := envPart(stack.Region(), "<AWS::Region>"), envPart(stack.Account(), "<AWS::AccountId>")
	bucketID := *stack.GetLogicalId(p.ArtifactBucket.Node().DefaultChild().(awscdk.CfnElement))
	var bootstrapRoles []string
	for _, a := range p.accounts(account) {
		bootstrapRoles = append(bootstrapRoles, "Resource::arn:*:iam::"+a+":role/*")
	}
	// The partition renders as <AWS::Partition> in an environment-agnostic
	// stack and as its value (aws, aws-cn…) once account and region are set;
	// the asset-publishing role gets the /aws/codebuild/* prefix itself.
	projectGrants := "/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):(logs:" + regexp.QuoteMeta(region) + ":" + regexp.QuoteMeta(account) +
		`:log-group:\/aws\/codebuild\/(<[A-Za-z0-9]+>:\*|\*)|codebuild:` + regexp.QuoteMeta(region) + ":" + regexp.QuoteMeta(account) +
		`:report-group\/(<[A-Za-z0-9]+>-\*|\*))$/`
	return []*cdknag.NagPackSuppression{
		nag.Rule("AwsSolutions-IAM5",
			"CDK grants on the pipeline's own artifact bucket and KMS key: the pipeline, its actions and builds read and write "+
				"artifacts under keys generated per execution (bucket/*), with the S3 and KMS action groups "+
				"(GetObject*, List*, GenerateDataKey*, ReEncrypt*…) that reading and writing encrypted objects takes. "+
				"Nothing outside that one bucket and key is granted.",
			"Resource::<"+bucketID+".Arn>/*",
			"Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*",
			"Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*"),
		{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("CodeBuild's default grants to each of the pipeline's projects: its own /aws/codebuild/<project> " +
				"log streams and its own <project>-* report groups, whose names only exist at build time."),
			AppliesTo: &[]interface{}{&cdknag.RegexAppliesTo{Regex: jsii.String(projectGrants)}},
		},
		nag.Rule("AwsSolutions-IAM5",
			"CDK Pipelines' self-mutation and asset steps assume the CDK bootstrap roles of the target accounts, restricted by "+
				"the condition iam:ResourceTag/aws-cdk:bootstrap-role (deploy, file-publishing, image-publishing); role names "+
				"depend on the bootstrap qualifier.",
			bootstrapRoles...),
		nag.Rule("AwsSolutions-IAM5",
			"CDK Pipelines' self-mutation reads stack status (cloudformation:DescribeStacks) and lists buckets (s3:ListBucket) "+
				"to run `cdk deploy` of the pipeline stack; both are read-only and the stack names are not known to the pipeline.",
			"Resource::*"),
	}
}

// accounts are the pipeline's account and every stage's, each once.
func (p *Pipeline) accounts(pipelineAccount string) []string {
	seen := map[string]bool{pipelineAccount: true}
	for _, s := range p.stages {
		for _, a := range s.accounts {
			seen[a] = true
		}
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

func envPart(v *string, placeholder string) string {
	if v == nil || *awscdk.Token_IsUnresolved(v) || strings.TrimSpace(*v) == "" {
		return placeholder
	}
	return *v
}
