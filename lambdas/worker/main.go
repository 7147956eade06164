// Command worker is the SQS consumer of the event bus: it fills the activity feed and checks
// uploaded attachments, answering SQS with a partial batch response. See package internal/worker
// for what it does with each kind of message and which failures it retries.
//
// Environment: UPLOADS_BUCKET (optional: S3 events of other buckets are dropped), and the database
// settings of internal/dbpool (DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_IAM_AUTH=true, DB_PROXY=true behind an RDS Proxy, in AWS;
// DATABASE_URL locally).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/dbpool"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/worker"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	slog.SetDefault(logger)
	ctx := context.Background()
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		logger.Error("worker: AWS configuration", "error", err.Error())
		os.Exit(1)
	}
	dbCfg, err := dbpool.FromEnv(os.Getenv)
	if err != nil {
		logger.Error("worker: database configuration", "error", err.Error())
		os.Exit(1)
	}
	pool, err := dbpool.New(ctx, dbCfg, awsCfg.Credentials, awsCfg.Region) // dials lazily
	if err != nil {
		logger.Error("worker: database configuration", "error", err.Error())
		os.Exit(1)
	}
	consumer := worker.New(pool, awsx.NewS3Objects(s3.NewFromConfig(awsCfg)),
		worker.Options{UploadsBucket: os.Getenv("UPLOADS_BUCKET"), Logger: logger})
	lambda.Start(consumer.HandleSQS)
}
