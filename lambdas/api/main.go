// Command api is the items API Lambda (API Gateway REST API, Lambda proxy
// integration). It only wires: configuration from the environment → adapters
// (pgx pool, S3 presigner, SSM settings) → the items service → the HTTP
// transport → lambda.Start. See doc.go for the API and its environment.
package main

import (
	"context"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/appconfig"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/boot"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/dbpool"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/httpapi"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/outbox"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/store"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/uploads"
)

// config is the function's environment (contract.API).
type config struct {
	Stage, AppConfigParam, UploadsBucket, EventTopicArn, Version string
	CORSOrigins                                                  []string
	DB                                                           dbpool.Config
}

func loadConfig(getenv func(string) string) (config, error) {
	db, err := dbpool.FromEnv(getenv)
	return config{
		Stage:          getenv(contract.EnvStage),
		AppConfigParam: getenv(contract.EnvAppConfigParam),
		UploadsBucket:  getenv(contract.EnvUploadsBucket),
		EventTopicArn:  getenv(contract.EnvEventTopicArn),
		Version:        getenv(contract.EnvVersion),
		CORSOrigins:    splitList(getenv(contract.EnvCORSOrigins)),
		DB:             db,
	}, err
}

func main() {
	cfg, err := loadConfig(os.Getenv)
	log := boot.Logger(cfg.Stage)
	boot.Must(log, "configuration", err)
	h, err := wire(context.Background(), cfg, log)
	boot.Must(log, "wiring", err)
	lambda.Start(h.Handle)
}

func wire(ctx context.Context, cfg config, log *slog.Logger) (*httpapi.Handler, error) {
	awsCfg, err := boot.AWS(ctx)
	if err != nil {
		return nil, err
	}
	pool, err := boot.DB(ctx, cfg.DB, awsCfg)
	if err != nil {
		return nil, err
	}
	var params awsx.ParameterReader
	if cfg.AppConfigParam != "" {
		params = awsx.NewSSMParameters(ssm.NewFromConfig(awsCfg))
	}
	svc := &items.Service{
		Store:   store.New(pool),
		Uploads: &uploads.S3{Presigner: awsx.NewS3Objects(s3.NewFromConfig(awsCfg)), Bucket: cfg.UploadsBucket},
		Limits:  &appconfig.Source{Reader: params, Name: cfg.AppConfigParam},
	}
	if cfg.EventTopicArn != "" {
		// Publish each change's events right after its commit; what fails waits for the outbox Lambda.
		svc.Events = outbox.New(pool, awsx.NewSNSPublisher(sns.NewFromConfig(awsCfg), cfg.EventTopicArn), outbox.Options{Logger: log})
	}
	return httpapi.New(svc, httpapi.Options{Version: cfg.Version, CORSOrigins: cfg.CORSOrigins, Logger: log})
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
