// Package staticsite serves a single-page app from a private S3 bucket
// through CloudFront.
//
//	site := staticsite.New(stack, "Site", &staticsite.Props{
//		SourceDir: jsii.String("web/dist"), // index.html at its root
//		ApiOrigin: api.Url(),                // added to the CSP's connect-src
//		RuntimeConfig: &map[string]*string{  // /config.json, written at deploy time
//			"apiUrl": api.Url(), "userPoolId": api.UserPool.UserPoolId(),
//		},
//	})
//	site.Alarms[0].AddAlarmAction(awscloudwatchactions.NewSnsAction(alarmTopic))
//	awscdk.NewCfnOutput(stack, jsii.String("SiteUrl"), &awscdk.CfnOutputProps{Value: site.Url()})
//
// New creates:
//
//   - a site bucket: all public access blocked, SSL only, SSE-S3, versioned
//     (old versions expire after 30 days), server access logs to a log bucket;
//   - a log bucket for the bucket's access logs ("s3-access/") and the
//     distribution's standard logs ("cloudfront/"): ACLs enabled
//     (BUCKET_OWNER_PREFERRED, which CloudFront standard logging needs), SSL only,
//     objects expiring after AccessLogsExpiration;
//   - a distribution reaching the bucket only through Origin Access Control,
//     redirecting HTTP to HTTPS, TLSv1.2_2021 at least (with a custom domain),
//     HTTP/2 and HTTP/3, index.html as default root object, access logs;
//   - response headers: HSTS (two years, subdomains), a Content-Security-Policy
//     whose connect-src allows the site, ApiOrigin, Cognito's user-pool endpoint
//     (https://cognito-idp.<CognitoRegion>.amazonaws.com) and ConnectSources,
//     X-Content-Type-Options nosniff, X-Frame-Options DENY,
//     Referrer-Policy strict-origin-when-cross-origin;
//   - SPA routing in a CloudFront Function on viewer request (SpaRoutingFunctionCode):
//     a path whose last segment has no file extension is served /index.html;
//     a missing file stays a 404 (no 403/404 → 200 error responses);
//   - caching: /index.html, /config.json and app routes are never cached at the
//     edge (Cache-Control: no-cache to browsers); /assets/* (content hashed by
//     the build) is cached a year at the edge and in browsers (immutable);
//   - one bucket deployment that uploads SourceDir and writes RuntimeConfig to
//     /config.json (both sources in the same deployment, so pruning old files
//     never deletes the other's), then invalidates only NoCachePaths(); its
//     function logs to a log group with LogRetention, encrypted with
//     LogEncryptionKey when given;
//   - with Domain: A and AAAA alias records for each domain name;
//   - an alarm on the 5xx error rate (Alarms; add actions to it), and the
//     MetricErrorRate and MetricRequests methods for dashboards.
//
// # Encryption
//
// Both buckets use S3-managed keys (SSE-S3), not a customer KMS key: the site
// holds what every visitor downloads, a KMS key would charge per request on
// every cache miss and need a key policy naming the distribution that itself
// depends on the bucket, and S3 server access logs can only be delivered to an
// SSE-S3 bucket.
//
// # Custom domains and the certificate
//
// CloudFront reads certificates from us-east-1 only. When the site's stack is
// in another region, create the certificate with NewCertificateStack (a
// separate stack in us-east-1, DNS-validated against the hosted zone) and give
// the site's stack an explicit Env.Region and CrossRegionReferences: true:
//
//	certs := staticsite.NewCertificateStack(app, "Certificate", &staticsite.CertificateStackProps{
//		StackProps:   awscdk.StackProps{Env: &awscdk.Environment{Account: account}},
//		DomainNames:  []*string{jsii.String("app.example.com")},
//		HostedZoneId: jsii.String("Z0123456789ABC"),
//		ZoneName:     jsii.String("example.com"),
//	})
//	stack := awscdk.NewStack(app, jsii.String("Web"), &awscdk.StackProps{
//		Env:                   &awscdk.Environment{Account: account, Region: jsii.String("eu-west-1")},
//		CrossRegionReferences: jsii.Bool(true),
//	})
//	staticsite.New(stack, "Site", &staticsite.Props{
//		SourceDir: jsii.String("web/dist"),
//		Domain: &staticsite.DomainProps{
//			DomainNames:  []*string{jsii.String("app.example.com")},
//			HostedZoneId: jsii.String("Z0123456789ABC"),
//			ZoneName:     jsii.String("example.com"),
//			Certificate:  certs.Certificate,
//		},
//	})
//
// A certificate that already exists is passed as is
// (awscertificatemanager.Certificate_FromCertificateArn with a us-east-1 ARN).
//
// # Alarms
//
// CloudFront publishes its metrics only in us-east-1 (dimension Region=Global)
// and a CloudWatch alarm cannot watch another region's metric. The default
// alarm is created when the site's stack is in us-east-1 or
// environment-agnostic; in another region Alarms is empty and a synth warning
// says so. MetricErrorRate names us-east-1, so it graphs on a dashboard in
// any region.
//
// # cdk-nag
//
// A stack holding only a StaticSite, with minimal props, has no
// unsuppressed AwsSolutions or Serverless error or warning. What remains is
// suppressed next to its resource with a reason: AwsSolutions-S1 on the log
// bucket (it is the log destination); on the distribution AwsSolutions-CFR4
// without a custom domain (the *.cloudfront.net certificate's security
// policy is CloudFront's), CFR1 without GeoRestriction and CFR2 without
// WebAclArn (the caller's choices); and on CDK's bucket-deployment function
// (found through the deployment's handler role, not a construct path)
// IAM4/IAM5 with appliesTo naming each finding, L1,
// Serverless-LambdaLatestVersion, Serverless-LambdaTracing and
// Serverless-LambdaDLQ. aws-cdk-lib's warning about a LIST-level origin
// without a default root object is acknowledged: index.html is one.
//
// # Validation
//
// New panics once, naming the construct path, each prop and its value:
// SourceDir missing, not a directory or
// without index.html; a Domain without names, zone id, zone name or
// certificate, names outside the zone, a certificate outside us-east-1 or in
// another region's stack referenced from a stack without an explicit region;
// AutoDeleteObjects without RemovalPolicy DESTROY; a non-https ApiOrigin; a
// WAF ACL that is not CLOUDFRONT-scoped; an ErrorRateThreshold outside (0, 100].
// Unresolved tokens are not checked.
package staticsite
