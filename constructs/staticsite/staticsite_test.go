package staticsite_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/staticsite"
	"github.com/stratus-cdk/stratus/internal/synth/cdktest"
	"github.com/stratus-cdk/stratus/internal/synth/nag"
)

const siteDir = "testdata/site"

// One app for the package: each jsii start costs seconds.
var (
	defaultStack, domainStack, certStack, eastStack awscdk.Stack
	defaultTpl, domainTpl, certTpl, eastTpl         assertions.Template
	defaultSite, domainSite, eastSite               *staticsite.StaticSite
	outDir                                          string
)

func TestMain(m *testing.M) {
	cdktest.FastSynth()
	outDir, _ = os.MkdirTemp("", "staticsite-test")
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outDir)})

	// Environment-agnostic, every default.
	defaultStack = awscdk.NewStack(app, jsii.String("Default"), nil)
	nag.Check(defaultStack, nag.AwsSolutions, nag.Serverless)
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
	nag.Check(domainStack, nag.AwsSolutions, nag.Serverless)
	domainSite = staticsite.New(domainStack, "Site", &staticsite.Props{
		SourceDir:         jsii.String(siteDir),
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
		AutoDeleteObjects: jsii.Bool(true),
		PriceClass:        awscloudfront.PriceClass_PRICE_CLASS_ALL,
		GeoRestriction:    awscloudfront.GeoRestriction_Allowlist(jsii.String("DE"), jsii.String("FR")),
		WebAclArn:         jsii.String("arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/abc"),
		LogEncryptionKey:  awskms.NewKey(domainStack, jsii.String("LogsKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)}),
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

// cachingDisabled is the id of CloudFront's managed CachingDisabled policy.
const cachingDisabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"

func obj(m map[string]interface{}) assertions.Matcher { return assertions.Match_ObjectLike(&m) }

func TestBucketIsPrivateEncryptedVersionedAndLogged(t *testing.T) {
	defaultTpl.ResourceCountIs(jsii.String("AWS::S3::Bucket"), jsii.Number(2))
	defaultTpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), obj(map[string]interface{}{
		"PublicAccessBlockConfiguration": map[string]interface{}{
			"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
		},
		"BucketEncryption": map[string]interface{}{"ServerSideEncryptionConfiguration": []interface{}{
			map[string]interface{}{"ServerSideEncryptionByDefault": map[string]interface{}{"SSEAlgorithm": "AES256"}},
		}},
		"VersioningConfiguration": map[string]interface{}{"Status": "Enabled"},
		"LoggingConfiguration": map[string]interface{}{
			"DestinationBucketName": map[string]interface{}{"Ref": logicalID(defaultStack, defaultSite.LogBucket)},
			"LogFilePrefix":         "s3-access/",
		},
		"OwnershipControls": map[string]interface{}{"Rules": []interface{}{map[string]interface{}{"ObjectOwnership": "BucketOwnerEnforced"}}},
	}))
	// SSL only, on both buckets.
	for _, b := range []interface{}{defaultSite.Bucket, defaultSite.LogBucket} {
		id := logicalID(defaultStack, b.(awscdk.IResource))
		defaultTpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), obj(map[string]interface{}{
			"Bucket": map[string]interface{}{"Ref": id},
			"PolicyDocument": obj(map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{obj(map[string]interface{}{
				"Effect": "Deny", "Action": "s3:*", "Principal": map[string]interface{}{"AWS": "*"},
				"Condition": map[string]interface{}{"Bool": map[string]interface{}{"aws:SecureTransport": "false"}},
			})})}),
		}))
	}
}

func TestLogBucketAcceptsCloudFrontLogs(t *testing.T) {
	defaultTpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), obj(map[string]interface{}{
		"OwnershipControls": map[string]interface{}{"Rules": []interface{}{map[string]interface{}{"ObjectOwnership": "BucketOwnerPreferred"}}},
		"PublicAccessBlockConfiguration": map[string]interface{}{
			"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
		},
		"LifecycleConfiguration": map[string]interface{}{"Rules": assertions.Match_ArrayWith(&[]interface{}{
			obj(map[string]interface{}{"ExpirationInDays": 90, "Status": "Enabled"}),
		})},
	}))
	defaultTpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), obj(map[string]interface{}{
		"DistributionConfig": obj(map[string]interface{}{"Logging": map[string]interface{}{
			"Bucket": map[string]interface{}{"Fn::GetAtt": []interface{}{logicalID(defaultStack, defaultSite.LogBucket), "RegionalDomainName"}},
			"Prefix": "cloudfront/",
		}}),
	}))
}

func TestBucketIsReachedOnlyThroughOriginAccessControl(t *testing.T) {
	defaultTpl.ResourceCountIs(jsii.String("AWS::CloudFront::CloudFrontOriginAccessIdentity"), jsii.Number(0))
	defaultTpl.HasResourceProperties(jsii.String("AWS::CloudFront::OriginAccessControl"), obj(map[string]interface{}{
		"OriginAccessControlConfig": obj(map[string]interface{}{"OriginAccessControlOriginType": "s3", "SigningBehavior": "always", "SigningProtocol": "sigv4"}),
	}))
	defaultTpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), obj(map[string]interface{}{
		"Bucket": map[string]interface{}{"Ref": logicalID(defaultStack, defaultSite.Bucket)},
		"PolicyDocument": obj(map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{obj(map[string]interface{}{
			"Effect":    "Allow",
			"Principal": map[string]interface{}{"Service": "cloudfront.amazonaws.com"},
			"Action":    []interface{}{"s3:GetObject", "s3:ListBucket"},
			"Condition": map[string]interface{}{"StringEquals": map[string]interface{}{"AWS:SourceArn": assertions.Match_AnyValue()}},
		})})}),
	}))
	defaultTpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), obj(map[string]interface{}{
		"DistributionConfig": obj(map[string]interface{}{"Origins": []interface{}{obj(map[string]interface{}{
			"OriginAccessControlId": assertions.Match_AnyValue(),
			"S3OriginConfig":        map[string]interface{}{"OriginAccessIdentity": ""},
		})}}),
	}))
}

func TestDistributionIsHttpsOnlyWithModernTlsAndHttp3(t *testing.T) {
	behaviors := assertions.NewCapture(nil)
	domainTpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), obj(map[string]interface{}{
		"DistributionConfig": obj(map[string]interface{}{
			"ViewerCertificate":    obj(map[string]interface{}{"MinimumProtocolVersion": "TLSv1.2_2021", "SslSupportMethod": "sni-only"}),
			"HttpVersion":          "http2and3",
			"DefaultRootObject":    "index.html",
			"DefaultCacheBehavior": obj(map[string]interface{}{"ViewerProtocolPolicy": "redirect-to-https"}),
			"CacheBehaviors":       behaviors,
		}),
	}))
	list := behaviors.AsArray()
	if len(*list) != 3 {
		t.Fatalf("want 3 additional behaviors, got %d", len(*list))
	}
	for _, b := range *list {
		if p := b.(map[string]interface{})["ViewerProtocolPolicy"]; p != "redirect-to-https" {
			t.Errorf("behavior %v: ViewerProtocolPolicy %v, want redirect-to-https", b.(map[string]interface{})["PathPattern"], p)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	defaultTpl.ResourceCountIs(jsii.String("AWS::CloudFront::ResponseHeadersPolicy"), jsii.Number(2))
	csp := assertions.NewCapture(nil)
	defaultTpl.HasResourceProperties(jsii.String("AWS::CloudFront::ResponseHeadersPolicy"), obj(map[string]interface{}{
		"ResponseHeadersPolicyConfig": obj(map[string]interface{}{"SecurityHeadersConfig": map[string]interface{}{
			"StrictTransportSecurity": map[string]interface{}{"AccessControlMaxAgeSec": 63072000, "IncludeSubdomains": true, "Override": true},
			"ContentTypeOptions":      map[string]interface{}{"Override": true},
			"FrameOptions":            map[string]interface{}{"FrameOption": "DENY", "Override": true},
			"ReferrerPolicy":          map[string]interface{}{"ReferrerPolicy": "strict-origin-when-cross-origin", "Override": true},
			"ContentSecurityPolicy":   map[string]interface{}{"ContentSecurityPolicy": csp, "Override": true},
		}}),
	}))
	// ApiOrigin is a token (a parameter) here: the CSP is an Fn::Join.
	got := flatten(csp.AsObject())
	for _, want := range []string{
		"default-src 'self'", "frame-ancestors 'none'", "object-src 'none'",
		"connect-src 'self' {Ref:ApiUrl} https://cognito-idp.{Ref:AWS::Region}.amazonaws.com;",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("CSP %q lacks %q", got, want)
		}
	}
}

func TestContentSecurityPolicyWithLiteralOrigins(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Csp"), nil)
	site := staticsite.New(stack, "Site", &staticsite.Props{
		SourceDir:      jsii.String(siteDir),
		ApiOrigin:      jsii.String("https://api.example.com"),
		CognitoRegion:  jsii.String("eu-central-1"),
		ConnectSources: &[]*string{jsii.String("https://uploads.s3.eu-west-1.amazonaws.com")},
	})
	got := *site.ContentSecurityPolicy()
	want := "connect-src 'self' https://api.example.com https://cognito-idp.eu-central-1.amazonaws.com https://uploads.s3.eu-west-1.amazonaws.com;"
	if !strings.Contains(got, want) {
		t.Errorf("CSP %q lacks %q", got, want)
	}
}

func TestSpaRoutingIsAViewerRequestFunctionNotErrorResponses(t *testing.T) {
	defaultTpl.HasResourceProperties(jsii.String("AWS::CloudFront::Function"), obj(map[string]interface{}{
		"FunctionCode":   staticsite.SpaRoutingFunctionCode(),
		"FunctionConfig": obj(map[string]interface{}{"Runtime": "cloudfront-js-2.0"}),
		"AutoPublish":    true,
	}))
	defaultTpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), obj(map[string]interface{}{
		"DistributionConfig": obj(map[string]interface{}{
			"DefaultCacheBehavior": obj(map[string]interface{}{"FunctionAssociations": []interface{}{obj(map[string]interface{}{
				"EventType":   "viewer-request",
				"FunctionARN": map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^SiteSpaRouting")), "FunctionARN"}},
			})}}),
			"CustomErrorResponses": assertions.Match_Absent(),
		}),
	}))
}

func TestCaching(t *testing.T) {
	behaviors := map[string]interface{}{}
	for _, path := range []string{"/index.html", "/config.json"} {
		behaviors[path] = map[string]interface{}{"CachePolicyId": cachingDisabled, "FunctionAssociations": assertions.Match_Absent()}
	}
	for path, want := range behaviors {
		defaultTpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), obj(map[string]interface{}{
			"DistributionConfig": obj(map[string]interface{}{"CacheBehaviors": assertions.Match_ArrayWith(&[]interface{}{
				obj(merge(map[string]interface{}{"PathPattern": path}, want.(map[string]interface{}))),
			})}),
		}))
	}
	// The default behavior serves app routes rewritten to /index.html: not cached either.
	defaultTpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), obj(map[string]interface{}{
		"DistributionConfig": obj(map[string]interface{}{"DefaultCacheBehavior": obj(map[string]interface{}{"CachePolicyId": cachingDisabled})}),
	}))
	// Hashed assets: a year at the edge and in browsers.
	defaultTpl.HasResourceProperties(jsii.String("AWS::CloudFront::CachePolicy"), obj(map[string]interface{}{
		"CachePolicyConfig": obj(map[string]interface{}{"DefaultTTL": 31536000, "MinTTL": 31536000, "MaxTTL": 31536000,
			"ParametersInCacheKeyAndForwardedToOrigin": obj(map[string]interface{}{
				"EnableAcceptEncodingGzip": true, "EnableAcceptEncodingBrotli": true,
				"CookiesConfig": map[string]interface{}{"CookieBehavior": "none"}, "QueryStringsConfig": map[string]interface{}{"QueryStringBehavior": "none"},
			})}),
	}))
	defaultTpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), obj(map[string]interface{}{
		"DistributionConfig": obj(map[string]interface{}{"CacheBehaviors": assertions.Match_ArrayWith(&[]interface{}{obj(map[string]interface{}{
			"PathPattern":             "/assets/*",
			"CachePolicyId":           map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^SiteAssetsCachePolicy"))},
			"ResponseHeadersPolicyId": map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^SiteAssetsHeaders"))},
		})})}),
	}))
	for _, c := range []struct{ policy, value string }{
		{"^SiteAssetsHeaders", "public, max-age=31536000, immutable"},
		{"^SiteNoCacheHeaders", "no-cache"},
	} {
		found := defaultTpl.FindResources(jsii.String("AWS::CloudFront::ResponseHeadersPolicy"), obj(map[string]interface{}{
			"Properties": obj(map[string]interface{}{"ResponseHeadersPolicyConfig": obj(map[string]interface{}{
				"CustomHeadersConfig": map[string]interface{}{"Items": []interface{}{
					map[string]interface{}{"Header": "Cache-Control", "Value": c.value, "Override": true},
				}},
			})}),
		}))
		ok := false
		for id := range *found {
			ok = ok || regexp.MustCompile(c.policy).MatchString(id)
		}
		if !ok {
			t.Errorf("no response headers policy %s sets Cache-Control %q", c.policy, c.value)
		}
	}
}

func TestOneDeploymentPrunesAndInvalidatesOnlyWhatChanges(t *testing.T) {
	defaultTpl.ResourceCountIs(jsii.String("Custom::CDKBucketDeployment"), jsii.Number(1))
	sources := assertions.NewCapture(nil)
	defaultTpl.HasResourceProperties(jsii.String("Custom::CDKBucketDeployment"), obj(map[string]interface{}{
		"DestinationBucketName": map[string]interface{}{"Ref": logicalID(defaultStack, defaultSite.Bucket)},
		"Prune":                 true,
		"DistributionId":        map[string]interface{}{"Ref": logicalID(defaultStack, defaultSite.Distribution)},
		"DistributionPaths":     []interface{}{"/index.html", "/config.json"},
		"SourceObjectKeys":      sources,
		"SourceMarkersConfig":   []interface{}{map[string]interface{}{}, map[string]interface{}{"jsonEscape": true}},
	}))
	if n := len(*sources.AsArray()); n != 2 {
		t.Errorf("the site and config.json must ship in one deployment (two sources), got %d sources", n)
	}
	// Without RuntimeConfig: the site only.
	domainTpl.HasResourceProperties(jsii.String("Custom::CDKBucketDeployment"), obj(map[string]interface{}{
		"SourceObjectKeys": []interface{}{assertions.Match_AnyValue()},
		"Prune":            true,
	}))
	// The deployment function's logs go to a log group with retention.
	defaultTpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), obj(map[string]interface{}{"RetentionInDays": 30}))
	defaultTpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), obj(map[string]interface{}{
		"MemorySize":    512,
		"LoggingConfig": obj(map[string]interface{}{"LogGroup": map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^SiteDeploymentLogs"))}}),
	}))
}

// LogEncryptionKey encrypts the deployment function's log group, with the
// key policy CloudWatch Logs needs; without it the group has no KmsKeyId.
func TestDeploymentLogEncryption(t *testing.T) {
	domainTpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), obj(map[string]interface{}{
		"KmsKeyId": map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^LogsKey")), "Arn"}},
	}))
	domainTpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), obj(map[string]interface{}{
		"KeyPolicy": obj(map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{
			obj(map[string]interface{}{"Sid": "CloudWatchLogsOfThisAccount"}),
		})}),
	}))
	defaultTpl.ResourcePropertiesCountIs(jsii.String("AWS::Logs::LogGroup"), obj(map[string]interface{}{
		"KmsKeyId": assertions.Match_AnyValue(),
	}), jsii.Number(0))
}

// config.json is generated with deploy-time markers for the tokens and the
// literal values as they are.
func TestRuntimeConfigIsWrittenToConfigJson(t *testing.T) {
	matches, _ := filepath.Glob(filepath.Join(outDir, "asset.*", "config.json"))
	if len(matches) != 1 {
		t.Fatalf("want one staged config.json asset in %s, got %v", outDir, matches)
	}
	raw, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]string
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("config.json %s: %v", raw, err)
	}
	if cfg["clientId"] != "client-123" || !strings.HasPrefix(cfg["apiUrl"], "<<marker:") || !strings.HasPrefix(cfg["region"], "<<marker:") {
		t.Errorf("config.json = %s: want literal clientId and deploy-time markers for apiUrl and region", raw)
	}
}

func TestCustomDomain(t *testing.T) {
	for _, name := range []string{"app.example.com.", "www.app.example.com."} {
		for _, typ := range []string{"A", "AAAA"} {
			domainTpl.HasResourceProperties(jsii.String("AWS::Route53::RecordSet"), obj(map[string]interface{}{
				"Name": name, "Type": typ, "HostedZoneId": "Z0123456789ABC",
				"AliasTarget": obj(map[string]interface{}{
					"DNSName":      map[string]interface{}{"Fn::GetAtt": []interface{}{logicalID(domainStack, domainSite.Distribution), "DomainName"}},
					"HostedZoneId": assertions.Match_AnyValue(),
				}),
			}))
		}
	}
	domainTpl.ResourceCountIs(jsii.String("AWS::Route53::RecordSet"), jsii.Number(4))
	// The certificate crosses from us-east-1 through CDK's cross-region reference reader.
	domainTpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), obj(map[string]interface{}{
		"DistributionConfig": obj(map[string]interface{}{
			"Aliases": []interface{}{"app.example.com", "www.app.example.com"},
			"ViewerCertificate": obj(map[string]interface{}{"AcmCertificateArn": map[string]interface{}{
				"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^ExportsReader")), assertions.Match_AnyValue()},
			}}),
		}),
	}))
	domainTpl.ResourceCountIs(jsii.String("Custom::CrossRegionExportReader"), jsii.Number(1))
	if got := *domainSite.Url(); got != "https://app.example.com" {
		t.Errorf("Url() = %q", got)
	}
	if got := *eastSite.Url(); got != "https://example.com" {
		t.Errorf("Url() = %q", got)
	}
}

func TestCertificateStackIsInUsEast1WithDnsValidation(t *testing.T) {
	if got := *certStack.Region(); got != "us-east-1" {
		t.Errorf("certificate stack region %q", got)
	}
	certTpl.HasResourceProperties(jsii.String("AWS::CertificateManager::Certificate"), obj(map[string]interface{}{
		"DomainName":              "app.example.com",
		"SubjectAlternativeNames": []interface{}{"www.app.example.com"},
		"ValidationMethod":        "DNS",
		"DomainValidationOptions": []interface{}{
			map[string]interface{}{"DomainName": "app.example.com", "HostedZoneId": "Z0123456789ABC"},
			map[string]interface{}{"DomainName": "www.app.example.com", "HostedZoneId": "Z0123456789ABC"},
		},
	}))
	certTpl.ResourceCountIs(jsii.String("Custom::CrossRegionExportWriter"), jsii.Number(1))
}

func TestPriceClassGeoRestrictionAndWaf(t *testing.T) {
	domainTpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), obj(map[string]interface{}{
		"DistributionConfig": obj(map[string]interface{}{
			"PriceClass":   "PriceClass_All",
			"Restrictions": map[string]interface{}{"GeoRestriction": map[string]interface{}{"RestrictionType": "whitelist", "Locations": []interface{}{"DE", "FR"}}},
			"WebACLId":     "arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/abc",
		}),
	}))
	defaultTpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), obj(map[string]interface{}{
		"DistributionConfig": obj(map[string]interface{}{
			"PriceClass": "PriceClass_100", "Restrictions": assertions.Match_Absent(), "WebACLId": assertions.Match_Absent(),
		}),
	}))
}

func TestRemovalPolicyAndAutoDelete(t *testing.T) {
	for tpl, want := range map[assertions.Template]string{defaultTpl: "Retain", domainTpl: "Delete"} {
		buckets := tpl.FindResources(jsii.String("AWS::S3::Bucket"), nil)
		for id, b := range *buckets {
			if got := (*b)["DeletionPolicy"]; got != want {
				t.Errorf("bucket %s DeletionPolicy %v, want %s", id, got, want)
			}
		}
	}
	defaultTpl.ResourceCountIs(jsii.String("Custom::S3AutoDeleteObjects"), jsii.Number(0))
	domainTpl.ResourceCountIs(jsii.String("Custom::S3AutoDeleteObjects"), jsii.Number(2))
}

func TestErrorRateAlarmAndMetric(t *testing.T) {
	alarm := func(threshold float64) assertions.Matcher {
		return obj(map[string]interface{}{
			"Namespace": "AWS/CloudFront", "MetricName": "5xxErrorRate", "Statistic": "Average", "Period": 300,
			"Dimensions": assertions.Match_ArrayWith(&[]interface{}{map[string]interface{}{"Name": "Region", "Value": "Global"}}),
			"Threshold":  threshold, "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
		})
	}
	defaultTpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), alarm(5))
	eastTpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), alarm(2))
	if len(defaultSite.Alarms) != 1 || len(eastSite.Alarms) != 1 {
		t.Errorf("want one default alarm, got %d and %d", len(defaultSite.Alarms), len(eastSite.Alarms))
	}
	// eu-west-1: CloudFront metrics are not there; no alarm, a warning instead.
	domainTpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(0))
	if len(domainSite.Alarms) != 0 {
		t.Errorf("want no alarm outside us-east-1, got %d", len(domainSite.Alarms))
	}
	assertions.Annotations_FromStack(domainStack).HasWarning(jsii.String("/Domain/Site"),
		assertions.Match_StringLikeRegexp(jsii.String("only in us-east-1")))
	m := domainSite.MetricErrorRate(nil)
	if *m.Region() != "us-east-1" || *m.MetricName() != "5xxErrorRate" || *m.Namespace() != "AWS/CloudFront" {
		t.Errorf("MetricErrorRate: %s %s in %s", *m.Namespace(), *m.MetricName(), *m.Region())
	}
	if got := (*m.Dimensions())["Region"]; got != "Global" {
		t.Errorf("MetricErrorRate Region dimension %v, want Global", got)
	}
}

// What the caller sets in the options wins over each metric's defaults; the
// metric stays in us-east-1 with CloudFront's dimensions.
func TestMetricOptionsOverrideDefaults(t *testing.T) {
	opts := &awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: awscdk.Duration_Minutes(jsii.Number(1)), Label: jsii.String("5xx")}
	for name, m := range map[string]awscloudwatch.Metric{
		"MetricErrorRate": domainSite.MetricErrorRate(opts),
		"MetricRequests":  domainSite.MetricRequests(opts),
	} {
		if *m.Statistic() != "Maximum" || *m.Period().ToMinutes(nil) != 1 || *m.Label() != "5xx" {
			t.Errorf("%s: statistic %s, period %v min, label %v; want the options' Maximum, 1, 5xx", name, *m.Statistic(), *m.Period().ToMinutes(nil), m.Label())
		}
		if *m.Region() != "us-east-1" || (*m.Dimensions())["Region"] != "Global" {
			t.Errorf("%s: region %s, dimensions %v", name, *m.Region(), *m.Dimensions())
		}
	}
	if m := domainSite.MetricRequests(nil); *m.Statistic() != "Sum" || *m.Period().ToMinutes(nil) != 5 {
		t.Errorf("MetricRequests(nil): %s over %v min, want the defaults Sum over 5", *m.Statistic(), *m.Period().ToMinutes(nil))
	}
}

// With minimal props not even a warning is left: what the caller did not
// ask for (geo restriction, a web ACL) is excused with its reason.
func TestNoNagWarningsWithMinimalProps(t *testing.T) {
	msgs := assertions.Annotations_FromStack(defaultStack).FindWarning(jsii.String("*"),
		assertions.Match_StringLikeRegexp(jsii.String("^(AwsSolutions|Serverless)-")))
	for _, m := range *msgs {
		t.Errorf("%s: %v", *m.Id, m.Entry.Data)
	}
}

func TestNoUnsuppressedNagErrors(t *testing.T) {
	for _, s := range []awscdk.Stack{defaultStack, domainStack} {
		if errs := cdktest.NagErrors(s); len(errs) > 0 {
			t.Errorf("%s: unsuppressed cdk-nag errors:\n%s", *s.StackName(), strings.Join(errs, "\n"))
		}
	}
}

// The bucket-deployment function's IAM suppressions name their findings:
// a wildcard CDK adds later would still be reported.
func TestDeploymentSuppressionsUseAppliesTo(t *testing.T) {
	for _, typ := range []string{"AWS::IAM::Policy", "AWS::IAM::Role"} {
		found := defaultTpl.FindResources(jsii.String(typ), nil)
		if len(*found) == 0 {
			t.Fatalf("no %s", typ)
		}
		for id, r := range *found {
			rules := nagRules(r)
			if len(rules) == 0 {
				t.Errorf("%s has no cdk-nag suppressions", id)
			}
			for _, rule := range rules {
				if strings.Contains(rule["id"].(string), "IAM") && rule["applies_to"] == nil {
					t.Errorf("%s: %s suppressed without applies_to", id, rule["id"])
				}
				if reason, _ := rule["reason"].(string); len(reason) < 20 {
					t.Errorf("%s: %s has no real reason: %q", id, rule["id"], reason)
				}
			}
		}
	}
}

func nagRules(resource *map[string]interface{}) []map[string]interface{} {
	md, _ := (*resource)["Metadata"].(map[string]interface{})
	nagMd, _ := md["cdk_nag"].(map[string]interface{})
	list, _ := nagMd["rules_to_suppress"].([]interface{})
	var out []map[string]interface{}
	for _, r := range list {
		out = append(out, r.(map[string]interface{}))
	}
	return out
}

func logicalID(stack awscdk.Stack, r interface{ Node() constructs.Node }) string {
	return *stack.GetLogicalId(r.Node().DefaultChild().(awscdk.CfnElement))
}

func merge(a, b map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// flatten renders a captured string or Fn::Join as text, tokens as {Ref:X}.
func flatten(v interface{}) string {
	switch x := v.(type) {
	case *map[string]interface{}:
		return flatten(*x)
	case string:
		return x
	case map[string]interface{}:
		if join, ok := x["Fn::Join"].([]interface{}); ok {
			var b strings.Builder
			for _, part := range join[1].([]interface{}) {
				b.WriteString(flatten(part))
			}
			return b.String()
		}
		if ref, ok := x["Ref"]; ok {
			return fmt.Sprintf("{Ref:%v}", ref)
		}
	}
	return fmt.Sprint(v)
}
