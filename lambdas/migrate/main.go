// Command migrate is the database-migrations custom resource (CDK Provider
// framework onEvent handler, wired by serverlessdb's Migrations): on Create
// and Update it applies the embedded goose migrations and creates the
// application's login role (APP_DB_USER, default "app") with its grants and,
// on RDS, rds_iam; Delete does nothing.
//
// Environment: DB_SECRET_ARN (the admin secret {host, port, username,
// password, dbname}) or DATABASE_URL (local runs); APP_DB_USER; DB_SSLMODE
// (default require).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/dbsetup"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	slog.SetDefault(log)
	h := &dbsetup.Handler{
		DSN:       os.Getenv("DATABASE_URL"),
		SecretARN: os.Getenv("DB_SECRET_ARN"),
		SSLMode:   os.Getenv("DB_SSLMODE"),
		AppUser:   os.Getenv("APP_DB_USER"),
		Log:       log,
	}
	if h.DSN == "" {
		awsCfg, err := config.LoadDefaultConfig(context.Background())
		if err != nil {
			log.Error("init failed", "error", err.Error())
			os.Exit(1)
		}
		h.Secrets = secretsmanager.NewFromConfig(awsCfg)
	}
	lambda.Start(h.Handle)
}
