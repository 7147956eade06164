// Command migrate is the database-migrations custom resource (CDK Provider
// framework onEvent handler, wired by serverlessdb's Migrations): on Create
// and Update it applies the embedded goose migrations and creates the
// application's login role (APP_DB_USER, default "app") with its grants and,
// on RDS, rds_iam; Delete does nothing. See package internal/app/dbsetup.
//
// Environment (contract.Migrate): DB_SECRET_ARN (the admin secret {host,
// port, username, password, dbname}) or DATABASE_URL (local runs);
// APP_DB_USER; DB_SSLMODE (default require).
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/boot"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/dbsetup"
)

// loadConfig is the handler as the environment configures it (contract.Migrate).
func loadConfig(getenv func(string) string) *dbsetup.Handler {
	return &dbsetup.Handler{
		DSN:       getenv(contract.EnvDatabaseURL),
		SecretARN: getenv(contract.EnvDBSecretArn),
		SSLMode:   getenv(contract.EnvDBSSLMode),
		AppUser:   getenv(contract.EnvAppDBUser),
	}
}

func main() {
	h := loadConfig(os.Getenv)
	h.Log = boot.Logger("")
	if h.DSN == "" {
		awsCfg, err := boot.AWS(context.Background())
		boot.Must(h.Log, "AWS configuration", err)
		h.Secrets = secretsmanager.NewFromConfig(awsCfg)
	}
	lambda.Start(h.Handle)
}
