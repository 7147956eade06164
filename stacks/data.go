package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/gofunction"
	"github.com/stratus-cdk/stratus/constructs/serverlessdb"
	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/internal/secure"
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

// NewDataStack creates the data stack of cfg.
func NewDataStack(scope constructs.Construct, cfg Config) *DataStack {
	stack := awscdk.NewStack(scope, jsii.String("Data"), &awscdk.StackProps{
		Description:           jsii.String("Stratus " + cfg.Name + ": network, Aurora Serverless v2 PostgreSQL, migrations, alarm topic"),
		TerminationProtection: jsii.Bool(cfg.Production),
	})
	s := &DataStack{Stack: stack}
	s.Alarms = newAlarmTopic(stack, cfg)
	s.DB = newDatabase(stack, cfg)
	for _, a := range s.DB.Alarms {
		alarmTo(a, s.Alarms)
	}
	s.addMigrations(cfg)
	return s
}

func newDatabase(stack awscdk.Stack, cfg Config) *serverlessdb.ServerlessDb {
	removal := awscdk.RemovalPolicy_DESTROY
	if cfg.Production {
		removal = awscdk.RemovalPolicy_SNAPSHOT
	}
	return serverlessdb.New(stack, "Database", &serverlessdb.Props{
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

// newAlarmTopic is the stage's alarm topic, encrypted and SSL-only. In
// production it is the on-call topic: subscribe the pager to it.
func newAlarmTopic(stack awscdk.Stack, cfg Config) awssns.ITopic {
	key := secure.Key(stack, "AlarmKey", "Encrypts the "+cfg.Name+" alarm topic", cfg.RemovalPolicy)
	// CloudWatch publishes alarm notifications to the encrypted topic.
	key.GrantEncryptDecrypt(awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil))
	topic := awssns.NewTopic(stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("Stratus " + cfg.Name + " alarms"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	awscdk.NewCfnOutput(stack, jsii.String("AlarmTopicArn"), &awscdk.CfnOutputProps{
		Value:       topic.TopicArn(),
		Description: jsii.String("Subscribe the on-call pager or an email address to this topic"),
	})
	return topic
}
