package staticsite_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/staticsite"
	"github.com/stratus-cdk/stratus/internal/cdktest"
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
	wantProblems(t, cdktest.Recover(func() { staticsite.New(stack, "Site", nil) }), "SourceDir is required")
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
		`SourceDir "testdata/noindex" has no index.html`,
		"AutoDeleteObjects is true but RemovalPolicy",
		`ApiOrigin "http://api.example.com" must be an https`,
		`CognitoRegion "Ireland"`,
		"ConnectSources[0]",
		"WebAclArn",
		"ErrorRateThreshold 0",
		"Domain.HostedZoneId is required",
		"Domain.ZoneName is required",
		"Domain.Certificate is required",
	)
	if n := strings.Count(msg, "\n  - "); n != 10 {
		t.Errorf("want 10 problems in one message, got %d:\n%s", n, msg)
	}
}

func TestValidationSourceDirMissing(t *testing.T) {
	stack := newStack("V", nil)
	wantProblems(t, cdktest.Recover(func() {
		staticsite.New(stack, "Site", &staticsite.Props{SourceDir: jsii.String("testdata/nope")})
	}), `SourceDir "testdata/nope" does not exist`)
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
		`Domain.DomainNames[0] "app.example.org" is not in the zone "example.com"`,
		"Domain.DomainNames[1] is empty",
		"is in eu-west-1: CloudFront needs a certificate in us-east-1",
	)
	wantProblems(t, cdktest.Recover(func() {
		staticsite.New(stack, "Site2", &staticsite.Props{SourceDir: jsii.String(siteDir), Domain: &staticsite.DomainProps{}})
	}), "Domain.DomainNames is empty", "Domain.HostedZoneId is required", "Domain.ZoneName is required", "Domain.Certificate is required")
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
	}), "DomainNames is empty", "HostedZoneId is required", "ZoneName is required", `Env.Region "eu-west-1"`)
}
