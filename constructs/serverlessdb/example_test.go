package serverlessdb_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/gofunction"
	"github.com/stratus-cdk/stratus/constructs/serverlessdb"
)

// A production database behind an RDS Proxy, an API function connecting as
// "app" with IAM authentication, migrations on every change of the SQL
// folder, and the alarms wired to a topic.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Prod"), nil)

	db := serverlessdb.New(stack, "Db", &serverlessdb.Props{
		NatGateways: jsii.Number(2),
		MinCapacity: jsii.Number(1),
		MaxCapacity: jsii.Number(16),
		Readers:     jsii.Number(1),
		Proxy:       jsii.Bool(true),
	})
	inVpc := awslambda.FunctionOptions{Vpc: db.Vpc, VpcSubnets: db.FunctionSubnets()}

	api := gofunction.New(stack, "Api", &gofunction.Props{Entry: jsii.String("./lambdas/api"), FunctionOptions: inVpc})
	db.GrantConnect(api, "app") // IAM: rds-db:connect as "app" on the proxy
	db.Bind(api, "app")         // network and DB_* environment of the function

	migrateOptions := inVpc
	migrateOptions.Timeout = awscdk.Duration_Minutes(jsii.Number(5))
	migrate := gofunction.New(stack, "Migrate", &gofunction.Props{Entry: jsii.String("./lambdas/migrate"), FunctionOptions: migrateOptions})
	db.AddMigrations(&serverlessdb.MigrationsProps{
		Function: migrate,
		Version:  jsii.String(serverlessdb.HashDir("./lambdas/internal/app/schema/sql")),
	})

	topic := awssns.NewTopic(stack, jsii.String("Alarms"), nil)
	for _, alarm := range db.Alarms {
		alarm.AddAlarmAction(awscloudwatchactions.NewSnsAction(topic))
	}
	app.Synth(nil)
}
