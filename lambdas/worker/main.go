// Command worker is the SQS consumer of the event bus: it fills the activity feed and checks
// uploaded attachments, answering SQS with a partial batch response. See package internal/app/worker
// for what it does with each kind of message and which failures it retries.
//
// Environment (contract.Worker): UPLOADS_BUCKET (optional: S3 events of other buckets are dropped),
// STAGE, and the database settings of internal/app/dbpool (DB_HOST, DB_PORT, DB_NAME, DB_USER,
// DB_IAM_AUTH=true, DB_PROXY=true behind an RDS Proxy, in AWS; DATABASE_URL locally).
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"go.opentelemetry.io/otel/trace"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx/s3adapter"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/boot"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/dbpool"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/tracing"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/worker"
)

// config is the function's environment (contract.Worker).
type config struct {
	Stage, UploadsBucket string
	DB                   dbpool.Config
	Tracing              tracing.Config
}

func loadConfig(getenv func(string) string) (config, error) {
	db, err := dbpool.FromEnv(getenv)
	return config{Stage: getenv(contract.EnvStage), UploadsBucket: getenv(contract.EnvUploadsBucket), DB: db,
		Tracing: tracing.FromEnv(getenv)}, err
}

func main() {
	cfg, err := loadConfig(os.Getenv)
	cfg.DB.Tracer = tracing.PGXTracer{}
	fn := boot.Start(context.Background(), boot.Config{Stage: cfg.Stage, LogHandler: tracing.LogHandler, DB: cfg.DB}, err)
	tp, err := tracing.Setup(cfg.Tracing, "worker")
	boot.Must(fn.Log, "tracing", err)
	consumer := worker.New(fn.DB, s3adapter.NewInspector(fn.AWS),
		worker.Options{UploadsBucket: cfg.UploadsBucket, Logger: fn.Log})
	lambda.Start(tracing.Invocation(tp, "worker", trace.SpanKindConsumer, consumer.HandleSQS))
}
