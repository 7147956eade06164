// Command outbox is the scheduled Lambda (an EventBridge rule, every minute) that publishes the
// outbox rows the API could not publish right after its commit. It answers {"published": N,
// "failed": M}. See package internal/outbox.
//
// Environment (contract.Outbox): EVENT_TOPIC_ARN (required), STAGE, OUTBOX_MIN_AGE (a Go duration, default 30s: rows
// younger than that are left to the API's own flush), OUTBOX_BATCH_SIZE (rows per transaction,
// default 50), and the database settings of internal/dbpool (DB_HOST, DB_PORT, DB_NAME, DB_USER,
// DB_IAM_AUTH=true, DB_PROXY=true behind an RDS Proxy, in AWS; DATABASE_URL locally).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/boot"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/outbox"
)

func main() {
	ctx := context.Background()
	cfg, err := loadConfig(os.Getenv)
	logger := boot.Logger(cfg.Stage)
	boot.Must(logger, "configuration", err)
	awsCfg, err := boot.AWS(ctx)
	boot.Must(logger, "AWS configuration", err)
	pool, err := boot.DB(ctx, cfg.DB, awsCfg)
	boot.Must(logger, "database pool", err)
	relay := outbox.New(pool, awsx.NewSNSPublisher(sns.NewFromConfig(awsCfg), cfg.TopicARN),
		outbox.Options{BatchSize: cfg.BatchSize, Logger: logger})
	lambda.Start(handler(relay, cfg, logger))
}

// handler runs the relay once per scheduled event.
func handler(relay *outbox.Relay, cfg Config, logger *slog.Logger) func(context.Context, events.CloudWatchEvent) (outbox.Result, error) {
	return func(ctx context.Context, ev events.CloudWatchEvent) (outbox.Result, error) {
		log := logger.With("schedule", ev.DetailType, "rule", ev.Resources)
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			log = log.With("request_id", lc.AwsRequestID)
		}
		res, err := relay.Run(ctx, cfg.MinAge)
		if err != nil {
			log.ErrorContext(ctx, "outbox run failed", "published", res.Published, "failed", res.Failed, "error", err.Error())
			return res, err
		}
		log.InfoContext(ctx, "outbox run", "published", res.Published, "failed", res.Failed)
		return res, nil
	}
}
