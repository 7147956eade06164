// Package boot is what every function's main does before lambda.Start: a
// JSON logger that tags each line with the stage, the AWS configuration, and
// the database pool. A failure here is an init failure: it is logged and the
// process exits, so Lambda reports the init error (after lambda.Start nothing
// may exit).
//
// boot does not import OpenTelemetry (nor does dbpool): the traced functions
// (api, worker, outbox) pass in what tracing adds — the log handler that puts
// trace ids on each line (Config.LogHandler), the pool's statement tracer
// (dbpool.Config.Tracer) — and set up the tracer provider in their main, so
// the untraced ones (migrate, rotate) do not link it (measured: migrate
// 12.94 → 11.80 MB, rotate 10.81 → 9.50 MB).
package boot

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/dbpool"
)

// Logger writes JSON lines to stdout, each with the stage ("" outside AWS);
// each wrap (tracing.LogHandler in the traced functions: a span's trace_id
// and span_id on the lines logged with its context) wraps the JSON handler.
// It becomes slog's default.
func Logger(stage string, wrap ...func(slog.Handler) slog.Handler) *slog.Logger {
	var h slog.Handler = slog.NewJSONHandler(os.Stdout, nil)
	for _, w := range wrap {
		if w != nil {
			h = w(h)
		}
	}
	log := slog.New(h)
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
	// with AWS's credentials and region. Its statements make spans when
	// Config.DB.Tracer is set.
	DB *pgxpool.Pool
}

// Config is what Start needs of a function's environment.
type Config struct {
	// Stage is on every log line.
	Stage string
	// LogHandler wraps the logger's JSON handler (see Logger). Default: none.
	LogHandler func(slog.Handler) slog.Handler
	DB         dbpool.Config
}

// Start is the init of a function that uses the database: its logger (with
// the stage), then — unless reading its configuration failed (configErr) —
// the AWS configuration and the pool. Any failure ends the init.
func Start(ctx context.Context, cfg Config, configErr error) Function {
	f := Function{Log: Logger(cfg.Stage, cfg.LogHandler)}
	Must(f.Log, "configuration", configErr)
	db := cfg.DB
	var err error
	f.AWS, err = AWS(ctx)
	Must(f.Log, "AWS configuration", err)
	f.DB, err = dbpool.New(ctx, db, f.AWS.Credentials, f.AWS.Region)
	Must(f.Log, "database pool", err)
	return f
}
