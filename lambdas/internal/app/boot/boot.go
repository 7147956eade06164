// Package boot is what every function's main does before lambda.Start: a
// JSON logger that tags each line with the stage (and, within a span, its
// trace), the tracer provider, the AWS configuration, and the database pool. A failure here is an init failure: it is logged and the
// process exits, so Lambda reports the init error (after lambda.Start nothing
// may exit).
package boot

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/dbpool"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/tracing"
)

// Logger writes JSON lines to stdout, each with the stage ("" outside AWS)
// and, when logged with a context that holds a span, its trace_id and span_id
// (tracing.LogHandler); it becomes slog's default.
func Logger(stage string) *slog.Logger {
	log := slog.New(tracing.LogHandler(slog.NewJSONHandler(os.Stdout, nil)))
	if stage != "" {
		log = log.With("stage", stage)
	}
	slog.SetDefault(log)
	return log
}

// Must ends the init with err, naming what failed, if err is not nil.
func Must(log *slog.Logger, what string, err error) {
	if err != nil {
		log.Error("init failed: "+what, "error", err.Error())
		os.Exit(1)
	}
}

// AWS builds the SDK configuration from the environment that Lambda gives a
// function, and nothing else: see FromEnv.
func AWS(ctx context.Context) (aws.Config, error) {
	return FromEnv(os.Getenv)
}

// Function is what a function that uses the database starts with.
type Function struct {
	Log *slog.Logger
	AWS aws.Config
	// DB dials on the first query; with IAM authentication it mints tokens
	// with AWS's credentials and region. Its statements make spans.
	DB *pgxpool.Pool
	// Tracing is the tracer provider (also OpenTelemetry's global one): wrap
	// the handler with tracing.Invocation so that each invocation's spans are
	// flushed before it returns.
	Tracing *tracing.Provider
}

// Config is what Start needs of a function's environment.
type Config struct {
	// Stage is on every log line.
	Stage string
	// Service names the function's spans (unless OTEL_SERVICE_NAME does).
	Service string
	DB      dbpool.Config
	Tracing tracing.Config
}

// Start is the init of a function that uses the database: its logger (with
// the stage), then — unless reading its configuration failed (configErr) —
// the tracer provider, the AWS configuration and the pool. Any failure ends
// the init.
func Start(ctx context.Context, cfg Config, configErr error) Function {
	f := Function{Log: Logger(cfg.Stage)}
	Must(f.Log, "configuration", configErr)
	var err error
	f.Tracing, err = tracing.Setup(cfg.Tracing, cfg.Service)
	Must(f.Log, "tracing", err)
	db := cfg.DB
	f.AWS, err = AWS(ctx)
	Must(f.Log, "AWS configuration", err)
	f.DB, err = dbpool.New(ctx, db, f.AWS.Credentials, f.AWS.Region)
	Must(f.Log, "database pool", err)
	return f
}
