package staticsite

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/secure"
)

// Encryption: SSE-S3 (S3-managed keys) for both buckets, a deliberate choice
// over a customer KMS key:
//   - the site bucket holds what every visitor downloads anyway; a KMS key
//     would add a per-request charge on every cache miss and a key policy
//     naming the distribution, which itself depends on the bucket;
//   - S3 server access logs can only be delivered to a bucket encrypted with
//     SSE-S3, and CloudFront standard logs are written with ACLs to the
//     same bucket.

func (s *StaticSite) accessLogsExpiration() awscdk.Duration {
	if s.props.AccessLogsExpiration != nil {
		return s.props.AccessLogsExpiration
	}
	return awscdk.Duration_Days(jsii.Number(DefaultAccessLogsDays))
}

// createLogBucket is the destination of the site bucket's server access logs
// and of the distribution's standard logs. CloudFront standard logging
// writes with an ACL grant, so the bucket's object ownership is
// BUCKET_OWNER_PREFERRED (ACLs enabled, objects owned by the bucket owner).
func (s *StaticSite) createLogBucket() awss3.Bucket {
	b := secure.AccessLogsBucket(s.Construct, "LogBucket", secure.AccessLogsProps{
		Expiration:        s.accessLogsExpiration(),
		RemovalPolicy:     s.removalPolicy(),
		AutoDeleteObjects: s.props.AutoDeleteObjects,
		CloudFrontLogs:    true,
	})
	s.LogBucket = b
	return b
}

// createBucket is the private site bucket: no public access, SSL only,
// versioned (old versions expire after 30 days), logged to logBucket.
func (s *StaticSite) createBucket(logBucket awss3.IBucket) awss3.Bucket {
	b := secure.Bucket(s.Construct, "Bucket", awss3.BucketProps{
		Versioned:              jsii.Bool(true),
		ServerAccessLogsBucket: logBucket,
		ServerAccessLogsPrefix: jsii.String("s3-access/"),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(30)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
		RemovalPolicy:     s.removalPolicy(),
		AutoDeleteObjects: s.props.AutoDeleteObjects,
	})
	s.Bucket = b
	return b
}
