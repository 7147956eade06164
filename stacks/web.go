package stacks

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/apiwithauth"
	"github.com/stratus-cdk/stratus/constructs/staticsite"
	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/internal/synth/secure"
	"github.com/stratus-cdk/stratus/internal/synth/waf"
)

// SiteDir is the built web app (npm run build in web/).
const SiteDir = "web/dist"

// apiPath is where the site serves the API: CloudFront forwards /v1/* to the
// REST API's stage of the same name, so the app calls its own origin and the
// API needs no CORS.
const apiPath = "/v1/"

// WebStack serves the single-page app and, under /v1/, the API.
type WebStack struct {
	awscdk.Stack
	Site *staticsite.StaticSite
	// SiteUrl is the site's URL output; the API answers under SiteUrl/v1/.
	SiteUrl awscdk.CfnOutput
	// OriginRotation rotates the App stack's origin secret; nil without one.
	OriginRotation awslambda.Function
}

// EdgeStack holds what CloudFront needs in us-east-1: the site's web ACL
// and its custom domain's certificate, each when the stage has one.
type EdgeStack struct {
	awscdk.Stack
	// WebAcl protects the distribution; nil without Site.WebAcl.
	WebAcl awswafv2.CfnWebACL
	// Certificate covers Site.Domain.Name; nil without a domain.
	Certificate awscertificatemanager.ICertificate
}

// NewEdgeStack creates the us-east-1 stack of cfg.
func NewEdgeStack(scope constructs.Construct, cfg Config, account *string) *EdgeStack {
	var holds []string
	if cfg.Site.WebAcl {
		holds = append(holds, "CloudFront web ACL")
	}
	if cfg.Site.Domain.IsSet() {
		holds = append(holds, "certificate of "+cfg.Site.Domain.Name)
	}
	stack := awscdk.NewStack(scope, jsii.String("Edge"), &awscdk.StackProps{
		Description: jsii.String("Stratus " + cfg.Name + ": " + strings.Join(holds, " and ") + " (us-east-1)"),
		Env:         &awscdk.Environment{Account: account, Region: jsii.String(staticsite.CertificateRegion)},
	})
	edge := &EdgeStack{Stack: stack}
	if cfg.Site.WebAcl {
		// CloudFront forwards /v1/* to the API: the same text paths as the
		// API's own web ACL.
		var bodies []string
		for _, r := range contract.Routes() {
			if r.Schema != "" {
				bodies = append(bodies, strings.TrimSuffix(apiPath, "/")+r.Path)
			}
		}
		// The web ACL's logs stay in us-east-1 with it, encrypted by a key of
		// this stack: the stage's keys are in the stage's region.
		key := secure.Key(stack, "EdgeLogsKey", "Stratus "+cfg.Name+": the site web ACL's logs (us-east-1)", cfg.RemovalPolicy)
		secure.AllowLogs(key)
		edge.WebAcl = waf.NewWebAcl(stack, "SiteWebAcl", waf.Options{
			Scope: waf.CloudFront, RateLimit: 2000, Description: "Protects the " + cfg.Name + " site",
			TextPaths: bodies, LogRetention: cfg.LogRetention, LogEncryptionKey: key, RemovalPolicy: cfg.RemovalPolicy,
		}).Acl
	}
	if d := cfg.Site.Domain; d.IsSet() {
		// DNS validation: CloudFormation writes the validation record into
		// the zone and waits for ACM to issue the certificate.
		edge.Certificate = awscertificatemanager.NewCertificate(stack, jsii.String("SiteCertificate"), &awscertificatemanager.CertificateProps{
			DomainName: jsii.String(d.Name),
			Validation: awscertificatemanager.CertificateValidation_FromDns(hostedZone(stack, d)),
		})
	}
	return edge
}

// hostedZone is d's zone, referenced by id: no lookup. Name stands in for
// the zone's name (see Domain).
func hostedZone(scope constructs.Construct, d Domain) awsroute53.IHostedZone {
	return awsroute53.HostedZone_FromHostedZoneAttributes(scope, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String(d.HostedZoneId),
		ZoneName:     jsii.String(d.Name),
	})
}

// NewWebStack creates the web stack of cfg; edge may be nil.
func NewWebStack(scope constructs.Construct, cfg Config, app *AppStack, edge *EdgeStack) *WebStack {
	stack := awscdk.NewStack(scope, jsii.String("Web"), &awscdk.StackProps{
		Description:           jsii.String("Stratus " + cfg.Name + ": single-page app on S3 and CloudFront"),
		CrossRegionReferences: jsii.Bool(edge != nil),
	})
	props := &staticsite.Props{
		SourceDir: jsii.String(SiteDir),
		RuntimeConfig: &map[string]*string{
			"apiUrl":           jsii.String(apiPath),
			"region":           stack.Region(),
			"userPoolId":       app.Api.UserPool.UserPoolId(),
			"userPoolClientId": app.Api.Client.UserPoolClientId(),
			// The pool's MfaConfiguration: the web app offers TOTP on its account
			// page where it is OPTIONAL, and expects enrolment where it is ON.
			"mfa": app.Api.UserPool.Node().DefaultChild().(awscognito.CfnUserPool).MfaConfiguration(),
		},
		// Browsers PUT attachments straight to the uploads bucket.
		ConnectSources:    &[]*string{awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("https://"), app.Uploads.BucketRegionalDomainName()})},
		RemovalPolicy:     cfg.RemovalPolicy,
		AutoDeleteObjects: jsii.Bool(cfg.RemovalPolicy == awscdk.RemovalPolicy_DESTROY),
		LogRetention:      cfg.LogRetention,
		LogEncryptionKey:  app.LogsKey,
	}
	if edge != nil && edge.WebAcl != nil {
		props.WebAclArn = edge.WebAcl.AttrArn()
	}
	if d := cfg.Site.Domain; d.IsSet() {
		props.Domain = &staticsite.DomainProps{
			DomainNames:  []*string{jsii.String(d.Name)},
			HostedZoneId: jsii.String(d.HostedZoneId),
			ZoneName:     jsii.String(d.Name), // see Domain
			Certificate:  edge.Certificate,
		}
	}
	site := staticsite.New(stack, "Site", props)
	awscdk.Annotations_Of(stack).AcknowledgeWarning(jsii.String("@stratus/staticsite:noAlarms"), jsii.String(
		"CloudFront publishes its metrics in us-east-1 only; the site's error rate is graphed from "+
			"MetricErrorRate there, and the API behind /v1/ alarms in this region."))
	for _, a := range site.Alarms {
		alarmTo(a, app.Alarms)
	}
	site.Distribution.(awscloudfront.Distribution).AddBehavior(jsii.String(apiPath+"*"),
		// What RestApiOrigin makes (HTTPS only, TLS 1.2), but with the API's
		// host built from its id: RestApiOrigin cuts the host out of the
		// API's URL with Fn::Split, which here would split another stack's
		// Fn::GetStackOutput, a use CloudFormation does not document.
		awscloudfrontorigins.NewHttpOrigin(apiHost(app), &awscloudfrontorigins.HttpOriginProps{
			// The request path already starts with the stage name.
			OriginPath:         jsii.String("/"),
			ProtocolPolicy:     awscloudfront.OriginProtocolPolicy_HTTPS_ONLY,
			OriginSslProtocols: &[]awscloudfront.OriginSslPolicy{awscloudfront.OriginSslPolicy_TLS_V1_2},
			CustomHeaders:      originHeaders(app),
		}),
		&awscloudfront.AddBehaviorOptions{
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
			AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
			CachePolicy:          awscloudfront.CachePolicy_CACHING_DISABLED(),
			// Everything but Host: API Gateway routes on its own host name.
			OriginRequestPolicy: awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
		})
	web := &WebStack{Stack: stack, Site: site}
	if app.OriginSecret != nil {
		web.OriginRotation = rotateOriginSecret(stack, cfg, app, site.Distribution)
	}
	url := awscdk.NewCfnOutput(stack, jsii.String("SiteUrl"), &awscdk.CfnOutputProps{
		Value:       site.Url(),
		Description: jsii.String("The web app; the API answers under /v1/"),
	})
	web.SiteUrl = url
	return web
}

// originHeaders are the headers CloudFront adds to every API request: the
// origin secret the API's web ACL requires (nil without one).
func originHeaders(app *AppStack) *map[string]*string {
	if app.OriginSecret == nil {
		return nil
	}
	return &map[string]*string{apiwithauth.OriginHeaderName: app.OriginSecret.SecretValue().UnsafeUnwrap()}
}

// apiHost is the host of the app's REST API, <id>.execute-api.<region>.<suffix>.
func apiHost(app *AppStack) *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{
		app.Api.Api.RestApiId(), jsii.String(".execute-api."), app.Stack.Region(), jsii.String("."), app.Stack.UrlSuffix(),
	})
}
