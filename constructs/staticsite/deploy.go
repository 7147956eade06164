package staticsite

import (
	"fmt"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stratus-cdk/stratus/internal/synth/nag"
	"github.com/stratus-cdk/stratus/internal/synth/secure"
)

// deploymentMemoryMiB sizes CDK's bucket-deployment function: the default
// 128 MiB is slow at unzipping and syncing a built web app.
const deploymentMemoryMiB = 512

// deploy uploads SourceDir and config.json in ONE bucket deployment with
// prune on. Two deployments to the same bucket would each prune the other's
// files (the config deployment would delete the site, or the reverse,
// depending on the order they run). The sources are unpacked in order, so the
// generated config.json replaces one shipped in SourceDir.
//
// Only NoCachePaths are invalidated: everything else is either content
// hashed (/assets/*) or never cached.
func (s *StaticSite) deploy(bucket awss3.IBucket, dist awscloudfront.IDistribution) awss3deployment.BucketDeployment {
	// Absolute, resolved by this Go process: jsii's Node process may run in
	// another working directory (it starts in the one the first jsii call
	// saw).
	dir, err := filepath.Abs(*s.props.SourceDir)
	if err != nil {
		panic(fmt.Sprintf("staticsite: SourceDir %q: %v", *s.props.SourceDir, err))
	}
	sources := []awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(dir), nil)}
	if s.props.RuntimeConfig != nil {
		sources = append(sources, awss3deployment.Source_JsonData(jsii.String("config.json"), s.props.RuntimeConfig,
			&awss3deployment.JsonProcessingOptions{Escape: jsii.Bool(true)}))
	}
	retention := s.props.LogRetention
	if retention == "" {
		retention = DefaultLogRetention
	}
	// The deployment function is a singleton per stack: this log group is
	// used by the first site of a stack, later ones share its function.
	if key := s.props.LogEncryptionKey; key != nil {
		secure.AllowLogs(key)
	}
	logGroup := awslogs.NewLogGroup(s.Construct, jsii.String("DeploymentLogs"), &awslogs.LogGroupProps{
		Retention:     retention,
		RemovalPolicy: s.removalPolicy(),
		EncryptionKey: s.props.LogEncryptionKey,
	})
	paths := make([]*string, len(NoCachePaths()))
	for i, p := range NoCachePaths() {
		paths[i] = jsii.String(p)
	}
	d := awss3deployment.NewBucketDeployment(s.Construct, jsii.String("Deployment"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket: bucket,
		Sources:           &sources,
		Prune:             jsii.Bool(true),
		Distribution:      dist,
		DistributionPaths: &paths,
		MemoryLimit:       jsii.Number(deploymentMemoryMiB),
		LogGroup:          logGroup,
	})
	suppressDeploymentFindings(d, bucket)
	return d
}

// suppressDeploymentFindings excuses what CDK's bucket-deployment function
// (a singleton per stack, written and updated by aws-cdk-lib) is flagged
// for. The suppressions sit on that function and its role only, found
// through the deployment's HandlerRole (the role's scope is the function),
// not through a construct path, and each IAM finding is named with
// appliesTo, so a wildcard added to the function later is still reported.
func suppressDeploymentFindings(d awss3deployment.BucketDeployment, bucket awss3.IBucket) {
	handler := d.HandlerRole().Node().Scope()
	stack := awscdk.Stack_Of(bucket)
	bucketID := *stack.GetLogicalId(bucket.Node().DefaultChild().(awscdk.CfnElement))
	assets := nag.Rule("AwsSolutions-IAM5",
		"CDK grants its bucket-deployment function read access to the CDK assets bucket, where the zipped site is staged under a content-hash key.")
	assets.AppliesTo = &[]interface{}{&cdknag.RegexAppliesTo{
		// The partition is a token in an environment-agnostic stack and
		// literal (aws, aws-cn…) once the stack has an account and region.
		Regex: jsii.String(`/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):s3:::cdk-[a-z0-9]+-assets-[^/]+\/\*$/g`),
	}}
	nag.Suppress(handler,
		nag.Rule("AwsSolutions-IAM4",
			"CDK's bucket-deployment function uses the AWS managed AWSLambdaBasicExecutionRole to write its logs; aws-cdk-lib creates this role.",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"),
		nag.Rule("AwsSolutions-IAM5",
			"CDK's bucket-deployment function syncs the site into its bucket: it must read, write and delete (prune) any object of that bucket; "+
				"the action wildcards are those of aws-cdk-lib's grantReadWrite and grantRead.",
			"Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*", "Action::s3:Abort*", "Action::s3:DeleteObject*",
			"Resource::<"+bucketID+".Arn>/*"),
		nag.Rule("AwsSolutions-IAM5",
			"cloudfront:CreateInvalidation and GetInvalidation, used to invalidate /index.html and /config.json after a deploy, "+
				"are granted by aws-cdk-lib on Resource *.",
			"Resource::*"),
		assets,
		nag.Rule("AwsSolutions-L1",
			"aws-cdk-lib chooses and upgrades the runtime of its bucket-deployment function; it is not ours to pin."),
		nag.Rule("Serverless-LambdaLatestVersion",
			"aws-cdk-lib chooses and upgrades the runtime of its bucket-deployment function; it is not ours to pin."),
		nag.Rule("Serverless-LambdaTracing",
			"aws-cdk-lib's bucket-deployment function offers no tracing option; it runs once per deploy and logs to its log group."),
		nag.NoDLQCustomResource(),
	)
}
