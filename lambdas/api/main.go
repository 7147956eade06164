// Command api is the items API Lambda (API Gateway REST API, Lambda proxy
// integration). It only wires: configuration from the environment → adapters
// (pgx pool, S3 presigner, SSM settings: both without their SDK service clients, see
// package awsx) → the items service → the HTTP
// transport → lambda.Start. See doc.go for the API and its environment.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"go.opentelemetry.io/otel/trace"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/appconfig"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx/s3adapter"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx/snsadapter"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx/ssmadapter"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/boot"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/dbpool"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/httpapi"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/outbox"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/store"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/tracing"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/uploads"
)

// config is the function's environment (contract.API).
type config struct {
	Stage, AppConfigParam, UploadsBucket, EventTopicArn, Version string
	CORSOrigins                                                  []string
	DB                                                           dbpool.Config
	Tracing                                                      tracing.Config
}

func loadConfig(getenv func(string) string) (config, error) {
	db, err := dbpool.FromEnv(getenv)
	return config{
		Stage:          getenv(contract.EnvStage),
		AppConfigParam: getenv(contract.EnvAppConfigParam),
		UploadsBucket:  getenv(contract.EnvUploadsBucket),
		EventTopicArn:  getenv(contract.EnvEventTopicArn),
		Version:        getenv(contract.EnvVersion),
		CORSOrigins:    contract.ListValue(getenv(contract.EnvCORSOrigins)),
		DB:             db,
		Tracing:        tracing.FromEnv(getenv),
	}, err
}

func main() {
	cfg, err := loadConfig(os.Getenv)
	cfg.DB.Tracer = tracing.PGXTracer{}
	fn := boot.Start(context.Background(), boot.Config{Stage: cfg.Stage, LogHandler: tracing.LogHandler, DB: cfg.DB}, err)
	tp, err := tracing.Setup(cfg.Tracing, "api")
	boot.Must(fn.Log, "tracing", err)
	h, err := wire(cfg, fn)
	boot.Must(fn.Log, "routes", err)
	lambda.Start(tracing.Invocation(tp, "api", trace.SpanKindServer, h.Handle))
}

func wire(cfg config, fn boot.Function) (*httpapi.Handler, error) {
	var params awsx.ParameterReader
	if cfg.AppConfigParam != "" {
		params = ssmadapter.New(fn.AWS)
	}
	svc := &items.Service{
		Store:   store.New(fn.DB),
		Uploads: &uploads.S3{Presigner: s3adapter.NewPresigner(fn.AWS), Bucket: cfg.UploadsBucket},
		Limits:  &appconfig.Source{Reader: params, Name: cfg.AppConfigParam},
	}
	if cfg.EventTopicArn != "" {
		// Publish each change's events right after its commit; what fails waits for the outbox Lambda.
		svc.Events = outbox.New(fn.DB, snsadapter.New(fn.AWS, cfg.EventTopicArn), outbox.Options{Logger: fn.Log})
	}
	return httpapi.New(svc, httpapi.Options{Version: cfg.Version, CORSOrigins: cfg.CORSOrigins, Logger: fn.Log})
}
