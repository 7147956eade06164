package cost

import (
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/wiring"
)

// rule says how a resource type is priced: by a function, or not at all
// with the reason (free: the type costs nothing; skip: it may cost, and the
// estimate leaves it out).
type rule struct {
	price func(e *estimator, n *wiring.Node) (lines []Line, why string)
	free  string
	skip  string
}

const (
	freeIAM     = "free: IAM carries no charge"
	freeNetwork = "free: VPC building blocks carry no charge (NAT gateways, addresses and endpoints are priced)"
	freeAPIPart = "free: part of a REST API, billed per request on the API"
	freePolicy  = "free: a resource policy"
	freeConfig  = "free: configuration of another resource, billed there"
)

var rules = map[string]rule{
	"AWS::EC2::NatGateway":             {price: priceNAT},
	"AWS::EC2::EIP":                    {price: priceEIP},
	"AWS::EC2::VPCEndpoint":            {price: priceEndpoint},
	"AWS::RDS::DBCluster":              {price: priceCluster},
	"AWS::RDS::DBInstance":             {price: priceInstance},
	"AWS::RDS::DBProxy":                {price: priceProxy},
	"AWS::KMS::Key":                    {price: fixed("customer managed key", "kms.key.month")},
	"AWS::SecretsManager::Secret":      {price: fixed("secret", "secretsmanager.secret.month")},
	"AWS::WAFv2::WebACL":               {price: priceWebACL},
	"AWS::WAFv2::LoggingConfiguration": {free: freeConfig},
	"AWS::CloudWatch::Alarm":           {price: priceAlarm},
	"AWS::CloudWatch::CompositeAlarm":  {price: fixed("composite alarm", "cloudwatch.alarm.composite.month")},
	"AWS::CloudWatch::Dashboard":       {price: fixed("dashboard", "cloudwatch.dashboard.month")},
	"AWS::Logs::LogGroup":              {price: priceLogGroup},
	"AWS::Cognito::UserPool":           {price: priceUserPool},
	"AWS::ApiGateway::RestApi":         {price: priceRestAPI},
	"AWS::Lambda::Function":            {price: priceFunction},
	"AWS::CloudFront::Distribution":    {price: priceDistribution},
	"AWS::CloudFront::Function":        {price: priceEdgeFunction},
	"AWS::S3::Bucket":                  {price: priceBucket},
	"AWS::SQS::Queue":                  {price: priceQueue},
	"AWS::SNS::Topic":                  {price: priceTopic},
	"AWS::CodePipeline::Pipeline":      {price: pricePipeline},
	"AWS::CodeBuild::Project":          {price: priceProject},
	"AWS::SSM::Parameter":              {price: priceParameter},
	"AWS::Route53::HostedZone":         {price: fixed("hosted zone", "route53.hosted-zone.month")},

	"AWS::IAM::Role": {free: freeIAM}, "AWS::IAM::Policy": {free: freeIAM},
	"AWS::IAM::ManagedPolicy": {free: freeIAM}, "AWS::IAM::InstanceProfile": {free: freeIAM},
	"AWS::EC2::VPC": {free: freeNetwork}, "AWS::EC2::Subnet": {free: freeNetwork},
	"AWS::EC2::RouteTable": {free: freeNetwork}, "AWS::EC2::Route": {free: freeNetwork},
	"AWS::EC2::SubnetRouteTableAssociation": {free: freeNetwork}, "AWS::EC2::InternetGateway": {free: freeNetwork},
	"AWS::EC2::VPCGatewayAttachment": {free: freeNetwork}, "AWS::EC2::SecurityGroup": {free: freeNetwork},
	"AWS::EC2::SecurityGroupIngress": {free: freeNetwork}, "AWS::EC2::SecurityGroupEgress": {free: freeNetwork},
	"AWS::EC2::FlowLog":       {free: "free: flow logs are billed as ingestion into their log group, priced there"},
	"AWS::ApiGateway::Method": {free: freeAPIPart}, "AWS::ApiGateway::Resource": {free: freeAPIPart},
	"AWS::ApiGateway::Model": {free: freeAPIPart}, "AWS::ApiGateway::RequestValidator": {free: freeAPIPart},
	"AWS::ApiGateway::Deployment": {free: freeAPIPart}, "AWS::ApiGateway::Stage": {price: priceStage},
	"AWS::ApiGateway::Authorizer": {free: freeAPIPart}, "AWS::ApiGateway::GatewayResponse": {free: freeAPIPart},
	"AWS::ApiGateway::Account":          {free: freeConfig},
	"AWS::Lambda::Permission":           {free: freePolicy},
	"AWS::Lambda::EventSourceMapping":   {free: "free: the mapping itself; its polling is priced as requests on the queue"},
	"AWS::Lambda::LayerVersion":         {free: "free: layers count toward the free 75 GB of function code storage"},
	"AWS::Lambda::Version":              {free: "free: a published version counts toward the free 75 GB of function code storage; its invocations are priced on the function"},
	"AWS::Lambda::Alias":                {free: "free: an alias carries no charge; its invocations are priced on the function"},
	"AWS::CodeDeploy::Application":      {free: "free: CodeDeploy deployments to Lambda carry no charge"},
	"AWS::CodeDeploy::DeploymentGroup":  {free: "free: CodeDeploy deployments to Lambda carry no charge (its rollback alarms are priced as alarms)"},
	"AWS::CodeDeploy::DeploymentConfig": {free: "free: CodeDeploy deployments to Lambda carry no charge"},
	"AWS::S3::BucketPolicy":             {free: freePolicy}, "AWS::SNS::TopicPolicy": {free: freePolicy},
	"AWS::SQS::QueuePolicy": {free: freePolicy}, "AWS::SecretsManager::ResourcePolicy": {free: freePolicy},
	"AWS::SNS::Subscription":                      {free: "free: deliveries to SQS and Lambda carry no charge (email and HTTP deliveries would, per notification)"},
	"AWS::SecretsManager::RotationSchedule":       {free: freeConfig},
	"AWS::SecretsManager::SecretTargetAttachment": {free: freeConfig},
	"AWS::RDS::DBSubnetGroup":                     {free: freeConfig}, "AWS::RDS::DBClusterParameterGroup": {free: freeConfig},
	"AWS::RDS::DBParameterGroup": {free: freeConfig}, "AWS::RDS::DBProxyTargetGroup": {free: freeConfig},
	"AWS::Cognito::UserPoolClient":  {free: "free: app clients are not billed (machine-to-machine token requests would be)"},
	"AWS::Cognito::UserPoolDomain":  {free: freeConfig},
	"AWS::Events::Rule":             {free: "free: rules and scheduled events on the default bus carry no charge (custom events put on a bus would)"},
	"AWS::WAFv2::WebACLAssociation": {free: freeConfig},
	"AWS::CloudFront::CachePolicy":  {free: freeConfig}, "AWS::CloudFront::OriginAccessControl": {free: freeConfig},
	"AWS::CloudFront::ResponseHeadersPolicy":       {free: freeConfig},
	"AWS::KMS::Alias":                              {free: freeConfig},
	"AWS::CertificateManager::Certificate":         {free: "free: public certificates carry no charge"},
	"AWS::Route53::RecordSet":                      {free: "free: records carry no charge (queries would, except alias queries to AWS resources)"},
	"AWS::CodeStarNotifications::NotificationRule": {free: "free: notification rules carry no charge (their SNS deliveries would)"},
	"AWS::CDK::Metadata":                           {free: "free: CDK's version report"},

	"AWS::Backup::BackupPlan": {free: freeConfig}, "AWS::Backup::BackupSelection": {free: freeConfig},
	"AWS::Backup::BackupVault":    {price: priceVault},
	"AWS::CodeCommit::Repository": {skip: "CodeCommit bills per active user (the first 5 per account free), not per repository"},
	"AWS::Serverless::Application": {skip: "a nested stack from the Serverless Application Repository (here the secret rotation function), " +
		"whose resources are not in the assembly; it runs once per rotation"},
}

// ruleFor finds the rule of a type; custom resources cost nothing
// themselves (their provider function is priced as a function).
func ruleFor(typ string) (rule, bool) {
	if r, ok := rules[typ]; ok {
		return r, true
	}
	if strings.HasPrefix(typ, "Custom::") || typ == "AWS::CloudFormation::CustomResource" {
		return rule{free: "free: a custom resource; its provider function is priced as a function"}, true
	}
	return rule{}, false
}

// fixed prices one unit a month, idle and at profile.
func fixed(item, key string) func(e *estimator, n *wiring.Node) ([]Line, string) {
	return func(e *estimator, n *wiring.Node) ([]Line, string) {
		return []Line{e.line(n, item, key, 1, 1, "")}, ""
	}
}
