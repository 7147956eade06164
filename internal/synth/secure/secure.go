// Package secure holds the secure-by-default recipes that several constructs
// and stacks build, in the style of AWS Solutions Constructs' core helpers:
// a private bucket, the bucket that receives its access logs, and a rotated
// customer managed key (with the statement CloudWatch Logs needs to use it).
// One recipe, one shape: a reviewer checks it once.
package secure

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/nag"
)

// Bucket is a private bucket: all public access blocked, SSL only, ACLs off
// (unless props choose an ownership), SSE-S3 unless props choose an
// encryption. Everything else in props (access logs, versioning, lifecycle,
// removal) passes through.
func Bucket(scope constructs.Construct, id string, props awss3.BucketProps) awss3.Bucket {
	props.BlockPublicAccess = awss3.BlockPublicAccess_BLOCK_ALL()
	props.EnforceSSL = jsii.Bool(true)
	if props.ObjectOwnership == "" {
		props.ObjectOwnership = awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED
	}
	if props.Encryption == "" {
		props.Encryption = awss3.BucketEncryption_S3_MANAGED
	}
	return awss3.NewBucket(scope, jsii.String(id), &props)
}

// AccessLogsProps configure AccessLogsBucket.
type AccessLogsProps struct {
	// Expiration is how long logs are kept.
	Expiration awscdk.Duration
	// RemovalPolicy and AutoDeleteObjects apply to the bucket.
	RemovalPolicy     awscdk.RemovalPolicy
	AutoDeleteObjects *bool
	// CloudFrontLogs enables ACLs (BUCKET_OWNER_PREFERRED): CloudFront
	// standard logging writes with an ACL grant.
	CloudFrontLogs bool
}

// AccessLogsBucket is the destination of other buckets' server access logs
// (and CloudFront's standard logs): SSE-S3, the only encryption log delivery
// supports; private; SSL only; logs expire; incomplete uploads are aborted.
// It does not log its own access (that would log every delivery), which
// cdk-nag's S1 finding is told.
func AccessLogsBucket(scope constructs.Construct, id string, p AccessLogsProps) awss3.Bucket {
	ownership := awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED
	if p.CloudFrontLogs {
		ownership = awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED
	}
	b := Bucket(scope, id, awss3.BucketProps{
		ObjectOwnership: ownership,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Expiration:                          p.Expiration,
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
		RemovalPolicy:     p.RemovalPolicy,
		AutoDeleteObjects: p.AutoDeleteObjects,
	})
	nag.Suppress(b, nag.AccessLogDestination())
	return b
}

// Key is a customer managed key with automatic yearly rotation. An empty
// removal keeps aws-cdk-lib's default (RETAIN).
func Key(scope constructs.Construct, id, description string, removal awscdk.RemovalPolicy) awskms.Key {
	props := &awskms.KeyProps{
		Description:       jsii.String(description),
		EnableKeyRotation: jsii.Bool(true),
	}
	if removal != "" {
		props.RemovalPolicy = removal
	}
	return awskms.NewKey(scope, jsii.String(id), props)
}

// AllowLogs lets CloudWatch Logs of the key's region encrypt with key, for
// this account's log groups only (the encryption context names the group).
func AllowLogs(key awskms.IKey) {
	stack := awscdk.Stack_Of(key)
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogsOfThisAccount"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+*stack.Region()+".amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: jsii.String("*"),
				ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
			}),
		}},
	}), nil)
}
