package staticsite

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/nag"
)

// Browser caching, set by the response headers policies (override: the
// objects carry no Cache-Control of their own).
const (
	noCacheControl   = "no-cache"
	immutableControl = "public, max-age=31536000, immutable"
	hstsMaxAgeDays   = 730
)

// ContentSecurityPolicy returns the Content-Security-Policy the site sends:
// everything from the site itself only, no framing, and connect-src open to
// the site, the API (ApiOrigin), Cognito's user-pool endpoint in CognitoRegion
// (the app signs in against it directly) and ConnectSources. Token
// values become an Fn::Join in the template.
func (s *StaticSite) ContentSecurityPolicy() *string {
	connect := []string{"'self'"}
	if s.props.ApiOrigin != nil {
		connect = append(connect, *s.props.ApiOrigin)
	}
	region := awscdk.Stack_Of(s.Construct).Region()
	if s.props.CognitoRegion != nil {
		region = s.props.CognitoRegion
	}
	connect = append(connect, "https://cognito-idp."+*region+".amazonaws.com")
	if s.props.ConnectSources != nil {
		for _, src := range *s.props.ConnectSources {
			connect = append(connect, *src)
		}
	}
	directives := []string{
		"default-src 'self'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"font-src 'self'",
		"manifest-src 'self'",
		"connect-src " + strings.Join(connect, " "),
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
		"frame-ancestors 'none'",
		"upgrade-insecure-requests",
	}
	return jsii.String(strings.Join(directives, "; "))
}

// responseHeadersPolicy sends the security headers and cacheControl.
func (s *StaticSite) responseHeadersPolicy(id, cacheControl string) awscloudfront.ResponseHeadersPolicy {
	return awscloudfront.NewResponseHeadersPolicy(s.Construct, jsii.String(id), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String(fmt.Sprintf("Security headers, Cache-Control: %s", cacheControl)),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(hstsMaxAgeDays)),
				IncludeSubdomains:   jsii.Bool(true),
				Override:            jsii.Bool(true),
			},
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: s.ContentSecurityPolicy(),
				Override:              jsii.Bool(true),
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions: &awscloudfront.ResponseHeadersFrameOptions{
				FrameOption: awscloudfront.HeadersFrameOption_DENY,
				Override:    jsii.Bool(true),
			},
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
				Override:       jsii.Bool(true),
			},
		},
		CustomHeadersBehavior: &awscloudfront.ResponseCustomHeadersBehavior{
			CustomHeaders: &[]*awscloudfront.ResponseCustomHeader{{
				Header:   jsii.String("Cache-Control"),
				Value:    jsii.String(cacheControl),
				Override: jsii.Bool(true),
			}},
		},
	})
}

// assetsCachePolicy caches /assets/* for a year: their names carry a hash of
// their content, so a changed file is a new name.
func (s *StaticSite) assetsCachePolicy() awscloudfront.CachePolicy {
	year := awscdk.Duration_Seconds(jsii.Number(AssetsMaxAgeSeconds))
	return awscloudfront.NewCachePolicy(s.Construct, jsii.String("AssetsCachePolicy"), &awscloudfront.CachePolicyProps{
		Comment:                    jsii.String("Content-hashed assets: cached for a year"),
		DefaultTtl:                 year,
		MinTtl:                     year,
		MaxTtl:                     year,
		CookieBehavior:             awscloudfront.CacheCookieBehavior_None(),
		HeaderBehavior:             awscloudfront.CacheHeaderBehavior_None(),
		QueryStringBehavior:        awscloudfront.CacheQueryStringBehavior_None(),
		EnableAcceptEncodingGzip:   jsii.Bool(true),
		EnableAcceptEncodingBrotli: jsii.Bool(true),
	})
}

// spaRouting is the viewer-request function that maps app routes to /index.html.
func (s *StaticSite) spaRouting() awscloudfront.Function {
	return awscloudfront.NewFunction(s.Construct, jsii.String("SpaRouting"), &awscloudfront.FunctionProps{
		Code:    awscloudfront.FunctionCode_FromInline(jsii.String(SpaRoutingFunctionCode())),
		Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
		Comment: jsii.String("SPA routing: a path without a file extension serves /index.html"),
	})
}

// createDistribution serves bucket through Origin Access Control.
//
// Caching: the default behavior serves the app's routes, which the viewer
// request function rewrites to /index.html. CloudFront picks the behavior
// (and so the cache policy) from the path the viewer asked for, then caches
// under the rewritten path, so the default behavior must not cache either,
// or /items/42 would keep a stale index.html at the edge. /index.html and
// /config.json have their own uncached behaviors; /assets/* is cached a year.
func (s *StaticSite) createDistribution(bucket awss3.IBucket, logBucket awss3.IBucket) awscloudfront.Distribution {
	origin := awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(bucket, &awscloudfrontorigins.S3BucketOriginWithOACProps{
		// LIST lets S3 answer 404 (not 403) for a missing file.
		OriginAccessLevels: &[]awscloudfront.AccessLevel{awscloudfront.AccessLevel_READ, awscloudfront.AccessLevel_LIST},
	})
	noCacheHeaders := s.responseHeadersPolicy("NoCacheHeaders", noCacheControl)
	uncached := func(fns *[]*awscloudfront.FunctionAssociation) *awscloudfront.BehaviorOptions {
		return &awscloudfront.BehaviorOptions{
			Origin:                origin,
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			CachePolicy:           awscloudfront.CachePolicy_CACHING_DISABLED(),
			ResponseHeadersPolicy: noCacheHeaders,
			Compress:              jsii.Bool(true),
			FunctionAssociations:  fns,
		}
	}
	behaviors := map[string]*awscloudfront.BehaviorOptions{
		"/assets/*": {
			Origin:                origin,
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			CachePolicy:           s.assetsCachePolicy(),
			ResponseHeadersPolicy: s.responseHeadersPolicy("AssetsHeaders", immutableControl),
			Compress:              jsii.Bool(true),
		},
	}
	for _, p := range NoCachePaths() {
		behaviors[p] = uncached(nil)
	}
	priceClass := s.props.PriceClass
	if priceClass == "" {
		priceClass = awscloudfront.PriceClass_PRICE_CLASS_100
	}
	props := &awscloudfront.DistributionProps{
		Comment: jsii.String("Single-page app " + *s.Node().Path()),
		DefaultBehavior: uncached(&[]*awscloudfront.FunctionAssociation{{
			Function:  s.spaRouting(),
			EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST,
		}}),
		AdditionalBehaviors: &behaviors,
		DefaultRootObject:   jsii.String("index.html"),
		HttpVersion:         awscloudfront.HttpVersion_HTTP2_AND_3,
		EnableLogging:       jsii.Bool(true),
		LogBucket:           logBucket,
		LogFilePrefix:       jsii.String("cloudfront/"),
		PriceClass:          priceClass,
		GeoRestriction:      s.props.GeoRestriction,
		WebAclId:            s.props.WebAclArn,
	}
	if d := s.props.Domain; d != nil {
		props.DomainNames = &d.DomainNames
		props.Certificate = d.Certificate
		// Only with a certificate of our own: CloudFront's default
		// certificate has a fixed security policy (and CDK warns).
		props.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021
		s.domainName = d.DomainNames[0]
	}
	dist := awscloudfront.NewDistribution(s.Construct, jsii.String("Distribution"), props)
	// aws-cdk-lib warns that a LIST-level origin on the default behavior
	// should come with a default root object, which is set above.
	awscdk.Annotations_Of(dist).AcknowledgeWarning(jsii.String("@aws-cdk/aws-cloudfront-origins:listBucketSecurityRisk"),
		jsii.String("DefaultRootObject is index.html; LIST only turns a missing file into a 404 instead of a 403."))
	if s.props.Domain == nil {
		nag.Suppress(dist, nag.Rule("AwsSolutions-CFR4",
			"Without a custom domain the distribution uses CloudFront's *.cloudfront.net certificate, whose security policy CloudFront fixes; "+
				"MinimumProtocolVersion TLSv1.2_2021 takes effect once Domain is set."))
	}
	// Warnings of the AwsSolutions pack for what the caller chose not to
	// set: a public site serves every country, and a CloudFront web ACL
	// lives in us-east-1, outside this construct's stack.
	if s.props.GeoRestriction == nil {
		nag.Suppress(dist, nag.Rule("AwsSolutions-CFR1",
			"A public single-page app serves every country unless Props.GeoRestriction says otherwise; the caller did not restrict it."))
	}
	if s.props.WebAclArn == nil {
		nag.Suppress(dist, nag.Rule("AwsSolutions-CFR2",
			"No web ACL was given (Props.WebAclArn): a CLOUDFRONT-scope web ACL is created in us-east-1, outside this construct's stack, "+
				"by the caller; the site serves static files from a private bucket."))
	}
	s.Distribution = dist
	return dist
}

// createAliasRecords points each domain name (A and AAAA) at the distribution.
func (s *StaticSite) createAliasRecords(dist awscloudfront.Distribution) {
	d := s.props.Domain
	if d == nil {
		return
	}
	zone := awsroute53.HostedZone_FromHostedZoneAttributes(s.Construct, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: d.HostedZoneId,
		ZoneName:     d.ZoneName,
	})
	target := awsroute53.RecordTarget_FromAlias(awsroute53targets.NewCloudFrontTarget(dist))
	for i, name := range d.DomainNames {
		awsroute53.NewARecord(s.Construct, jsii.String(fmt.Sprintf("AliasA%d", i)), &awsroute53.ARecordProps{
			Zone: zone, RecordName: name, Target: target,
		})
		awsroute53.NewAaaaRecord(s.Construct, jsii.String(fmt.Sprintf("AliasAAAA%d", i)), &awsroute53.AaaaRecordProps{
			Zone: zone, RecordName: name, Target: target,
		})
	}
}
