package serverlessdb

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
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

// resolved holds Props with their defaults applied. Numbers that are
// unresolved tokens pass through unchanged (and unvalidated).
type resolved struct {
	engineVersion      awsrds.AuroraPostgresEngineVersion
	fullVersion        string
	databaseName       string
	adminUser          string
	port               float64
	minCapacity        float64
	maxCapacity        float64
	readers            int
	maxAzs             float64
	natGateways        float64
	backupRetention    awscdk.Duration
	rotationInterval   awscdk.Duration
	deletionProtection bool
	removalPolicy      awscdk.RemovalPolicy
	logRetention       awslogs.RetentionDays
	proxy              bool
	env                envNames
}

func resolve(p *Props) resolved {
	r := resolved{
		engineVersion:      p.EngineVersion,
		databaseName:       DefaultDatabaseName,
		adminUser:          DefaultAdminUser,
		port:               DefaultPort,
		minCapacity:        DefaultMinCapacity,
		maxCapacity:        DefaultMaxCapacity,
		readers:            DefaultReaders,
		maxAzs:             DefaultMaxAzs,
		natGateways:        DefaultNatGateways,
		backupRetention:    p.BackupRetention,
		rotationInterval:   p.RotationInterval,
		deletionProtection: true,
		removalPolicy:      p.RemovalPolicy,
		logRetention:       p.LogRetention,
		proxy:              p.Proxy != nil && *p.Proxy,
		env:                resolveEnv(p.Env),
	}
	if r.engineVersion == nil {
		r.engineVersion = DefaultEngineVersion()
	}
	r.fullVersion = *r.engineVersion.AuroraPostgresFullVersion()
	if p.DatabaseName != nil {
		r.databaseName = *p.DatabaseName
	}
	if p.AdminUser != nil {
		r.adminUser = *p.AdminUser
	}
	if p.Port != nil {
		r.port = *p.Port
	}
	if p.MinCapacity != nil {
		r.minCapacity = *p.MinCapacity
	}
	if p.MaxCapacity != nil {
		r.maxCapacity = *p.MaxCapacity
	}
	if p.Readers != nil {
		r.readers = int(*p.Readers)
	}
	if p.MaxAzs != nil {
		r.maxAzs = *p.MaxAzs
	}
	if p.AvailabilityZones != nil && p.MaxAzs == nil {
		r.maxAzs = float64(len(*p.AvailabilityZones))
	}
	if p.NatGateways != nil {
		r.natGateways = *p.NatGateways
	}
	if r.backupRetention == nil {
		r.backupRetention = awscdk.Duration_Days(jsii.Number(DefaultBackupDays))
	}
	if r.rotationInterval == nil {
		r.rotationInterval = awscdk.Duration_Days(jsii.Number(DefaultRotationDays))
	}
	if p.DeletionProtection != nil {
		r.deletionProtection = *p.DeletionProtection
	}
	if r.removalPolicy == "" {
		r.removalPolicy = awscdk.RemovalPolicy_SNAPSHOT
	}
	if r.logRetention == "" {
		r.logRetention = DefaultLogRetention
	}
	return r
}

// monitoringIntervals are the Enhanced Monitoring intervals RDS accepts, in
// seconds (0, off, is leaving the prop unset).
var monitoringIntervals = map[float64]bool{1: true, 5: true, 10: true, 15: true, 30: true, 60: true}

var (
	identifierRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)
	versionRE    = regexp.MustCompile(`^(\d+)\.(\d+)`)
	envNameRE    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]+$`)
)

// validate records every problem of p, each naming the prop and its bad
// value, and returns p with its defaults applied. Unresolved tokens are
// skipped.
func validate(c *propcheck.Problems, scope constructs.Construct, p *Props) resolved {
	r := resolve(p)
	known := func(v *float64) bool { return propcheck.Known(v) }

	// Engine.
	major, minor, versionOK := parseVersion(r.fullVersion)
	limitless := strings.Contains(strings.ToLower(r.fullVersion), "limitless")
	switch {
	case limitless:
		c.Add("EngineVersion", r.fullVersion, "an Aurora Limitless Database version: this construct builds a standard cluster of serverless v2 instances")
	case !versionOK:
		c.Add("EngineVersion", r.fullVersion, "not a MAJOR.MINOR Aurora PostgreSQL version")
	case !serverlessV2Supported(major, minor):
		c.Add("EngineVersion", r.fullVersion, "does not support Aurora Serverless v2 (needs 13.6+, 14.3+, 15.2+ or 16.1+)")
	}

	// Capacity.
	minKnown := p.MinCapacity == nil || known(p.MinCapacity)
	maxKnown := p.MaxCapacity == nil || known(p.MaxCapacity)
	if minKnown {
		if r.minCapacity < 0 || r.minCapacity > 256 || !halfStep(r.minCapacity) {
			c.Add("MinCapacity", r.minCapacity, "outside Aurora Serverless v2's range: 0 to 256 ACUs in steps of 0.5")
		} else if r.minCapacity == 0 && versionOK && !limitless && !autoPauseSupported(major, minor) {
			c.Add("MinCapacity", r.minCapacity, "auto-pause needs Aurora PostgreSQL 16.3+, 15.7+, 14.12+ or 13.15+, got EngineVersion %q", r.fullVersion)
		}
	}
	if maxKnown && (r.maxCapacity < 1 || r.maxCapacity > 256 || !halfStep(r.maxCapacity)) {
		c.Add("MaxCapacity", r.maxCapacity, "outside Aurora Serverless v2's range: 1 to 256 ACUs in steps of 0.5")
	}
	if minKnown && maxKnown && r.minCapacity > r.maxCapacity {
		c.Add("MinCapacity", r.minCapacity, "greater than MaxCapacity %v", r.maxCapacity)
	}

	// Cluster.
	if propcheck.Unresolved(p.Readers) {
		c.Add("Readers", p.Readers, "must be a number known at synth: it decides how many instances to create")
	}
	if known(p.Readers) && (*p.Readers < 0 || *p.Readers > 15 || *p.Readers != math.Trunc(*p.Readers)) {
		c.Add("Readers", p.Readers, "must be a whole number from 0 to 15")
	}
	if known(p.Port) && (*p.Port < 1150 || *p.Port > 65535 || *p.Port != math.Trunc(*p.Port)) {
		c.Add("Port", p.Port, "outside 1150-65535")
	}
	if propcheck.Known(p.DatabaseName) {
		switch name := *p.DatabaseName; {
		case !identifierRE.MatchString(name):
			c.Add("DatabaseName", name, "must start with a letter or _ and hold at most 63 letters, digits or _")
		case strings.EqualFold(name, "postgres") || strings.HasPrefix(strings.ToLower(name), "template") || strings.HasPrefix(strings.ToLower(name), "rds"):
			c.Add("DatabaseName", name, "reserved by PostgreSQL or RDS")
		}
	}
	if propcheck.Unresolved(p.AdminUser) {
		c.Add("AdminUser", p.AdminUser, "must be known at synth: the migrations and grants check their users against it")
	}
	if propcheck.Known(p.AdminUser) {
		switch name := strings.ToLower(*p.AdminUser); {
		case !identifierRE.MatchString(name) || strings.HasPrefix(name, "_"):
			c.Add("AdminUser", *p.AdminUser, "must start with a letter and hold at most 63 letters, digits or _ (RDS's rule for Aurora PostgreSQL)")
		case strings.HasPrefix(name, "rds") || strings.HasPrefix(name, "pg_"):
			c.Add("AdminUser", *p.AdminUser, "reserved by RDS (rds*) or PostgreSQL (pg_*)")
		}
	}
	if d := p.BackupRetention; propcheck.Known(d) {
		if days := *d.ToMilliseconds(nil) / 86400000; days < 1 || days > 35 || days != math.Trunc(days) {
			c.Add("BackupRetention", d, "must be whole days from 1 to 35")
		}
	}
	if d := p.MonitoringInterval; propcheck.Known(d) {
		if s := *d.ToMilliseconds(nil) / 1000; !monitoringIntervals[s] {
			c.Add("MonitoringInterval", d, "must be 1, 5, 10, 15, 30 or 60 seconds (leave it unset for no Enhanced Monitoring)")
		}
	}
	if d := p.RotationInterval; propcheck.Known(d) {
		if days := *d.ToMilliseconds(nil) / 86400000; days < 1 || days > 1000 || days != math.Trunc(days) {
			c.Add("RotationInterval", d, "must be whole days from 1 to 1000")
		}
	}
	switch r.removalPolicy {
	case awscdk.RemovalPolicy_SNAPSHOT, awscdk.RemovalPolicy_RETAIN, awscdk.RemovalPolicy_DESTROY:
	default:
		c.Add("RemovalPolicy", string(r.removalPolicy), "must be SNAPSHOT, RETAIN or DESTROY")
	}

	// Network.
	if p.ExistingVpc != nil {
		if p.AvailabilityZones != nil {
			c.Add("AvailabilityZones", propcheck.Shown(fmt.Sprint(propcheck.Strings(*p.AvailabilityZones, ""))), "apply to a new VPC only, not with ExistingVpc")
		}
		if p.MaxAzs != nil {
			c.Add("MaxAzs", p.MaxAzs, "applies to a new VPC only, not with ExistingVpc")
		}
		if p.NatGateways != nil {
			c.Add("NatGateways", p.NatGateways, "applies to a new VPC only, not with ExistingVpc")
		}
		if n := len(*p.ExistingVpc.IsolatedSubnets()); n < 2 {
			c.Add("ExistingVpc", *p.ExistingVpc.Node().Path(), "has %d isolated subnets: the cluster needs at least 2, in different AZs", n)
		}
	} else {
		if known(p.MaxAzs) && (*p.MaxAzs < 2 || *p.MaxAzs != math.Trunc(*p.MaxAzs)) {
			c.Add("MaxAzs", p.MaxAzs, "must be a whole number of at least 2")
		}
		zones := "MaxAzs"
		if p.AvailabilityZones != nil {
			zones = "the number of AvailabilityZones"
			validateZones(c, p)
		}
		if known(p.NatGateways) && (*p.NatGateways < 0 || *p.NatGateways > r.maxAzs || *p.NatGateways != math.Trunc(*p.NatGateways)) {
			c.Add("NatGateways", p.NatGateways, "must be a whole number from 0 to %s (%v)", zones, r.maxAzs)
		}
	}

	// Proxy: RDS Proxy does not support Aurora Limitless Database, and its
	// pool of open connections (it keeps MaxIdleConnectionsPercent of them
	// open) stops an auto-pausing cluster from ever pausing, while each
	// resume would stall the proxy's borrowers: the two do not mix.
	if r.proxy {
		if limitless {
			c.Add("Proxy", p.Proxy, "not supported on an Aurora Limitless Database engine (EngineVersion %q)", r.fullVersion)
		}
		if minKnown && r.minCapacity == 0 {
			c.Add("Proxy", p.Proxy, "not supported with MinCapacity 0: the proxy's pooled connections keep an auto-pausing cluster awake; use MinCapacity 0.5 or more, or no proxy")
		}
	}

	// Alarms.
	if a := p.Alarms; a != nil {
		if known(a.CPUPercent) && (*a.CPUPercent <= 0 || *a.CPUPercent >= 100) {
			c.Add("Alarms.CPUPercent", a.CPUPercent, "must be between 0 and 100")
		}
		if known(a.ACUPercent) && (*a.ACUPercent <= 0 || *a.ACUPercent >= 100) {
			c.Add("Alarms.ACUPercent", a.ACUPercent, "must be between 0 and 100")
		}
		if known(a.Connections) && *a.Connections <= 0 {
			c.Add("Alarms.Connections", a.Connections, "must be positive")
		}
	}

	// Environment variable names.
	if e := p.Env; e != nil {
		for _, v := range []struct {
			prop  string
			value *string
		}{{"Host", e.Host}, {"Port", e.Port}, {"Name", e.Name}, {"User", e.User}, {"IAMAuth", e.IAMAuth}, {"Proxy", e.Proxy}, {"SecretArn", e.SecretArn}} {
			if propcheck.Known(v.value) && !envNameRE.MatchString(*v.value) {
				c.Add("Env."+v.prop, v.value, "must be a letter followed by letters, digits or _ (an environment variable name)")
			}
		}
	}

	// Migrations.
	if m := p.Migrations; m != nil {
		validateMigrations(c, "Migrations.", m)
	}
	return r
}

// validateZones checks AvailabilityZones: with MaxAzs unset, at least two,
// none empty or repeated (a token passes unchecked).
func validateZones(c *propcheck.Problems, p *Props) {
	zones := *p.AvailabilityZones
	shown := propcheck.Shown(fmt.Sprint(propcheck.Strings(zones, "")))
	if p.MaxAzs != nil {
		c.Add("AvailabilityZones", shown, "excludes MaxAzs %v: give one", *p.MaxAzs)
	}
	if len(zones) < 2 {
		c.Add("AvailabilityZones", shown, "the cluster needs at least 2 zones")
	}
	seen := map[string]bool{}
	for i, z := range zones {
		prop := fmt.Sprintf("AvailabilityZones[%d]", i)
		switch {
		case z == nil || (!propcheck.Unresolved(z) && strings.TrimSpace(*z) == ""):
			c.Add(prop, z, "is empty")
		case propcheck.Unresolved(z):
		case seen[*z]:
			c.Add(prop, z, "is listed twice")
		default:
			seen[*z] = true
		}
	}
}

// validateMigrations records the problems of m; prefix names where m sits
// ("Migrations." in Props, "" for AddMigrations' own argument).
func validateMigrations(c *propcheck.Problems, prefix string, m *MigrationsProps) {
	if m.Function == nil {
		c.Add(prefix+"Function", nil, "required: the function that applies the migrations")
	} else if !*m.Function.IsBoundToVpc() {
		c.Add(prefix+"Function", *m.Function.Node().Path(), "not in a VPC: create it with Vpc set to the database's VPC and VpcSubnets from FunctionSubnets()")
	}
	if m.Version == nil || (!propcheck.Unresolved(m.Version) && strings.TrimSpace(*m.Version) == "") {
		c.Add(prefix+"Version", m.Version, "required: change it to re-run the migrations (e.g. HashDir of the migrations folder)")
	}
}

func parseVersion(v string) (major, minor int, ok bool) {
	m := versionRE.FindStringSubmatch(v)
	if m == nil {
		return 0, 0, false
	}
	major, _ = strconv.Atoi(m[1])
	minor, _ = strconv.Atoi(m[2])
	return major, minor, true
}

// serverlessV2Supported: Aurora Serverless v2 needs Aurora PostgreSQL 13.6,
// 14.3, 15.2, 16.1 or later within each major version.
func serverlessV2Supported(major, minor int) bool {
	switch {
	case major >= 16:
		return major > 16 || minor >= 1
	case major == 15:
		return minor >= 2
	case major == 14:
		return minor >= 3
	case major == 13:
		return minor >= 6
	}
	return false
}

// autoPauseSupported mirrors aws-cdk-lib's rule for MinCapacity 0:
// ">=16.3 || ^15.7 || ^14.12 || ^13.15".
func autoPauseSupported(major, minor int) bool {
	switch {
	case major > 16:
		return true
	case major == 16:
		return minor >= 3
	case major == 15:
		return minor >= 7
	case major == 14:
		return minor >= 12
	case major == 13:
		return minor >= 15
	}
	return false
}

func halfStep(v float64) bool { return v*2 == math.Trunc(v*2) }
