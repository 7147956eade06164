package serverlessdb

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
)

// ServerlessDb is an Aurora Serverless v2 PostgreSQL cluster with its
// network, encryption key, rotated admin secret, optional RDS Proxy, alarms
// and optional deploy-time migrations.
type ServerlessDb struct {
	constructs.Construct

	// Vpc holds the database: the one created here or Props.ExistingVpc.
	Vpc awsec2.IVpc
	// Cluster is the Aurora cluster.
	Cluster awsrds.DatabaseCluster
	// Secret is the admin secret (username, password, host, port, dbname),
	// rotated automatically.
	Secret awssecretsmanager.ISecret
	// EncryptionKey encrypts storage, the secret, Performance Insights and the logs.
	EncryptionKey awskms.Key
	// SecurityGroup of the cluster: nothing may connect unless bound (Bind).
	SecurityGroup awsec2.SecurityGroup
	// Proxy is the RDS Proxy, nil when Props.Proxy is off.
	Proxy awsrds.DatabaseProxy
	// MonitoringRole lets RDS publish Enhanced Monitoring metrics; nil
	// without Props.MonitoringInterval.
	MonitoringRole awsiam.IRole
	// DatabaseName is the database created in the cluster.
	DatabaseName *string
	// AdminUser is the admin (master) user name, kept in Secret.
	AdminUser *string
	// Alarms are the default alarms (CPU, ACU, connections), without actions:
	// add yours, e.g. alarm.AddAlarmAction(awscloudwatchactions.NewSnsAction(topic)).
	Alarms []awscloudwatch.Alarm
	// Migrations is the custom resource running the migrations, nil without.
	Migrations awscdk.CustomResource

	props        resolved
	clusterLogs  awslogs.LogGroup
	proxyRole    awsiam.Role
	adminSecret  awsrds.DatabaseSecret
	functionSubs *awsec2.SubnetSelection
	isolatedSubs *awsec2.SubnetSelection
	// parameters are the cluster's parameter group settings (Restore's too).
	parameters map[string]*string
	proxyUsers map[string]bool
	smEndpoint awsec2.InterfaceVpcEndpoint
	rotation   awssecretsmanager.SecretRotation
	proxyID    awsssm.StringParameter
}

// New creates the database. props may be nil. Invalid props panic with one
// message listing every problem.
func New(scope constructs.Construct, id string, props *Props) *ServerlessDb {
	if props == nil {
		props = &Props{}
	}
	c := propcheck.For("serverlessdb.New", scope, id)
	r := validate(c, scope, props)
	c.Panic()

	db := &ServerlessDb{
		Construct:    constructs.NewConstruct(scope, jsii.String(id)),
		props:        r,
		DatabaseName: jsii.String(r.databaseName),
		AdminUser:    jsii.String(r.adminUser),
		proxyUsers:   map[string]bool{},
	}
	db.createKey()
	db.createNetwork(props)
	db.createCluster(props)
	db.createRotation()
	if r.proxy {
		db.createProxy()
	}
	db.createAlarms(props.Alarms)
	if props.Migrations != nil {
		db.AddMigrations(props.Migrations)
	}
	return db
}

// Endpoint is the host functions connect to: the proxy's endpoint when there
// is a proxy, the cluster's writer endpoint otherwise.
func (db *ServerlessDb) Endpoint() *string {
	if db.Proxy != nil {
		return db.Proxy.Endpoint()
	}
	return db.Cluster.ClusterEndpoint().Hostname()
}

// ProxyResourceId is the proxy's resource id ("prx-…"), the name IAM
// policies give the proxy in rds-db:connect ARNs
// (arn:…:rds-db:<region>:<account>:dbuser:<id>/<user>); nil without a
// proxy. CloudFormation has no attribute for it, so it is cut from the
// proxy's ARN in the database's own stack, where the ARN is local, and
// published as the value of an SSM parameter: a stack that references it
// gets the whole value (Fn::GetStackOutput or Fn::ImportValue as a plain
// value), never a split of another stack's output, which CloudFormation
// does not document.
func (db *ServerlessDb) ProxyResourceId() *string {
	if db.proxyID == nil {
		return nil
	}
	return db.proxyID.StringValue()
}

// ReaderEndpoint is the cluster's reader endpoint (the writer when there are
// no readers). It bypasses the proxy.
func (db *ServerlessDb) ReaderEndpoint() *string {
	return db.Cluster.ClusterReadEndpoint().Hostname()
}

// Port is the port of Endpoint(): ProxyPort with a proxy, Props.Port otherwise.
func (db *ServerlessDb) Port() *float64 {
	if db.Proxy != nil {
		return jsii.Number(ProxyPort)
	}
	return jsii.Number(db.props.port)
}

// ClusterPort is the port the cluster itself listens on (Props.Port).
func (db *ServerlessDb) ClusterPort() *float64 {
	return jsii.Number(db.props.port)
}

// FunctionSubnets is where to place functions that use the database: the
// private-with-egress subnets when the VPC has them, the isolated ones
// otherwise (then AWS APIs are reachable only through VPC endpoints).
func (db *ServerlessDb) FunctionSubnets() *awsec2.SubnetSelection {
	return db.functionSubs
}
