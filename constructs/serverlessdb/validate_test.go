package serverlessdb_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/gofunction"
	"github.com/stratus-cdk/stratus/constructs/serverlessdb"
	"github.com/stratus-cdk/stratus/internal/synth/cdktest"
)

// scratch is a stack of an app that is never synthesized: failed
// constructions leave nothing behind that matters.
func scratch(t *testing.T) awscdk.Stack {
	t.Helper()
	return awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Scratch"), nil)
}

func wantAll(t *testing.T, msg string, parts ...string) {
	t.Helper()
	if msg == "" {
		t.Fatal("no panic")
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("panic message lacks %q:\n%s", p, msg)
		}
	}
}

func TestValidationListsEveryProblem(t *testing.T) {
	stack := scratch(t)
	msg := cdktest.Recover(func() {
		serverlessdb.New(stack, "Db", &serverlessdb.Props{
			MinCapacity:        jsii.Number(0.25),
			MaxCapacity:        jsii.Number(300),
			Readers:            jsii.Number(-1),
			Port:               jsii.Number(80),
			DatabaseName:       jsii.String("1orders"),
			AdminUser:          jsii.String("rdsadmin"),
			BackupRetention:    awscdk.Duration_Days(jsii.Number(40)),
			RotationInterval:   awscdk.Duration_Hours(jsii.Number(12)),
			MonitoringInterval: awscdk.Duration_Seconds(jsii.Number(7)),
			MaxAzs:             jsii.Number(1),
			NatGateways:        jsii.Number(3),
			RemovalPolicy:      awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
			Alarms:             &serverlessdb.AlarmProps{CPUPercent: jsii.Number(120)},
		})
	})
	wantAll(t, msg,
		"serverlessdb.New Scratch/Db: invalid props",
		"MinCapacity 0.25: outside",
		"MaxCapacity 300: outside",
		"Readers -1: must be a whole number",
		"Port 80: outside 1150-65535",
		`DatabaseName "1orders": must start`,
		`AdminUser "rdsadmin": reserved by RDS`,
		"BackupRetention 40 days: must be whole days from 1 to 35",
		"MonitoringInterval 7 seconds: must be 1, 5, 10, 15, 30 or 60 seconds",
		"RotationInterval 12 hours: must be whole days",
		"MaxAzs 1: must be",
		"NatGateways 3: must be",
		`RemovalPolicy "RETAIN_ON_UPDATE_OR_DELETE": must be SNAPSHOT, RETAIN or DESTROY`,
		"Alarms.CPUPercent 120: must be between 0 and 100",
	)
	if n := len(*stack.Node().Children()); n != 0 {
		t.Errorf("a failed New left %d constructs behind", n)
	}
}

func TestValidationEnvNames(t *testing.T) {
	msg := cdktest.Recover(func() {
		serverlessdb.New(scratch(t), "Db", &serverlessdb.Props{Env: &serverlessdb.EnvNames{
			Host: jsii.String("DB-HOST"), SecretArn: jsii.String(""), User: jsii.String("APP_USER"),
		}})
	})
	wantAll(t, msg, `Env.Host "DB-HOST": must be a letter followed by letters, digits or _`, `Env.SecretArn "": must be`)
	if strings.Contains(msg, "Env.User") {
		t.Errorf("a valid name was reported:\n%s", msg)
	}
}

func TestValidationAdminUser(t *testing.T) {
	for name, want := range map[string]string{
		"1admin":    "must start with a letter",
		"_admin":    "must start with a letter",
		"db-admin":  "must start with a letter",
		"pg_owner":  "reserved by RDS (rds*) or PostgreSQL (pg_*)",
		"RDS_Owner": "reserved by RDS",
	} {
		msg := cdktest.Recover(func() { serverlessdb.New(scratch(t), "Db", &serverlessdb.Props{AdminUser: jsii.String(name)}) })
		wantAll(t, msg, fmt.Sprintf("AdminUser %q: %s", name, want))
	}
	for _, name := range []string{"postgres", "owner_2", "Ops"} {
		if msg := cdktest.Recover(func() { serverlessdb.New(scratch(t), "Db", &serverlessdb.Props{AdminUser: jsii.String(name)}) }); msg != "" {
			t.Errorf("AdminUser %q refused: %s", name, msg)
		}
	}
}

func TestValidationReadersMustBeKnown(t *testing.T) {
	msg := cdktest.Recover(func() {
		serverlessdb.New(scratch(t), "Db", &serverlessdb.Props{Readers: awscdk.Token_AsNumber(awscdk.Fn_ImportValue(jsii.String("Readers")))})
	})
	wantAll(t, msg, "Readers (token): must be a number known at synth")
}

func TestValidationMinAboveMax(t *testing.T) {
	msg := cdktest.Recover(func() {
		serverlessdb.New(scratch(t), "Db", &serverlessdb.Props{MinCapacity: jsii.Number(8), MaxCapacity: jsii.Number(4)})
	})
	wantAll(t, msg, "MinCapacity 8: greater than MaxCapacity 4")
}

func TestValidationProxyOnUnsupportedConfiguration(t *testing.T) {
	msg := cdktest.Recover(func() {
		serverlessdb.New(scratch(t), "Db", &serverlessdb.Props{Proxy: jsii.Bool(true), MinCapacity: jsii.Number(0)})
	})
	wantAll(t, msg, "Proxy true: not supported with MinCapacity 0")

	msg = cdktest.Recover(func() {
		serverlessdb.New(scratch(t), "Db", &serverlessdb.Props{
			Proxy: jsii.Bool(true), EngineVersion: awsrds.AuroraPostgresEngineVersion_VER_16_13_LIMITLESS(),
		})
	})
	wantAll(t, msg, `EngineVersion "16.13-limitless": an Aurora Limitless Database version`,
		`Proxy true: not supported on an Aurora Limitless Database engine`)
}

func TestValidationEngineCapabilities(t *testing.T) {
	msg := cdktest.Recover(func() {
		serverlessdb.New(scratch(t), "Db", &serverlessdb.Props{
			EngineVersion: awsrds.AuroraPostgresEngineVersion_VER_16_2(), MinCapacity: jsii.Number(0),
		})
	})
	wantAll(t, msg, `MinCapacity 0: auto-pause needs Aurora PostgreSQL 16.3+`)

	msg = cdktest.Recover(func() {
		serverlessdb.New(scratch(t), "Db", &serverlessdb.Props{EngineVersion: awsrds.AuroraPostgresEngineVersion_VER_12_9()})
	})
	wantAll(t, msg, `EngineVersion "12.9": does not support Aurora Serverless v2`)

	// Auto-pause on a version that has it is fine.
	if msg := cdktest.Recover(func() {
		serverlessdb.New(scratch(t), "Db", &serverlessdb.Props{MinCapacity: jsii.Number(0)})
	}); msg != "" {
		t.Errorf("MinCapacity 0 on 16.13 panicked: %s", msg)
	}
}

func TestValidationExistingVpc(t *testing.T) {
	stack := scratch(t)
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{MaxAzs: jsii.Number(2), NatGateways: jsii.Number(1)})
	msg := cdktest.Recover(func() {
		serverlessdb.New(stack, "Db", &serverlessdb.Props{ExistingVpc: vpc, NatGateways: jsii.Number(1), MaxAzs: jsii.Number(2)})
	})
	wantAll(t, msg, `ExistingVpc "Scratch/Vpc": has 0 isolated subnets`, "NatGateways 1: applies to a new VPC only", "MaxAzs 2: applies to a new VPC only")
}

func TestValidationAvailabilityZones(t *testing.T) {
	msg := cdktest.Recover(func() {
		serverlessdb.New(scratch(t), "Db", &serverlessdb.Props{
			AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1a", ""),
			MaxAzs:            jsii.Number(3),
		})
	})
	wantAll(t, msg, `AvailabilityZones [eu-west-1a eu-west-1a ]: excludes MaxAzs 3`,
		`AvailabilityZones[1] "eu-west-1a": is listed twice`, `AvailabilityZones[2] "": is empty`)

	msg = cdktest.Recover(func() {
		serverlessdb.New(scratch(t), "Db", &serverlessdb.Props{
			AvailabilityZones: jsii.Strings("eu-west-1a"), NatGateways: jsii.Number(2),
		})
	})
	wantAll(t, msg, "AvailabilityZones [eu-west-1a]: the cluster needs at least 2 zones",
		"NatGateways 2: must be a whole number from 0 to the number of AvailabilityZones (1)")

	stack := scratch(t)
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), nil)
	msg = cdktest.Recover(func() {
		serverlessdb.New(stack, "Db", &serverlessdb.Props{ExistingVpc: vpc, AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1b")})
	})
	wantAll(t, msg, "AvailabilityZones [eu-west-1a eu-west-1b]: apply to a new VPC only")
}

func TestValidationMigrations(t *testing.T) {
	stack := scratch(t)
	outside := gofunction.New(stack, "Outside", &gofunction.Props{Entry: jsii.String(hello)})
	msg := cdktest.Recover(func() {
		serverlessdb.New(stack, "Db", &serverlessdb.Props{
			Migrations: &serverlessdb.MigrationsProps{Function: outside},
		})
	})
	wantAll(t, msg, `Migrations.Function "Scratch/Outside": not in a VPC`, "Migrations.Version (unset): required")
}

func TestGrantConnectAndBindRejectMisuse(t *testing.T) {
	stack := scratch(t)
	db := serverlessdb.New(stack, "Db", nil)
	outside := gofunction.New(stack, "Outside", &gofunction.Props{Entry: jsii.String(hello)})
	wantAll(t, cdktest.Recover(func() { db.Bind(outside, "stratus_admin") }),
		"serverlessdb.Bind Scratch/Db: invalid props", `fn "Scratch/Outside": not in a VPC`, `dbUser "stratus_admin": is the admin user`)
	// IAM alone needs no VPC: a function outside it may hold the grant.
	if msg := cdktest.Recover(func() { db.GrantConnect(outside, "app") }); msg != "" {
		t.Errorf("GrantConnect to a function outside the VPC panicked: %s", msg)
	}
	wantAll(t, cdktest.Recover(func() { db.GrantConnect(outside, "STRATUS_ADMIN") }),
		"serverlessdb.GrantConnect Scratch/Db: invalid props", `dbUser "STRATUS_ADMIN": is the admin user`)
	// The admin user is whichever the props name: a cluster kept as "postgres".
	kept := serverlessdb.New(stack, "Kept", &serverlessdb.Props{AdminUser: jsii.String("postgres")})
	wantAll(t, cdktest.Recover(func() { kept.GrantConnect(outside, "postgres") }), `dbUser "postgres": is the admin user`)
	if msg := cdktest.Recover(func() { db.GrantConnect(outside, "postgres") }); msg != "" {
		t.Errorf("GrantConnect as postgres, not the admin user here, panicked: %s", msg)
	}
	wantAll(t, cdktest.Recover(func() { db.GrantConnect(outside, "app/*") }), `dbUser "app/*": must start with a letter`)
}
