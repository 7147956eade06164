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
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/appconfig"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/dbpool"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/httpapi"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/outbox"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/store"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/uploads"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	slog.SetDefault(log)
	h, err := wire(context.Background(), log)
	if err != nil {
		// Before lambda.Start: the init fails and Lambda reports it.
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

func wire(ctx context.Context, log *slog.Logger) (*httpapi.Handler, error) {
	// Reads env and shared config files only; credentials resolve on first use.
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	dbCfg, err := dbpool.FromEnv(nil)
	if err != nil {
		return nil, err
	}
	pool, err := dbpool.New(ctx, dbCfg, awsCfg.Credentials, awsCfg.Region) // dials on first query
	if err != nil {
		return nil, err
	}
	var params awsx.ParameterReader
	if name := os.Getenv("APP_CONFIG_PARAM"); name != "" {
		params = awsx.NewSSMParameters(ssm.NewFromConfig(awsCfg))
	}
	svc := &items.Service{
		Store:   store.New(pool),
		Uploads: &uploads.S3{Presigner: awsx.NewS3Objects(s3.NewFromConfig(awsCfg)), Bucket: os.Getenv("UPLOADS_BUCKET")},
		Limits:  &appconfig.Source{Reader: params, Name: os.Getenv("APP_CONFIG_PARAM")},
	}
	if topic := os.Getenv("EVENT_TOPIC_ARN"); topic != "" {
		// Publish each change's events right after its commit; what fails waits for the outbox Lambda.
		svc.Events = outbox.New(pool, awsx.NewSNSPublisher(sns.NewFromConfig(awsCfg), topic), outbox.Options{Logger: log})
	}
	return httpapi.New(svc, httpapi.Options{
		Version:     os.Getenv("VERSION"),
		CORSOrigins: splitList(os.Getenv("CORS_ORIGINS")),
		Logger:      log,
	})
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
