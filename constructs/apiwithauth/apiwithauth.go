package apiwithauth

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
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
	// ServerErrorsAlarm is the first of Alarms: more than 5% of requests
	// answered 5XX over 5 minutes (e.g. one that rolls a deployment back).
	ServerErrorsAlarm awscloudwatch.Alarm

	url       *string
	stageName string
}

// New creates the user pool (unless given), the SPA client, the REST API
// with one method per route, and its alarms and outputs. It excuses
// cdk-nag's Serverless-LambdaDLQ on each route's function (see the package
// doc). Invalid props panic with one message listing every problem.
func New(scope constructs.Construct, id string, props *Props) *ApiWithAuth {
	if props == nil {
		props = &Props{}
	}
	c := propcheck.For("apiwithauth.New", scope, id)
	cfg := validate(c, scope, props)
	c.Panic()
	a := &ApiWithAuth{Construct: constructs.NewConstruct(scope, jsii.String(id)), stageName: cfg.stageName}
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
