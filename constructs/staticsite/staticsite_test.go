package staticsite_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/staticsite"
	"github.com/stratus-cdk/stratus/internal/cdktest"
)

const siteDir = "testdata/site"

// One app for the package: each jsii start costs seconds.
var (
	defaultStack, domainStack, certStack, eastStack awscdk.Stack
	defaultTpl, domainTpl, certTpl, eastTpl         assertions.Template
	defaultSite, domainSite, eastSite               *staticsite.StaticSite
	apiUrl                                          awscdk.CfnOutput
)

func TestMain(m *testing.M) {
	cdktest.FastSynth()
	outDir, _ := os.MkdirTemp("", "staticsite-test")
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outDir)})

	// Environment-agnostic, every default.
	defaultStack = awscdk.NewStack(app, jsii.String("Default"), nil)
	cdktest.AddNag(defaultStack, cdktest.AwsSolutions, cdktest.Serverless)
	apiParam := awscdk.NewCfnParameter(defaultStack, jsii.String("ApiUrl"), nil)
	defaultSite = staticsite.New(defaultStack, "Site", &staticsite.Props{
		SourceDir: jsii.String(siteDir),
		ApiOrigin: apiParam.ValueAsString(),
		RuntimeConfig: &map[string]*string{
			"apiUrl":   apiParam.ValueAsString(),
			"region":   defaultStack.Region(),
			"clientId": jsii.String("client-123"),
		},
	})

	// A certificate stack in us-east-1 for a site stack in eu-west-1.
	account := jsii.String("123456789012")
	certs := staticsite.NewCertificateStack(app, "Certificate", &staticsite.CertificateStackProps{
		StackProps:   awscdk.StackProps{Env: &awscdk.Environment{Account: account}},
		DomainNames:  []*string{jsii.String("app.example.com"), jsii.String("www.app.example.com")},
		HostedZoneId: jsii.String("Z0123456789ABC"),
		ZoneName:     jsii.String("example.com"),
	})
	certStack = certs.Stack
	domainStack = awscdk.NewStack(app, jsii.String("Domain"), &awscdk.StackProps{
		Env:                   &awscdk.Environment{Account: account, Region: jsii.String("eu-west-1")},
		CrossRegionReferences: jsii.Bool(true),
	})
	cdktest.AddNag(domainStack, cdktest.AwsSolutions, cdktest.Serverless)
	domainSite = staticsite.New(domainStack, "Site", &staticsite.Props{
		SourceDir:         jsii.String(siteDir),
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
		AutoDeleteObjects: jsii.Bool(true),
		PriceClass:        awscloudfront.PriceClass_PRICE_CLASS_ALL,
		GeoRestriction:    awscloudfront.GeoRestriction_Allowlist(jsii.String("DE"), jsii.String("FR")),
		WebAclArn:         jsii.String("arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/abc"),
		Domain: &staticsite.DomainProps{
			DomainNames:  []*string{jsii.String("app.example.com"), jsii.String("www.app.example.com")},
			HostedZoneId: jsii.String("Z0123456789ABC"),
			ZoneName:     jsii.String("example.com"),
			Certificate:  certs.Certificate,
		},
	})

	// A site in us-east-1 with an existing certificate.
	eastStack = awscdk.NewStack(app, jsii.String("East"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: account, Region: jsii.String("us-east-1")},
	})
	cert := awscertificatemanager.Certificate_FromCertificateArn(eastStack, jsii.String("Cert"),
		jsii.String("arn:aws:acm:us-east-1:123456789012:certificate/abc"))
	eastSite = staticsite.New(eastStack, "Site", &staticsite.Props{
		SourceDir:          jsii.String(siteDir),
		ErrorRateThreshold: jsii.Number(2),
		Domain: &staticsite.DomainProps{
			DomainNames:  []*string{jsii.String("example.com")},
			HostedZoneId: jsii.String("Z0123456789ABC"),
			ZoneName:     jsii.String("example.com."),
			Certificate:  cert,
		},
	})

	app.Synth(nil)
	defaultTpl = assertions.Template_FromStack(defaultStack, nil)
	domainTpl = assertions.Template_FromStack(domainStack, nil)
	certTpl = assertions.Template_FromStack(certStack, nil)
	eastTpl = assertions.Template_FromStack(eastStack, nil)
	code := m.Run()
	os.RemoveAll(outDir)
	jsii.Close()
	os.Exit(code)
}

func TestDump(t *testing.T) {
	for _, s := range []awscdk.Stack{defaultStack, domainStack} {
		for _, e := range cdktest.NagErrors(s) {
			t.Log(e)
		}
	}
	b, _ := json.MarshalIndent(defaultTpl.ToJSON(), "", " ")
	os.WriteFile("/tmp/ss-default.json", b, 0o644)
	b, _ = json.MarshalIndent(domainTpl.ToJSON(), "", " ")
	os.WriteFile("/tmp/ss-domain.json", b, 0o644)
}
