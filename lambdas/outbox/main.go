// Command outbox is the scheduled Lambda (an EventBridge rule, every stacks.Config.OutboxInterval:
// every minute in Staging and Prod, hourly in Dev) that publishes the outbox rows the API could not
// publish right after its commit. It answers {"published": N, "failed": M}. See package
// internal/outbox. It closes its database connection at the end of every run, so that between runs
// nothing holds one open and an auto-pausing cluster (Dev's) can pause.
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
	"go.opentelemetry.io/otel/trace"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx/snsadapter"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/boot"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/dbpool"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/outbox"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/tracing"
)

func main() {
	cfg, err := loadConfig(os.Getenv)
	cfg.DB.Tracer = tracing.PGXTracer{}
	fn := boot.Start(context.Background(), boot.Config{Stage: cfg.Stage, LogHandler: tracing.LogHandler, DB: cfg.DB}, err)
	tp, err := tracing.Setup(cfg.Tracing, "outbox")
	boot.Must(fn.Log, "tracing", err)
	relay := outbox.New(fn.DB, snsadapter.New(fn.AWS, cfg.TopicARN),
		outbox.Options{BatchSize: cfg.BatchSize, Logger: fn.Log})
	run := handler(relay, cfg, fn.Log)
	lambda.Start(tracing.Invocation(tp, "outbox", trace.SpanKindInternal, func(ctx context.Context, ev events.CloudWatchEvent) (outbox.Result, error) {
		defer dbpool.CloseIdle(ctx, fn.DB)
		return run(ctx, ev)
	}))
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
