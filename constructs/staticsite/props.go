package staticsite

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
)

// Defaults documented on Props.
const (
	DefaultErrorRateThreshold = 5 // percent of requests answered 5xx
	DefaultLogRetention       = awslogs.RetentionDays_ONE_MONTH
	DefaultAccessLogsDays     = 90
	// AssetsMaxAgeSeconds is how long /assets/* (content-hashed files) stay
	// cached, at the edge and in browsers: one year.
	AssetsMaxAgeSeconds = 31536000
)

// NoCachePaths are the objects that change on every deploy under the same
// name: never cached at the edge, revalidated by browsers, and the only paths
// invalidated after a deployment (everything under /assets/ is content
// hashed, so a new build has new names). Each call returns a new slice.
func NoCachePaths() []string { return []string{"/index.html", "/config.json"} }

// Props configures a StaticSite.
type Props struct {
	// SourceDir is the directory of the built site, with index.html at its
	// root (e.g. "web/dist"). Its files are uploaded on every deploy; files of
	// earlier deploys that are no longer in it are deleted (prune).
	SourceDir *string

	// RuntimeConfig is written to /config.json at deploy time, next to the
	// site, so one build of the app serves every environment. Values may be
	// tokens (the API URL, the Cognito user pool and client ids): they are
	// resolved by CloudFormation and JSON-escaped. A config.json in SourceDir
	// is overwritten.
	// Default: - no config.json is written (one in SourceDir is served as is).
	RuntimeConfig *map[string]*string

	// ApiOrigin is added to the Content-Security-Policy's connect-src, e.g.
	// the API's URL ("https://abc.execute-api.eu-west-1.amazonaws.com/prod/")
	// or origin. May be a token. Must be https.
	// Default: - connect-src allows only the site itself and Cognito.
	ApiOrigin *string

	// CognitoRegion is the region of the Cognito user pool the app signs in
	// against directly: https://cognito-idp.<region>.amazonaws.com is allowed
	// in connect-src.
	// Default: - the region of the stack holding the site.
	CognitoRegion *string

	// ConnectSources are more connect-src sources, e.g. the uploads bucket the
	// app PUTs presigned URLs to ("https://<bucket>.s3.<region>.amazonaws.com").
	// Default: - none.
	ConnectSources *[]*string

	// RemovalPolicy applies to both buckets and the deployment's log group.
	// Default: - awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy

	// AutoDeleteObjects empties both buckets when the stack is deleted, so
	// that they can be deleted. Requires RemovalPolicy DESTROY.
	// Default: false.
	AutoDeleteObjects *bool

	// PriceClass limits the edge locations that serve the site.
	// Default: - awscloudfront.PriceClass_PRICE_CLASS_100 (North America, Europe).
	PriceClass awscloudfront.PriceClass

	// GeoRestriction allows or denies countries.
	// Default: - no restriction.
	GeoRestriction awscloudfront.GeoRestriction

	// WebAclArn is the ARN of a WAFv2 web ACL with CLOUDFRONT scope (created
	// in us-east-1) that protects the distribution.
	// Default: - no WAF.
	WebAclArn *string

	// Domain serves the site under custom domain names.
	// Default: - the distribution's *.cloudfront.net domain only.
	Domain *DomainProps

	// LogRetention is the retention of the deployment function's logs.
	// Default: - awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays

	// LogEncryptionKey encrypts the deployment function's log group with a
	// customer managed key. New adds the statement CloudWatch Logs needs to
	// the key's policy; an imported key's policy must already allow it.
	// Default: - CloudWatch Logs' own encryption, with a key AWS owns.
	LogEncryptionKey awskms.IKey

	// AccessLogsExpiration is how long the S3 server access logs and the
	// CloudFront access logs are kept.
	// Default: - 90 days.
	AccessLogsExpiration awscdk.Duration

	// ErrorRateThreshold is the percentage of 5xx responses (5-minute
	// average) above which the default alarm fires.
	// Default: 5.
	ErrorRateThreshold *float64
}

// DomainProps serves the site under custom domain names of one Route 53
// hosted zone. The zone is given by id and name: no lookups at synth.
type DomainProps struct {
	// DomainNames are the names to serve, each the zone's apex or below it.
	// The first is the site's URL. Required.
	DomainNames []*string
	// HostedZoneId is the id of the public hosted zone (e.g. "Z0123456789ABC"). Required.
	HostedZoneId *string
	// ZoneName is the name of the zone (e.g. "example.com"). Required.
	ZoneName *string
	// Certificate covers every domain name and lives in us-east-1
	// (CloudFront's requirement). Use NewCertificateStack to create one from
	// a stack in another region. Required.
	Certificate awscertificatemanager.ICertificate
}

// validate records every problem of props, naming the prop and its value.
func validate(c *propcheck.Problems, scope constructs.Construct, p *Props) {
	if c.Require("SourceDir", p.SourceDir, `the directory of the built site, with index.html at its root (e.g. "web/dist")`) &&
		!propcheck.Unresolved(p.SourceDir) {
		if st, err := os.Stat(*p.SourceDir); err != nil || !st.IsDir() {
			c.Add("SourceDir", p.SourceDir, "does not exist or is not a directory")
		} else if st, err := os.Stat(filepath.Join(*p.SourceDir, "index.html")); err != nil || st.IsDir() {
			c.Add("SourceDir", p.SourceDir, "has no index.html at its root (build the site first)")
		}
	}
	if p.AutoDeleteObjects != nil && *p.AutoDeleteObjects && p.RemovalPolicy != awscdk.RemovalPolicy_DESTROY {
		c.Add("AutoDeleteObjects", p.AutoDeleteObjects, "needs RemovalPolicy DESTROY, not %s", propcheck.OrIfZero(string(p.RemovalPolicy), "RETAIN (default)"))
	}
	if propcheck.Known(p.ApiOrigin) && !strings.HasPrefix(*p.ApiOrigin, "https://") {
		c.Add("ApiOrigin", p.ApiOrigin, "must be an https URL or origin")
	}
	if r := p.CognitoRegion; propcheck.Known(r) && !regionPattern.MatchString(*r) {
		c.Add("CognitoRegion", r, `not an AWS region name (e.g. "eu-west-1")`)
	}
	if p.ConnectSources != nil {
		for i, src := range *p.ConnectSources {
			if src == nil || (!propcheck.Unresolved(src) && (strings.TrimSpace(*src) == "" || strings.ContainsAny(*src, " ;"))) {
				c.Add(fmt.Sprintf("ConnectSources[%d]", i), src, "must be one CSP source expression (no spaces or semicolons)")
			}
		}
	}
	if propcheck.Known(p.WebAclArn) && !strings.Contains(*p.WebAclArn, ":global/webacl/") {
		c.Add("WebAclArn", p.WebAclArn, "not a WAFv2 web ACL with CLOUDFRONT scope (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>)")
	}
	if t := p.ErrorRateThreshold; propcheck.Known(t) && (*t <= 0 || *t > 100) {
		c.Add("ErrorRateThreshold", t, "must be a percentage in (0, 100]")
	}
	if p.Domain != nil {
		validateDomain(c, scope, p.Domain)
	}
}

func validateDomain(c *propcheck.Problems, scope constructs.Construct, d *DomainProps) {
	if len(d.DomainNames) == 0 {
		c.Add("Domain.DomainNames", d.DomainNames, "empty: give at least one domain name")
	}
	c.Require("Domain.HostedZoneId", d.HostedZoneId, "the id of the Route 53 hosted zone of %v", propcheck.Strings(d.DomainNames, "<nil>"))
	zone := ""
	if c.Require("Domain.ZoneName", d.ZoneName, "the name of the Route 53 hosted zone of %v", propcheck.Strings(d.DomainNames, "<nil>")) &&
		!propcheck.Unresolved(d.ZoneName) {
		zone = strings.TrimSuffix(strings.ToLower(*d.ZoneName), ".")
	}
	for i, n := range d.DomainNames {
		prop := fmt.Sprintf("Domain.DomainNames[%d]", i)
		switch {
		case n == nil || *n == "":
			c.Add(prop, n, "empty")
		case propcheck.Unresolved(n) || zone == "":
		default:
			name := strings.TrimSuffix(strings.ToLower(*n), ".")
			if name != zone && !strings.HasSuffix(name, "."+zone) {
				c.Add(prop, n, "not in the zone %q", zone)
			}
		}
	}
	if c.Require("Domain.Certificate", d.Certificate, "a certificate in us-east-1 covering %v (create one with staticsite.NewCertificateStack)", propcheck.Strings(d.DomainNames, "<nil>")) {
		validateCertificate(c, scope, d.Certificate)
	}
}

// validateCertificate checks that the certificate is in us-east-1 and, when
// it comes from another region's stack, that this stack can reference it.
func validateCertificate(c *propcheck.Problems, scope constructs.Construct, cert awscertificatemanager.ICertificate) {
	arn := cert.CertificateArn()
	if !propcheck.Unresolved(arn) {
		if parts := strings.Split(*arn, ":"); len(parts) > 3 && parts[3] != "us-east-1" {
			c.Add("Domain.Certificate", arn, "in %s: CloudFront needs a certificate in us-east-1", parts[3])
		}
		return
	}
	certStack, siteStack := awscdk.Stack_Of(cert), awscdk.Stack_Of(scope)
	certRegion, siteRegion := certStack.Region(), siteStack.Region()
	if !propcheck.Unresolved(certRegion) && *certRegion != "us-east-1" {
		c.Add("Domain.Certificate", *cert.Node().Path(), "in stack %s in %s: CloudFront needs a certificate in us-east-1", *certStack.StackName(), *certRegion)
	}
	if *certStack.Node().Path() != *siteStack.Node().Path() && propcheck.Unresolved(siteRegion) {
		c.Add("Domain.Certificate", *cert.Node().Path(), "in stack %s: the stack %s holding the site must have an explicit Env.Region and CrossRegionReferences: true to use it",
			*certStack.StackName(), *siteStack.StackName())
	}
}

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
