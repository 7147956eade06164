package staticsite_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/staticsite"
	"github.com/stratus-cdk/stratus/internal/synth/cdktest"
)

func newStack(id string, props *awscdk.StackProps) awscdk.Stack {
	return awscdk.NewStack(awscdk.NewApp(nil), jsii.String(id), props)
}

func wantProblems(t *testing.T, msg string, problems ...string) {
	t.Helper()
	if msg == "" {
		t.Fatal("no panic")
	}
	for _, p := range problems {
		if !strings.Contains(msg, p) {
			t.Errorf("panic message lacks %q:\n%s", p, msg)
		}
	}
}

func TestValidationMissingSourceDir(t *testing.T) {
	stack := newStack("V", nil)
	wantProblems(t, cdktest.Recover(func() { staticsite.New(stack, "Site", nil) }), "staticsite.New V/Site: invalid props", "SourceDir (unset): required")
}

// One panic names every problem: the site, the domain, the other props.
func TestValidationListsEveryProblemAtOnce(t *testing.T) {
	stack := newStack("V", nil)
	msg := cdktest.Recover(func() {
		staticsite.New(stack, "Site", &staticsite.Props{
			SourceDir:          jsii.String("testdata/noindex"),
			AutoDeleteObjects:  jsii.Bool(true),
			ApiOrigin:          jsii.String("http://api.example.com"),
			CognitoRegion:      jsii.String("Ireland"),
			ConnectSources:     &[]*string{jsii.String("https://a.example.com; script-src *")},
			WebAclArn:          jsii.String("arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/site/abc"),
			ErrorRateThreshold: jsii.Number(0),
			Domain:             &staticsite.DomainProps{DomainNames: []*string{jsii.String("app.example.com")}},
		})
	})
	wantProblems(t, msg,
		`SourceDir "testdata/noindex": has no index.html`,
		"AutoDeleteObjects true: needs RemovalPolicy DESTROY",
		`ApiOrigin "http://api.example.com": must be an https`,
		`CognitoRegion "Ireland": not an AWS region`,
		`ConnectSources[0] "https://a.example.com; script-src *": must be one CSP source`,
		`WebAclArn "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/site/abc": not a WAFv2 web ACL with CLOUDFRONT scope`,
		"ErrorRateThreshold 0: must be a percentage",
		"Domain.HostedZoneId (unset): required",
		"Domain.ZoneName (unset): required",
		"Domain.Certificate (unset): required",
	)
	if n := strings.Count(msg, "\n  - "); n != 10 {
		t.Errorf("want 10 problems in one message, got %d:\n%s", n, msg)
	}
}

func TestValidationSourceDirMissing(t *testing.T) {
	stack := newStack("V", nil)
	wantProblems(t, cdktest.Recover(func() {
		staticsite.New(stack, "Site", &staticsite.Props{SourceDir: jsii.String("testdata/nope")})
	}), `SourceDir "testdata/nope": does not exist`)
}

func TestValidationDomain(t *testing.T) {
	stack := newStack("V", nil)
	cert := awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Cert"),
		jsii.String("arn:aws:acm:eu-west-1:123456789012:certificate/abc"))
	wantProblems(t, cdktest.Recover(func() {
		staticsite.New(stack, "Site", &staticsite.Props{
			SourceDir: jsii.String(siteDir),
			Domain: &staticsite.DomainProps{
				DomainNames:  []*string{jsii.String("app.example.org"), jsii.String("")},
				HostedZoneId: jsii.String("Z1"),
				ZoneName:     jsii.String("example.com"),
				Certificate:  cert,
			},
		})
	}),
		`Domain.DomainNames[0] "app.example.org": not in the zone "example.com"`,
		`Domain.DomainNames[1] "": empty`,
		`Domain.Certificate "arn:aws:acm:eu-west-1:123456789012:certificate/abc": in eu-west-1: CloudFront needs a certificate in us-east-1`,
	)
	wantProblems(t, cdktest.Recover(func() {
		staticsite.New(stack, "Site2", &staticsite.Props{SourceDir: jsii.String(siteDir), Domain: &staticsite.DomainProps{}})
	}), "Domain.DomainNames (unset): empty", "Domain.HostedZoneId (unset): required", "Domain.ZoneName (unset): required", "Domain.Certificate (unset): required")
}

// A certificate from the us-east-1 stack needs a site stack with an
// explicit region (and CrossRegionReferences).
func TestValidationCrossRegionCertificateNeedsExplicitRegion(t *testing.T) {
	app := awscdk.NewApp(nil)
	certs := staticsite.NewCertificateStack(app, "Cert", &staticsite.CertificateStackProps{
		DomainNames: []*string{jsii.String("example.com")}, HostedZoneId: jsii.String("Z1"), ZoneName: jsii.String("example.com"),
	})
	stack := awscdk.NewStack(app, jsii.String("Site"), nil)
	wantProblems(t, cdktest.Recover(func() {
		staticsite.New(stack, "Site", &staticsite.Props{
			SourceDir: jsii.String(siteDir),
			Domain: &staticsite.DomainProps{
				DomainNames: []*string{jsii.String("example.com")}, HostedZoneId: jsii.String("Z1"), ZoneName: jsii.String("example.com"),
				Certificate: certs.Certificate,
			},
		})
	}), "must have an explicit Env.Region and CrossRegionReferences: true")
}

func TestValidationCertificateStack(t *testing.T) {
	app := awscdk.NewApp(nil)
	wantProblems(t, cdktest.Recover(func() {
		staticsite.NewCertificateStack(app, "Cert", &staticsite.CertificateStackProps{
			StackProps: awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}},
		})
	}), "staticsite.NewCertificateStack Cert: invalid props", "DomainNames (unset): empty", "HostedZoneId (unset): required", "ZoneName (unset): required", `Env.Region "eu-west-1": a CloudFront certificate must be in us-east-1`)
}
