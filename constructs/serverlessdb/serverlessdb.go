package serverlessdb

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/propcheck"
)

// Defaults documented on Props and in the package comment.
const (
	DefaultDatabaseName    = "app"
	DefaultAdminUser       = "stratus_admin"
	DefaultPort            = 5433
	DefaultMinCapacity     = 0.5
	DefaultMaxCapacity     = 2
	DefaultReaders         = 0
	DefaultMaxAzs          = 2
	DefaultNatGateways     = 1
	DefaultBackupDays      = 7
	DefaultRotationDays    = 30
	DefaultLogRetention    = awslogs.RetentionDays_ONE_MONTH
	DefaultCPUAlarmPercent = 80
	DefaultACUAlarmPercent = 90
	// ProxyPort is the port RDS Proxy listens on for PostgreSQL: the engine
	// default, whatever port the cluster itself uses.
	ProxyPort = 5432
)

// DefaultEngineVersion is the pinned Aurora PostgreSQL version: the newest
// 16.x the pinned aws-cdk-lib knows.
func DefaultEngineVersion() awsrds.AuroraPostgresEngineVersion {
	return awsrds.AuroraPostgresEngineVersion_VER_16_13()
}

// Props configures a ServerlessDb. Every field is optional.
type Props struct {
	// ExistingVpc places the database in a VPC you own. It must have at
	// least two isolated (PRIVATE_ISOLATED) subnets in different AZs: the
	// cluster, the proxy and, when the VPC has no private-with-egress subnets,
	// the Secrets Manager endpoint live there.
	// Default: - a new VPC (see MaxAzs and NatGateways).
	ExistingVpc awsec2.IVpc
	// MaxAzs is the number of Availability Zones of the new VPC (at least 2).
	// An environment-agnostic stack offers two.
	// Default: 2
	MaxAzs *float64
	// AvailabilityZones of the new VPC by name, e.g. "eu-west-1a" (at least
	// 2, distinct), instead of MaxAzs: no Fn::GetAZs selections, the same
	// zones whatever the stack's environment. CDK still asks the stack for
	// its zones to check these are among them, which an environment-specific
	// stack answers with a context lookup unless it overrides
	// Stack.AvailabilityZones or the context holds them (see the package doc).
	// Default: - the first MaxAzs zones of the stack.
	AvailabilityZones *[]*string
	// NatGateways is the number of NAT gateways of the new VPC (0 to MaxAzs).
	// With 0 the VPC has public and isolated subnets only (CDK allows no
	// private-with-egress subnets without a NAT), and functions reach AWS
	// APIs through VPC endpoints: S3 (gateway) and Secrets Manager (interface).
	// Default: 1
	NatGateways *float64
	// SecretsManagerEndpoint adds a Secrets Manager interface endpoint in the
	// isolated subnets, so the rotation function and the migrations can read
	// the secret without internet egress.
	// Default: - true when the VPC has no private-with-egress subnets, false otherwise.
	SecretsManagerEndpoint *bool
	// InterfaceEndpoints are more interface endpoints (private DNS on, HTTPS
	// from the VPC) in the isolated subnets, for functions without internet
	// egress, e.g. awsec2.InterfaceVpcEndpointAwsService_SNS() and _SSM()
	// with NatGateways 0. Each costs per hour and AZ, like a NAT gateway does.
	// Default: - none beyond SecretsManagerEndpoint.
	InterfaceEndpoints *[]awsec2.InterfaceVpcEndpointAwsService

	// EngineVersion of Aurora PostgreSQL.
	// Default: - DefaultEngineVersion() (16.13).
	EngineVersion awsrds.AuroraPostgresEngineVersion
	// DatabaseName is created in the cluster and handed to functions as DB_NAME.
	// Default: "app"
	DatabaseName *string
	// AdminUser is the cluster's admin (master) user, kept in the admin
	// secret with its password, which the secret's rotation changes; the
	// migrations log in as it. Not the engine's "postgres" nor "admin",
	// the names every scanner flags and every password-guessing script
	// tries first. It is create-only: changing it replaces the cluster and
	// its data, so a cluster created with another name (such as "postgres",
	// this construct's default until issue 29) keeps that name here.
	// Default: "stratus_admin"
	AdminUser *string
	// Port the cluster listens on (1150-65535). Not the engine default 5432,
	// so scans for the well-known port miss it (cdk-nag AwsSolutions-RDS11).
	// Default: 5433
	Port *float64
	// MinCapacity in Aurora capacity units (0-256, half steps). 0 turns on
	// auto-pause (engine 16.3+, 15.7+, 14.12+ or 13.15+).
	// Default: 0.5
	MinCapacity *float64
	// MaxCapacity in Aurora capacity units (1-256, half steps, >= MinCapacity).
	// Default: 2
	MaxCapacity *float64
	// Readers is the number of serverless v2 reader instances (0-15), spread
	// over the AZs other than the writer's. The first scales with the writer
	// (promotion tier 1), so a failover lands on an instance of the same size.
	// Default: 0
	Readers *float64
	// Parameters are added to the cluster parameter group, over the defaults
	// (rds.force_ssl=1).
	// Default: - rds.force_ssl=1 only.
	Parameters *map[string]*string
	// MonitoringInterval turns on Enhanced Monitoring of every instance: OS
	// metrics (processes, memory, disk, network) every 1, 5, 10, 15, 30 or
	// 60 seconds, with a role for it (MonitoringRole). RDS writes them to
	// the account's RDSOSMetrics log group, billed as CloudWatch Logs
	// ingestion: the shorter the interval, the more.
	// Default: - no Enhanced Monitoring (CloudWatch's standard RDS metrics only).
	MonitoringInterval awscdk.Duration

	// BackupRetention of automated backups (1-35 days).
	// Default: 7 days.
	BackupRetention awscdk.Duration
	// DeletionProtection of the cluster. Turn it off only for disposable
	// environments.
	// Default: true
	DeletionProtection *bool
	// RemovalPolicy of the cluster when it leaves the stack: SNAPSHOT (keep a
	// final snapshot), RETAIN or DESTROY. The KMS key, the secret and the log
	// groups are retained unless this is DESTROY (a snapshot is useless
	// without its key).
	// Default: RemovalPolicy_SNAPSHOT
	RemovalPolicy awscdk.RemovalPolicy
	// RotationInterval of the admin secret (1-1000 days).
	// Default: 30 days.
	RotationInterval awscdk.Duration
	// LogRetention of the PostgreSQL log export and the VPC flow logs.
	// Default: RetentionDays_ONE_MONTH
	LogRetention awslogs.RetentionDays

	// Proxy puts an RDS Proxy in front of the cluster, requiring TLS and IAM
	// authentication end to end (no per-user secrets). GrantConnect then
	// grants on the proxy, and Bind opens the proxy's port 5432 and sets
	// DB_HOST to the proxy endpoint.
	// Not allowed with MinCapacity 0 or an Aurora Limitless engine version.
	// Default: false
	Proxy *bool

	// Migrations runs a function as a CloudFormation custom resource on create
	// and whenever Migrations.Version changes. The function must already be
	// in the VPC, so this needs ExistingVpc; with a VPC created here, call
	// AddMigrations after New instead.
	// Default: - no migrations.
	Migrations *MigrationsProps

	// Alarms configures the alarms created by default.
	// Default: - see AlarmProps.
	Alarms *AlarmProps

	// Env names the environment variables Bind and the migrations set on
	// functions, for code that reads other names than this construct's.
	// Default: - DefaultEnv(): DB_HOST, DB_PORT, DB_NAME, DB_USER,
	// DB_IAM_AUTH, DB_PROXY and DB_SECRET_ARN.
	Env *EnvNames
}

// EnvNames are the names of the environment variables the database hands to
// the functions it serves. A field left nil keeps its default; each set one
// must be a letter followed by letters, digits or _ (Lambda's rule).
type EnvNames struct {
	// Host is set by Bind to Endpoint(): the proxy's or the writer's host.
	// Default: "DB_HOST"
	Host *string
	// Port is set by Bind to Port().
	// Default: "DB_PORT"
	Port *string
	// Name is set by Bind to the database's name.
	// Default: "DB_NAME"
	Name *string
	// User is set by Bind to the login role.
	// Default: "DB_USER"
	User *string
	// IAMAuth is set by Bind to "true": mint an IAM auth token per connection.
	// Default: "DB_IAM_AUTH"
	IAMAuth *string
	// Proxy is set by Bind to "true" behind an RDS Proxy (no named prepared
	// statements).
	// Default: "DB_PROXY"
	Proxy *string
	// SecretArn is set on the migrations function to the admin secret's ARN.
	// Default: "DB_SECRET_ARN"
	SecretArn *string
}

// DefaultEnv are the default names of EnvNames. Each call returns a new value.
func DefaultEnv() *EnvNames {
	return &EnvNames{
		Host:      jsii.String("DB_HOST"),
		Port:      jsii.String("DB_PORT"),
		Name:      jsii.String("DB_NAME"),
		User:      jsii.String("DB_USER"),
		IAMAuth:   jsii.String("DB_IAM_AUTH"),
		Proxy:     jsii.String("DB_PROXY"),
		SecretArn: jsii.String("DB_SECRET_ARN"),
	}
}

// envNames are EnvNames with the defaults applied.
type envNames struct {
	host, port, name, user, iamAuth, proxy, secretArn string
}

// resolveEnv applies the defaults of DefaultEnv to e (which may be nil).
func resolveEnv(e *EnvNames) envNames {
	d := DefaultEnv()
	if e == nil {
		e = &EnvNames{}
	}
	pick := func(v, def *string) string {
		if v != nil {
			return *v
		}
		return *def
	}
	return envNames{
		host:      pick(e.Host, d.Host),
		port:      pick(e.Port, d.Port),
		name:      pick(e.Name, d.Name),
		user:      pick(e.User, d.User),
		iamAuth:   pick(e.IAMAuth, d.IAMAuth),
		proxy:     pick(e.Proxy, d.Proxy),
		secretArn: pick(e.SecretArn, d.SecretArn),
	}
}

// AlarmProps sets the thresholds of the default alarms. Alarms treat missing
// data as not breaching: a paused cluster reports nothing.
type AlarmProps struct {
	// CPUPercent above which CPUUtilization alarms (3 of 3 five-minute periods).
	// Default: 80
	CPUPercent *float64
	// ACUPercent of MaxCapacity above which ACUUtilization alarms (3 of 3
	// five-minute periods): the cluster is about to hit its ceiling.
	// Default: 90
	ACUPercent *float64
	// Connections above which DatabaseConnections alarms (3 of 3 five-minute periods).
	// Default: - 80% of PostgreSQL's max_connections at MaxCapacity, estimated
	// with Aurora's formula LEAST(memory/9531392, 5000), 2 GiB per ACU.
	Connections *float64
}

// MigrationsProps wires a migrations function into the deployment.
type MigrationsProps struct {
	// Function applies the migrations. It must be in the database's VPC
	// (subnets from FunctionSubnets()). It is invoked synchronously through
	// the CDK Provider framework with CloudFormation's Create, Update and
	// Delete events, gets DB_SECRET_ARN (the admin secret: JSON with host,
	// port, username, password, dbname) and read access to it, and may reach
	// the cluster directly on its port. Returning an error fails the
	// deployment and rolls it back. Delete events should succeed doing nothing.
	Function awslambda.Function
	// Version is handed to the function as the resource property "Version";
	// changing it re-runs the migrations (e.g. HashDir of the migrations folder).
	Version *string
}

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
	proxyUsers   map[string]bool
	smEndpoint   awsec2.InterfaceVpcEndpoint
	rotation     awssecretsmanager.SecretRotation
	proxyID      awsssm.StringParameter
}

// New creates the database. props may be nil. Invalid props panic with one
// message listing every problem.
func New(scope constructs.Construct, id string, props *Props) *ServerlessDb {
	if props == nil {
		props = &Props{}
	}
	r := resolve(props)
	c := propcheck.For("serverlessdb.New", scope, id)
	validate(c, props, r)
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
