package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/gofunction"
	"github.com/stratus-cdk/stratus/constructs/serverlessdb"
	"github.com/stratus-cdk/stratus/contract"
)

// AppDBUser is the PostgreSQL login role the functions connect as (IAM
// authentication); the migrations create it.
const AppDBUser = "app"

// migrationsDir holds the SQL migrations: their hash is the migrations'
// version, so a deploy re-runs them exactly when they change.
const migrationsDir = "lambdas/internal/app/schema"

// DataStack holds what outlives releases: the network, the database with
// its migrations, and the alarm topic every stack of the stage reports to.
type DataStack struct {
	awscdk.Stack
	DB *serverlessdb.ServerlessDb
	// Migrate applies the migrations on every deploy that changes them.
	Migrate awslambda.Function
	// Alarms receives every alarm of the stage.
	Alarms awssns.ITopic
}

// NewDataStack creates the data stack of cfg in opts.Region (not "").
// Its Availability Zones are cfg's for the region (see zonedStack).
func NewDataStack(scope constructs.Construct, cfg Config, opts Options) *DataStack {
	zones := cfg.Database.AvailabilityZones[opts.Region]
	stack := newZonedStack(scope, "Data", &awscdk.StackProps{
		Description:           jsii.String("Stratus " + cfg.Name + ": network, Aurora Serverless v2 PostgreSQL, migrations, alarm topic"),
		TerminationProtection: jsii.Bool(cfg.Production),
	}, zones)
	s := &DataStack{Stack: stack}
	s.Alarms = newAlarmTopic(stack, cfg)
	if cfg.OnCall {
		emailOnCall(stack, s.Alarms, opts.AlarmEmail)
	}
	s.DB = newDatabase(stack, cfg, zones)
	for _, a := range s.DB.Alarms {
		alarmTo(a, s.Alarms)
	}
	s.addMigrations(cfg)
	return s
}

func newDatabase(stack awscdk.Stack, cfg Config, zones []string) *serverlessdb.ServerlessDb {
	removal := awscdk.RemovalPolicy_DESTROY
	if cfg.Production {
		removal = awscdk.RemovalPolicy_SNAPSHOT
	}
	return serverlessdb.New(stack, "Database", &serverlessdb.Props{
		AvailabilityZones:  jsii.Strings(zones...),
		NatGateways:        jsii.Number(cfg.Database.NatGateways),
		MinCapacity:        jsii.Number(cfg.Database.MinCapacity),
		MaxCapacity:        jsii.Number(cfg.Database.MaxCapacity),
		Readers:            jsii.Number(float64(cfg.Database.Readers)),
		Proxy:              jsii.Bool(cfg.Database.Proxy),
		BackupRetention:    awscdk.Duration_Days(jsii.Number(cfg.Database.BackupRetentionDays)),
		DeletionProtection: jsii.Bool(cfg.Production),
		RemovalPolicy:      removal,
		LogRetention:       cfg.LogRetention,
	})
}

// addMigrations runs lambdas/migrate on every deploy that changes the SQL.
func (s *DataStack) addMigrations(cfg Config) {
	s.Migrate = gofunction.New(s.Stack, "Migrate", &gofunction.Props{
		Entry: jsii.String(contract.Migrate.Entry()),
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
