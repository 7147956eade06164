package apiwithauth

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/nag"
	"github.com/stratus-cdk/stratus/internal/synth/secure"
)

// accessLogFields are the access log's JSON fields, in order. Every value
// is quoted so the format is valid JSON whatever API Gateway substitutes.
// No tokens, headers or bodies are logged; "sub" identifies the user.
var accessLogFields = [][2]string{
	{"requestId", "$context.requestId"},
	{"extendedRequestId", "$context.extendedRequestId"},
	{"requestTime", "$context.requestTime"},
	{"ip", "$context.identity.sourceIp"},
	{"userAgent", "$context.identity.userAgent"},
	{"sub", "$context.authorizer.claims.sub"},
	{"httpMethod", "$context.httpMethod"},
	{"resourcePath", "$context.resourcePath"},
	{"path", "$context.path"},
	{"protocol", "$context.protocol"},
	{"status", "$context.status"},
	{"responseLength", "$context.responseLength"},
	{"responseLatency", "$context.responseLatency"},
	{"integrationLatency", "$context.integrationLatency"},
	{"integrationStatus", "$context.integrationStatus"},
	{"errorType", "$context.error.responseType"},
	{"errorMessage", "$context.error.message"},
	{"wafStatus", "$context.waf.status"},
	{"xrayTraceId", "$context.xrayTraceId"},
	{"tlsVersion", "$context.tlsVersion"},
}

func accessLogFormat() string {
	parts := make([]string, len(accessLogFields))
	for i, f := range accessLogFields {
		parts[i] = fmt.Sprintf("%q:%q", f[0], f[1])
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// errorTemplate is the body of API Gateway's own 4XX/5XX responses, the
// same shape the handlers use. messageString is already a quoted JSON string.
const errorTemplate = `{"error":{"code":"$context.error.responseType","message":$context.error.messageString}}`

// createApi makes the regional REST API and its stage: JSON access logs
// (encrypted with LogEncryptionKey when given), execution logs without data,
// X-Ray, throttling, detailed metrics when asked, TLS 1.2.
func (a *ApiWithAuth) createApi(p *Props, c *config) {
	if c.logKey != nil {
		secure.AllowLogs(c.logKey)
	}
	logs := awslogs.NewLogGroup(a.Construct, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		Retention:     c.logRetention,
		RemovalPolicy: c.removal,
		EncryptionKey: c.logKey,
	})
	a.AccessLogs = logs

	rp := &awsapigateway.RestApiProps{
		RestApiName:    awscdk.Names_UniqueId(a.Construct),
		Description:    jsii.String("REST API authorized by a Cognito user pool"),
		EndpointTypes:  &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		CloudWatchRole: jsii.Bool(c.cloudWatchRole),
		FailOnWarnings: jsii.Bool(true),
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String(c.stageName),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(logs),
			AccessLogFormat:      awsapigateway.AccessLogFormat_Custom(jsii.String(accessLogFormat())),
			LoggingLevel:         c.logLevel,
			DataTraceEnabled:     jsii.Bool(false),
			TracingEnabled:       jsii.Bool(true),
			MetricsEnabled:       jsii.Bool(c.metrics),
			ThrottlingRateLimit:  jsii.Number(c.rateLimit),
			ThrottlingBurstLimit: jsii.Number(c.burstLimit),
		},
	}
	if len(c.corsOrigins) > 0 {
		rp.DefaultCorsPreflightOptions = &awsapigateway.CorsOptions{
			AllowOrigins: jsii.Strings(c.corsOrigins...),
			AllowHeaders: jsii.Strings("Content-Type", "Authorization"),
			AllowMethods: jsii.Strings(corsMethods(c.routes)...),
			MaxAge:       awscdk.Duration_Minutes(jsii.Number(10)),
		}
	}
	if d := p.Domain; d != nil {
		rp.DomainName = &awsapigateway.DomainNameOptions{
			DomainName:     d.DomainName,
			Certificate:    d.Certificate,
			EndpointType:   awsapigateway.EndpointType_REGIONAL,
			SecurityPolicy: awsapigateway.SecurityPolicy_TLS_1_2,
		}
		// Clients must come through the domain, so its TLS policy and DNS
		// name are the only way in.
		rp.DisableExecuteApiEndpoint = jsii.Bool(true)
	}
	a.Api = awsapigateway.NewRestApi(a.Construct, jsii.String("Api"), rp)
	// TLS 1.2 minimum on the execute-api endpoint too (the L2 has no prop).
	a.Api.Node().DefaultChild().(awsapigateway.CfnRestApi).SetSecurityPolicy(jsii.String("TLS_1_2"))
	a.DomainName = a.Api.DomainName()
	// RestApi adds an "Endpoint" output with the execute-api URL; ApiUrl
	// below replaces it (and is right when that endpoint is disabled).
	a.Api.Node().TryRemoveChild(jsii.String("Endpoint"))

	if d := p.Domain; d != nil {
		a.url = jsii.String("https://" + *d.DomainName + "/")
	} else {
		a.url = a.Api.Url()
	}

	if a.Api.Node().TryFindChild(jsii.String("CloudWatchRole")) != nil {
		nag.Suppress(a.Api, nag.Rule("AwsSolutions-IAM4",
			"API Gateway's account-wide CloudWatch Logs role (Props.CloudWatchRole) uses the AWS managed policy made for it, "+
				"which AWS keeps current; it must write to any API's log groups in the account, so no narrower policy fits.",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"))
	}
}

// addGatewayResponses makes API Gateway's own errors (bad token, invalid
// body, throttling, integration failure) JSON with CORS headers, so a
// browser can read them.
func (a *ApiWithAuth) addGatewayResponses(c *config) {
	headers := map[string]*string{}
	switch len(c.corsOrigins) {
	case 0:
	case 1:
		headers["Access-Control-Allow-Origin"] = jsii.String("'" + c.corsOrigins[0] + "'")
		headers["Vary"] = jsii.String("'Origin'")
	default:
		// A gateway response can only hold a static value or a request
		// header: echo the Origin. Such responses carry no data, and the
		// API authenticates with a bearer token, not cookies, so another
		// origin gains nothing by reading them.
		headers["Access-Control-Allow-Origin"] = jsii.String("method.request.header.Origin")
		headers["Vary"] = jsii.String("'Origin'")
	}
	if len(c.corsOrigins) > 0 {
		headers["Access-Control-Allow-Headers"] = jsii.String("'Content-Type,Authorization'")
	}
	// A slice, not a map: the creation order feeds the deployment's logical
	// id, which must not change from one synth to the next.
	for _, r := range []struct {
		id string
		t  awsapigateway.ResponseType
	}{
		{"Default4xx", awsapigateway.ResponseType_DEFAULT_4XX()},
		{"Default5xx", awsapigateway.ResponseType_DEFAULT_5XX()},
	} {
		opts := &awsapigateway.GatewayResponseOptions{
			Type:      r.t,
			Templates: &map[string]*string{"application/json": jsii.String(errorTemplate)},
		}
		if len(headers) > 0 {
			opts.ResponseHeaders = &headers
		}
		a.Api.AddGatewayResponse(jsii.String(r.id), opts)
	}
}

// createRecord points the custom domain at the API with an A alias record
// in the given hosted zone (no lookup).
func (a *ApiWithAuth) createRecord(p *Props) {
	d := p.Domain
	if d == nil {
		return
	}
	zone := awsroute53.HostedZone_FromHostedZoneAttributes(a.Construct, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: d.HostedZoneId,
		ZoneName:     d.ZoneName,
	})
	awsroute53.NewARecord(a.Construct, jsii.String("AliasRecord"), &awsroute53.ARecordProps{
		Zone:       zone,
		RecordName: d.DomainName,
		Target:     awsroute53.RecordTarget_FromAlias(awsroute53targets.NewApiGateway(a.Api)),
	})
}

func (a *ApiWithAuth) createOutputs() {
	awscdk.NewCfnOutput(a.Construct, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{
		Value: a.url, Description: jsii.String("Base URL of the REST API"),
	})
	awscdk.NewCfnOutput(a.Construct, jsii.String("UserPoolId"), &awscdk.CfnOutputProps{
		Value: a.UserPool.UserPoolId(), Description: jsii.String("Cognito user pool id"),
	})
	awscdk.NewCfnOutput(a.Construct, jsii.String("UserPoolClientId"), &awscdk.CfnOutputProps{
		Value: a.Client.UserPoolClientId(), Description: jsii.String("Cognito SPA client id (the JWT audience)"),
	})
	if a.LoginDomain != nil {
		awscdk.NewCfnOutput(a.Construct, jsii.String("LoginUrl"), &awscdk.CfnOutputProps{
			Value: a.LoginDomain.BaseUrl(nil), Description: jsii.String("Base URL of the Cognito managed login"),
		})
	}
}
