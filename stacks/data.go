package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/gofunction"
	"github.com/stratus-cdk/stratus/constructs/serverlessdb"
	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/internal/synth/secure"
)

// functionEgress restricts the app's functions, in the database's VPC, to
// HTTPS and what they are bound to (the database's port, by Bind and
// AddMigrations). HTTPS may go anywhere: every stage has a NAT gateway,
// and the AWS APIs behind it (SNS, SSM, S3, Secrets Manager) answer on
// public addresses that no security-group rule can list; the S3 gateway
// endpoint's traffic goes to S3's public addresses too.
func functionEgress() *gofunction.Egress { return &gofunction.Egress{} }

// AppDBUser is the PostgreSQL login role the functions connect as (IAM
// authentication); the migrations create it.
const AppDBUser = "app"

// migrationsDir holds the SQL migrations: their hash is the migrations'
// version, so a deploy re-runs them exactly when they change.
const migrationsDir = "lambdas/internal/app/schema"

// DataStack holds what outlives releases: the network, the database with
// its migrations, the stage's backups, and the alarm topic every stack of
// the stage reports to.
type DataStack struct {
	awscdk.Stack
	DB *serverlessdb.ServerlessDb
	// Migrate applies the migrations on every deploy that changes them.
	Migrate awslambda.Function
	// Alarms receives every alarm of the stage.
	Alarms awssns.ITopic
	// LogsKey encrypts the stage's log groups outside the database
	// construct (whose own logs use its key): the functions', the API's
	// access log, the site deployment's.
	LogsKey awskms.IKey
	// Backups is the stage's AWS Backup plan; nil without Config.Backup.
	Backups *Backups
	// Restored is the cluster Database.Restore made beside the live one;
	// nil without one.
	Restored awsrds.DatabaseClusterFromSnapshot

	alarmsKey awskms.Key
}

// NewDataStack creates the data stack of cfg in opts.Region (not ""); copies
// holds the vaults its backups are copied to (none: nil fields). Its
// Availability Zones are cfg's for the region (see zonedStack).
func NewDataStack(scope constructs.Construct, cfg Config, opts Options, copies BackupCopies) *DataStack {
	zones := cfg.Database.AvailabilityZones[opts.Region]
	stack := newZonedStack(scope, "Data", &awscdk.StackProps{
		Description:           jsii.String("Stratus " + cfg.Name + ": network, Aurora Serverless v2 PostgreSQL, migrations, alarm topic"),
		TerminationProtection: jsii.Bool(cfg.Production),
	}, zones)
	s := &DataStack{Stack: stack}
	s.LogsKey = newLogsKey(stack, cfg)
	s.Alarms, s.alarmsKey = newAlarmTopic(stack, cfg)
	if cfg.OnCall {
		emailOnCall(stack, s.Alarms, opts.AlarmEmail)
	}
	s.DB = newDatabase(stack, cfg, zones)
	for _, a := range s.DB.Alarms {
		alarmTo(a, s.Alarms)
	}
	s.addMigrations(cfg)
	if r := cfg.Database.Restore; r.IsSet() {
		s.Restored = s.DB.Restore("Restored", &serverlessdb.RestoreProps{
			SnapshotArn: optional(r.SnapshotArn), SourceClusterIdentifier: optional(r.SourceCluster), RestoreTime: optional(r.Time),
		})
	}
	if cfg.Backup.Enabled {
		s.Backups = s.newBackups(cfg, copies)
	}
	return s
}

// newLogsKey is the stage's key for log groups. It lives here, with what
// outlives releases, because the log groups it encrypts are kept as long as
// the stage's data (Prod retains both): a log group whose key is gone can no
// longer be read. CloudWatch Logs may use it for this account's log groups.
func newLogsKey(stack awscdk.Stack, cfg Config) awskms.IKey {
	key := secure.Key(stack, "LogsKey", "Encrypts the log groups of the Stratus "+cfg.Name+" stage", cfg.RemovalPolicy)
	secure.AllowLogs(key)
	return key
}

func newDatabase(stack awscdk.Stack, cfg Config, zones []string) *serverlessdb.ServerlessDb {
	removal := awscdk.RemovalPolicy_DESTROY
	if cfg.Production {
		removal = awscdk.RemovalPolicy_SNAPSHOT
	}
	var monitoring awscdk.Duration
	if d := cfg.Database.EnhancedMonitoring; d > 0 {
		monitoring = awscdk.Duration_Seconds(jsii.Number(d.Seconds()))
	}
	return serverlessdb.New(stack, "Database", &serverlessdb.Props{
		AvailabilityZones:  jsii.Strings(zones...),
		NatGateways:        jsii.Number(cfg.Database.NatGateways),
		MinCapacity:        jsii.Number(cfg.Database.MinCapacity),
		MaxCapacity:        jsii.Number(cfg.Database.MaxCapacity),
		Readers:            jsii.Number(float64(cfg.Database.Readers)),
		Proxy:              jsii.Bool(cfg.Database.Proxy),
		BackupRetention:    awscdk.Duration_Days(jsii.Number(cfg.Database.BackupRetentionDays)),
		AdminUser:          optional(cfg.Database.AdminUser), // "": the construct's default
		DeletionProtection: jsii.Bool(cfg.Production),
		RemovalPolicy:      removal,
		LogRetention:       cfg.LogRetention,
		MonitoringInterval: monitoring,
		Env:                dbEnv(),
	})
}

// dbEnv names the variables the database hands to the functions as the
// handlers read them (contract), not by the construct's defaults.
func dbEnv() *serverlessdb.EnvNames {
	return &serverlessdb.EnvNames{
		Host:      jsii.String(contract.EnvDBHost),
		Port:      jsii.String(contract.EnvDBPort),
		Name:      jsii.String(contract.EnvDBName),
		User:      jsii.String(contract.EnvDBUser),
		IAMAuth:   jsii.String(contract.EnvDBIAMAuth),
		Proxy:     jsii.String(contract.EnvDBProxy),
		SecretArn: jsii.String(contract.EnvDBSecretArn),
	}
}

// addMigrations runs lambdas/migrate on every deploy that changes the SQL.
// It reaches the Secrets Manager API over HTTPS and the cluster's port (the
// latter opened by AddMigrations), nothing else.
func (s *DataStack) addMigrations(cfg Config) {
	s.Migrate = gofunction.New(s.Stack, "Migrate", &gofunction.Props{
		Entry:            jsii.String(contract.Migrate().Entry()),
		LogEncryptionKey: s.LogsKey,
		Egress:           functionEgress(),
		FunctionOptions: awslambda.FunctionOptions{
			Description:      jsii.String("Applies the SQL migrations (CloudFormation custom resource)"),
			Timeout:          awscdk.Duration_Minutes(jsii.Number(5)),
			Vpc:              s.DB.Vpc,
			VpcSubnets:       s.DB.FunctionSubnets(),
			Environment:      &map[string]*string{contract.EnvAppDBUser: jsii.String(AppDBUser)},
			LogRetention:     cfg.LogRetention,
			LogRemovalPolicy: cfg.RemovalPolicy,
		},
	})
	s.DB.AddMigrations(&serverlessdb.MigrationsProps{
		Function: s.Migrate,
		Version:  jsii.String(serverlessdb.HashDir(migrationsDir)),
	})
}

// optional is s as an optional prop: nil when empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
