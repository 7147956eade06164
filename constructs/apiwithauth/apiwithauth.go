package apiwithauth

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/propcheck"
)

// Route is one method of the API: an HTTP method on a path, the function
// that serves it (Lambda proxy integration) and how its requests are checked.
type Route struct {
	// Method is the HTTP method: GET, HEAD, POST, PUT, PATCH or DELETE
	// (OPTIONS is reserved for the CORS preflight).
	Method *string
	// Path starts with "/"; path parameters are written "{name}", a greedy
	// one "{name+}", e.g. "/items/{id}".
	Path *string
	// Handler receives an events.APIGatewayProxyRequest; behind the
	// authorizer the caller's ID-token claims are in
	// requestContext.authorizer.claims.
	Handler awslambda.IFunction
	// RequestSchema is the JSON Schema (draft-04) of the request body; a
	// request whose body does not match gets 400 BAD_REQUEST_BODY from API
	// Gateway before the handler runs.
	// Default: - the body is not validated.
	RequestSchema *awsapigateway.JsonSchema
	// QueryParameters declares the route's query-string parameters, name →
	// required. API Gateway answers a request without a required one 400
	// BAD_REQUEST_PARAMETERS before the handler runs; optional ones are
	// documented in the API's definition (and its exports). Path parameters
	// need no declaration: every one in Path is required.
	// Default: - none declared.
	QueryParameters map[string]bool
	// Public routes need no signed-in user (e.g. GET /health).
	// Default: false (the Cognito authorizer checks an ID token).
	Public *bool
}

// Domain serves the API on a custom domain name.
type Domain struct {
	// DomainName, e.g. "api.example.com".
	DomainName *string
	// Certificate for DomainName, in the stack's region.
	Certificate awscertificatemanager.ICertificate
	// HostedZoneId and ZoneName of the public hosted zone that gets an A
	// alias record for DomainName (no lookup: both are given).
	HostedZoneId *string
	ZoneName     *string
}

// Props configures ApiWithAuth. Only Routes is required.
type Props struct {
	// Routes of the API, one per method and path.
	Routes []Route

	// ExistingUserPool authorizes the API instead of a new pool. The SPA
	// client (and the managed-login domain, when DomainPrefix is set) is
	// added to it; Mfa, Email, DeletionProtection, ThreatProtection and
	// SelfSignUp must then be left unset.
	// Default: - a new user pool.
	ExistingUserPool awscognito.IUserPool
	// Mfa of the new user pool; second factor: TOTP authenticator apps
	// (no SMS, so no SNS role or SMS cost).
	// Default: awscognito.Mfa_OPTIONAL.
	Mfa awscognito.Mfa
	// Email sends the new user pool's mail (sign-up and password-reset
	// codes): awscognito.UserPoolEmail_WithSES for production, from an
	// identity verified in Amazon SES, at SES's quotas.
	// Default: - Cognito's own sender, whose small daily quota is meant for
	// testing.
	Email awscognito.UserPoolEmail
	// DeletionProtection of the new user pool.
	// Default: true.
	DeletionProtection *bool
	// ThreatProtection of the new user pool. FULL_FUNCTION or AUDIT_ONLY put
	// the pool on the PLUS feature plan (adaptive authentication,
	// compromised-credential checks; billed per monthly active user with no
	// free tier); NO_ENFORCEMENT keeps it on ESSENTIALS (10,000 MAU free).
	// Default: awscognito.StandardThreatProtectionMode_FULL_FUNCTION.
	ThreatProtection awscognito.StandardThreatProtectionMode
	// SelfSignUp lets anyone create an account in the new user pool.
	// Default: false (users are invited by an administrator).
	SelfSignUp *bool
	// PasswordAuth lets the SPA client sign in with USER_PASSWORD_AUTH
	// (InitiateAuth with the password over TLS) besides SRP: the flow a
	// small client, or a local issuer standing in for Cognito, can speak
	// without the SRP math. Cognito's threat protection still applies.
	// Default: false (SRP only).
	PasswordAuth *bool
	// CallbackUrls allowed after sign-in through the OAuth 2.0
	// authorization-code grant (https, or http://localhost for development).
	// Default: - no OAuth flows; the SPA signs in with SRP only.
	CallbackUrls *[]*string
	// LogoutUrls allowed after sign-out (same rules as CallbackUrls).
	// Default: - none.
	LogoutUrls *[]*string
	// DomainPrefix of the Cognito managed-login domain
	// (https://<prefix>.auth.<region>.amazoncognito.com).
	// Default: - no managed login.
	DomainPrefix *string

	// CorsOrigins allowed to call the API from a browser, e.g.
	// "https://app.example.com" (no "*", no trailing slash).
	// Default: - none: no preflight methods and no CORS headers.
	CorsOrigins *[]*string
	// ThrottlingRateLimit is the stage's steady-state requests per second.
	// Default: 100.
	ThrottlingRateLimit *float64
	// ThrottlingBurstLimit is the stage's burst of requests.
	// Default: 200.
	ThrottlingBurstLimit *float64
	// LogRetention of the access log group.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
	// LogEncryptionKey encrypts the access log group with a customer managed
	// key. New adds the statement CloudWatch Logs needs to the key's policy
	// (this account's log groups may use it); an imported key's policy must
	// already allow it.
	// Default: - CloudWatch Logs' own encryption, with a key AWS owns.
	LogEncryptionKey awskms.IKey
	// MetricsEnabled turns on the stage's detailed CloudWatch metrics: Count,
	// 4XXError, 5XXError, Latency and IntegrationLatency per method (resource
	// and HTTP method), besides the per-API metrics API Gateway always
	// publishes. CloudWatch bills them as custom metrics, for each metric
	// and hour that receives data: five per method with traffic.
	// Default: false.
	MetricsEnabled *bool
	// ExecutionLogLevel of API Gateway's execution logs (request and
	// response data are never logged).
	// Default: awsapigateway.MethodLoggingLevel_ERROR (the access log
	// already records every request).
	ExecutionLogLevel awsapigateway.MethodLoggingLevel
	// CloudWatchRole creates the account-wide role API Gateway uses to write
	// logs (AWS::ApiGateway::Account). It is one setting per account and
	// region: let exactly one stack own it, or set it up once outside CDK.
	// Default: false.
	CloudWatchRole *bool
	// WebAcl associates a new regional WAFv2 web ACL with the stage: AWS
	// managed common and known-bad-inputs rules plus a per-IP rate limit,
	// with the body rules counting on routes with a RequestSchema, and logs
	// of what it blocks or counts (see the package doc).
	// Default: true.
	WebAcl *bool
	// WebAclRateLimit is the number of requests one IP may send in 5
	// minutes before the web ACL blocks it. Not with OriginSecret.
	// Default: 1000 (none with OriginSecret).
	WebAclRateLimit *float64
	// OriginSecret puts the API behind a CDN: the web ACL blocks every request
	// that does not carry the header OriginHeaderName with the secret's value,
	// which the CDN adds on its way to the origin (CloudFront's origin custom
	// header; CloudFront replaces a viewer's header of that name), so the
	// execute-api endpoint cannot be called past the CDN's own web ACL. The
	// per-IP rate rule is then left out: every address this web ACL sees is
	// the CDN's, so rate-limit per client on the CDN's web ACL, which sees the
	// viewer's. Needs WebAcl. The value is resolved by CloudFormation at
	// deploy time (never in the template) and redacted from the web ACL's
	// logs. It is not rotated by the construct: a rotation must let the web
	// ACL accept the old and the new value while the CDN deploys the new one.
	// Default: - direct calls are allowed.
	OriginSecret awssecretsmanager.ISecret
	// Domain serves the API on a custom domain (TLS 1.2 minimum) and turns
	// off the default execute-api endpoint.
	// Default: - the execute-api endpoint only.
	Domain *Domain
	// StageName of the deployment stage.
	// Default: "v1".
	StageName *string
	// RemovalPolicy of the new user pool and the access log group.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Defaults documented on Props.
const (
	DefaultThrottlingRateLimit  = 100
	DefaultThrottlingBurstLimit = 200
	DefaultWebAclRateLimit      = 1000
	// OriginHeaderName carries OriginSecret's value from the CDN to the API.
	OriginHeaderName    = "X-Origin-Verify"
	DefaultStageName    = "v1"
	DefaultLogRetention = awslogs.RetentionDays_ONE_MONTH
)

// ApiWithAuth is a regional REST API whose routes are authorized by a
// Cognito user pool.
type ApiWithAuth struct {
	constructs.Construct

	// Api is the REST API; Api.DeploymentStage() is its stage.
	Api awsapigateway.RestApi
	// UserPool authorizes the API (the new pool or ExistingUserPool).
	UserPool awscognito.IUserPool
	// Client is the public SPA client (no secret).
	Client awscognito.IUserPoolClient
	// LoginDomain is the managed-login domain; nil without DomainPrefix.
	LoginDomain awscognito.UserPoolDomain
	// AccessLogs receives the stage's JSON access log.
	AccessLogs awslogs.ILogGroup
	// WebAcl is the web ACL associated with the stage; nil when WebAcl is false.
	WebAcl awswafv2.CfnWebACL
	// WebAclLogGroup receives the web ACL's blocked and counted requests
	// (aws-waf-logs-…); nil when WebAcl is false.
	WebAclLogGroup awslogs.LogGroup
	// DomainName is the custom domain; nil without Domain.
	DomainName awsapigateway.DomainName
	// Alarms created by default (server-error rate, p99 latency), without
	// actions: add them with alarm.AddAlarmAction.
	Alarms []awscloudwatch.Alarm

	url *string
}

// New creates the user pool (unless given), the SPA client, the REST API
// with one method per route, and its alarms and outputs. It excuses
// cdk-nag's Serverless-LambdaDLQ on each route's function (see the package
// doc). Invalid props panic with one message listing every problem.
func New(scope constructs.Construct, id string, props *Props) *ApiWithAuth {
	if props == nil {
		props = &Props{}
	}
	cfg := resolve(props)
	c := propcheck.For("apiwithauth.New", scope, id)
	validate(c, props, cfg)
	c.Panic()
	a := &ApiWithAuth{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	a.createUserPool(props, cfg)
	a.createClient(props)
	a.createLoginDomain(props, cfg)
	a.createApi(props, cfg)
	a.addRoutes(cfg)
	a.addGatewayResponses(cfg)
	a.createWebAcl(cfg)
	a.createRecord(props)
	a.createAlarms()
	a.createOutputs()
	return a
}

// Url is the API's base URL: https://<domain>/ with a custom Domain,
// otherwise the stage URL (https://<id>.execute-api.<region>.amazonaws.com/<stage>/).
func (a *ApiWithAuth) Url() *string { return a.url }

// MetricServerErrors counts 5XX responses of the stage (Sum) or their rate
// (Average).
func (a *ApiWithAuth) MetricServerErrors(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return a.Api.DeploymentStage().MetricServerError(opts)
}

// MetricClientErrors counts 4XX responses of the stage.
func (a *ApiWithAuth) MetricClientErrors(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return a.Api.DeploymentStage().MetricClientError(opts)
}

// MetricLatency is the time between API Gateway receiving a request and
// sending the response, in milliseconds.
func (a *ApiWithAuth) MetricLatency(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return a.Api.DeploymentStage().MetricLatency(opts)
}

// MetricCount counts the stage's requests.
func (a *ApiWithAuth) MetricCount(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return a.Api.DeploymentStage().MetricCount(opts)
}
