package staticsite

import (
	_ "embed"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
)

// SpaRoutingFunctionCode is the JavaScript of the CloudFront Function (runtime
// cloudfront-js-2.0, viewer request) that serves /index.html for every path
// whose last segment has no file extension. It is embedded so that tests run
// exactly the code that ships.
func SpaRoutingFunctionCode() string { return spaRoutingJS }

//go:embed spa-routing.js
var spaRoutingJS string

// StaticSite is a single-page app served from a private S3 bucket through
// CloudFront. See the package documentation for what it creates.
type StaticSite struct {
	constructs.Construct

	// Bucket holds the site. It is private: only the distribution reads it.
	Bucket awss3.IBucket
	// LogBucket receives the bucket's server access logs (prefix
	// "s3-access/") and the distribution's access logs (prefix "cloudfront/").
	LogBucket awss3.IBucket
	// Distribution serves the site.
	Distribution awscloudfront.IDistribution
	// Alarms are the default alarms (5xx error rate), without actions: add
	// them with alarm.AddAlarmAction. Empty when the stack's region is
	// neither us-east-1 nor environment-agnostic, because CloudFront
	// publishes its metrics only in us-east-1 and CloudWatch alarms cannot
	// watch another region's metrics.
	Alarms []awscloudwatch.Alarm

	props      *Props
	domainName *string
}

// New creates the site. It panics with one message listing every invalid prop.
func New(scope constructs.Construct, id string, props *Props) *StaticSite {
	if props == nil {
		props = &Props{}
	}
	c := propcheck.For("staticsite.New", scope, id)
	validate(c, scope, props)
	c.Panic()
	s := &StaticSite{Construct: constructs.NewConstruct(scope, jsii.String(id)), props: props}
	logBucket := s.createLogBucket()
	bucket := s.createBucket(logBucket)
	dist := s.createDistribution(bucket, logBucket)
	s.createAliasRecords(dist)
	s.deploy(bucket, dist)
	s.createAlarms()
	return s
}

// Url is the site's address: https:// and the first custom domain name, or
// the distribution's domain name.
func (s *StaticSite) Url() *string {
	if s.domainName != nil {
		return jsii.String("https://" + *s.domainName)
	}
	return jsii.String("https://" + *s.Distribution.DistributionDomainName())
}

func (s *StaticSite) removalPolicy() awscdk.RemovalPolicy {
	return propcheck.OrIfZero(s.props.RemovalPolicy, awscdk.RemovalPolicy_RETAIN)
}
