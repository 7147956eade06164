package staticsite

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
)

// CertificateRegion is where CloudFront reads certificates from.
const CertificateRegion = "us-east-1"

// CertificateStackProps configures a CertificateStack.
type CertificateStackProps struct {
	// StackProps of the certificate stack. Env.Region is set to us-east-1
	// (any other region panics); set Env.Account to the site's account.
	// Default: - an environment with region us-east-1 and no account.
	awscdk.StackProps

	// DomainNames the certificate covers: the first is its domain name, the
	// others subject alternative names. Required.
	DomainNames []*string
	// HostedZoneId is the id of the Route 53 zone that validates the
	// certificate (DNS validation). Required.
	HostedZoneId *string
	// ZoneName is the name of that zone. Required.
	ZoneName *string
}

// CertificateStack is a stack in us-east-1 holding the DNS-validated
// certificate of a site whose stack is in another region.
type CertificateStack struct {
	awscdk.Stack
	// Certificate is the certificate to pass as DomainProps.Certificate.
	Certificate awscertificatemanager.ICertificate
}

// NewCertificateStack creates, next to the site's stack (scope is the app or
// stage), a stack in us-east-1 with a certificate for props.DomainNames,
// validated through DNS records in the hosted zone.
//
// The stack that uses the certificate must have an explicit Env.Region and
// CrossRegionReferences: true: CDK then passes the certificate's ARN through
// an SSM parameter in us-east-1 read by a custom resource, and deploys this
// stack first.
//
//	certs := staticsite.NewCertificateStack(app, "SiteCertificate", &staticsite.CertificateStackProps{
//		StackProps:   awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012")}},
//		DomainNames:  []*string{jsii.String("app.example.com")},
//		HostedZoneId: jsii.String("Z0123456789ABC"),
//		ZoneName:     jsii.String("example.com"),
//	})
//	siteStack := awscdk.NewStack(app, jsii.String("Site"), &awscdk.StackProps{
//		Env:                   &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
//		CrossRegionReferences: jsii.Bool(true),
//	})
//	staticsite.New(siteStack, "Site", &staticsite.Props{ ..., Domain: &staticsite.DomainProps{ ..., Certificate: certs.Certificate}})
func NewCertificateStack(scope constructs.Construct, id string, props *CertificateStackProps) *CertificateStack {
	if props == nil {
		props = &CertificateStackProps{}
	}
	c := propcheck.For("staticsite.NewCertificateStack", scope, id)
	if len(props.DomainNames) == 0 {
		c.Add("DomainNames", props.DomainNames, "empty: give at least one domain name")
	}
	for i, n := range props.DomainNames {
		if n == nil || *n == "" {
			c.Add(fmt.Sprintf("DomainNames[%d]", i), n, "empty")
		}
	}
	c.Require("HostedZoneId", props.HostedZoneId, "the Route 53 zone that validates the certificate")
	c.Require("ZoneName", props.ZoneName, "the name of that zone")
	env := awscdk.Environment{}
	if props.Env != nil {
		env = *props.Env
	}
	if env.Region != nil && *env.Region != CertificateRegion {
		c.Add("Env.Region", env.Region, "a CloudFront certificate must be in %s", CertificateRegion)
	}
	c.Panic()
	env.Region = jsii.String(CertificateRegion)
	stackProps := props.StackProps
	stackProps.Env = &env
	if stackProps.Description == nil {
		stackProps.Description = jsii.String("TLS certificate (us-east-1, for CloudFront) of " + strings.Join(propcheck.Strings(props.DomainNames, "<nil>"), ", "))
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &stackProps)
	zone := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: props.HostedZoneId,
		ZoneName:     props.ZoneName,
	})
	certProps := &awscertificatemanager.CertificateProps{
		DomainName: props.DomainNames[0],
		Validation: awscertificatemanager.CertificateValidation_FromDns(zone),
	}
	if len(props.DomainNames) > 1 {
		sans := props.DomainNames[1:]
		certProps.SubjectAlternativeNames = &sans
	}
	cert := awscertificatemanager.NewCertificate(stack, jsii.String("Certificate"), certProps)
	return &CertificateStack{Stack: stack, Certificate: cert}
}
