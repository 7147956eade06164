// Package devstack runs the whole reference application on one machine, without an AWS account
// (`make dev`, and the browser end-to-end tests): the same handlers, routes, validation and
// migrations as in AWS, with local stand-ins for the managed services, each configured from a
// synthesized stage (Config.Stage, read by package mapping from cdk.out/assembly-<Stage>): the
// user pool's password policy, MFA and token lifetimes, the API stage's throttle and gateway
// responses, the queue's visibility timeout, receive count, batch size and function timeout,
// and the outbox's schedule are that stage's.
//
//	AWS                                   here
//	CloudFront + S3 site, /v1/* → API     one HTTP server: web/dist with a local /config.json, /v1/ the API
//	API Gateway + Cognito authorizer      gateway.New(httpapi.Handler) behind a JWKS-verifying authenticator (cognito.Verifier)
//	Cognito user pool                     cognito.Issuer at /cognito/ (RS256 tokens, JWKS, the JSON API); codes go to /_local/mail
//	Aurora PostgreSQL                     a cluster in <data>/postgres (package pgserver), or DATABASE_URL; migrations applied at start
//	SNS topic → worker's SQS queue + DLQ  Queue in PostgreSQL: batches, partial failures, visibility timeout, maxReceiveCount, a dead-letter table at /_local/dead-letters
//	outbox Lambda (every minute)          the same relay, every minute
//	uploads bucket + notification         Objects: presigned PUTs to /_local/s3/, ObjectCreated notifications to the queue
//
// Everything the stack keeps is in its PostgreSQL database (the application's tables, and the
// stand-ins' own in the schema `local`: queue, dead letters, users, sessions, the objects' index),
// committed durably before it is acknowledged, and under Config.DataDir (the cluster, the uploads'
// bytes), so a restart, after a code change or a crash, keeps all of it.
package devstack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/tracing"
	"github.com/stratus-cdk/stratus/lambdas/internal/local/traces"
	"go.opentelemetry.io/otel/trace"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/appconfig"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/httpapi"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/outbox"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/schema"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/store"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/uploads"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/worker"
	"github.com/stratus-cdk/stratus/lambdas/internal/local/cognito"
	"github.com/stratus-cdk/stratus/lambdas/internal/local/gateway"
	"github.com/stratus-cdk/stratus/lambdas/internal/local/mapping"
	"github.com/stratus-cdk/stratus/lambdas/internal/local/pgserver"
)

// Names the local Cognito answers to: the user pool's and the app client's ids, which the site's
// config.json and the tokens carry. The other stand-ins' names (the bucket's, the parameter's, the
// topic's) are derived from the template by package mapping.
const (
	PoolID       = "local_stratus"
	ClientID     = "stratus-local-client"
	databaseName = "stratus"
)

// replacedLocally are the environment variables the local stack does not take from the template:
// the database connection, which is the local PostgreSQL's (the pool handed to each handler).
var replacedLocally = []string{contract.EnvDBHost, contract.EnvDBPort, contract.EnvDBName, contract.EnvDBUser,
	contract.EnvDBIAMAuth, contract.EnvDBProxy, contract.EnvDatabaseURL}

// Connection pools: in AWS each function instance holds one connection and instances scale out;
// here one process serves every request, so its pool is its concurrency.
const (
	appConns   = 32
	queueConns = 8
)

func newPool(ctx context.Context, dsn string, conns int32, params map[string]string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("devstack: database URL: %w", err)
	}
	cfg.MaxConns = conns
	cfg.ConnConfig.Tracer = tracing.PGXTracer{} // as dbpool's: a span per statement within a request's trace
	for k, v := range params {
		cfg.ConnConfig.RuntimeParams[k] = v
	}
	return pgxpool.NewWithConfig(ctx, cfg)
}

// Config configures [Start].
type Config struct {
	// Stage is the synthesized stage the stand-ins take their settings from (mapping.Read).
	// Required.
	Stage *mapping.Stage
	// Addr is the listen address. Default: 127.0.0.1:8080; port 0 picks a free one.
	Addr string
	// DataDir holds everything the stack keeps. Required.
	DataDir string
	// WebDir is the built web app (web/dist). Default: none (the site says how to build it).
	WebDir string
	// DatabaseURL, when set, is the PostgreSQL server to use instead of a cluster in DataDir.
	DatabaseURL string
	// CORSOrigins may call the API from other origins (e.g. the Vite dev server). Default: none.
	CORSOrigins []string
	// Version is reported by GET /v1/health. Default: the API function's VERSION, else "local".
	Version string
	// Now is the local issuer's clock (tests mint expired tokens with it). Default: time.Now.
	Now func() time.Time
	// QueueVisibilityTimeout is how long a message the worker received stays hidden: the delay
	// before a failed message is retried. Default: the stage's queue's VisibilityTimeout.
	QueueVisibilityTimeout time.Duration
	// OutboxInterval is how often the outbox relay runs; it publishes rows older than half of it.
	// Default: the stage's schedule.
	OutboxInterval time.Duration
	// Timeouts of the HTTP server. Default: DefaultTimeouts().
	Timeouts Timeouts
	Logger   *slog.Logger
}

// URLs are where the running stack answers.
type URLs struct {
	Site        string `json:"url"`
	API         string `json:"api"`
	Cognito     string `json:"cognito"`
	JWKS        string `json:"jwks"`
	Mailbox     string `json:"mailbox"`
	DeadLetters string `json:"deadLetters"`
	Database    string `json:"database"`
}

// Stack is a running local stack.
type Stack struct {
	URLs URLs

	log     *slog.Logger
	srv     *http.Server
	served  chan error
	pg      *pgserver.Server
	pool    *pgxpool.Pool // the application's (API, worker, outbox) and the stand-ins' (Cognito, bucket)
	qpool   *pgxpool.Pool // the queue's: publishing from within the outbox's transaction needs a connection of its own
	queue   *Queue
	objects *Objects
	cancel  context.CancelFunc
	workers sync.WaitGroup
	traces  *traces.Receiver
	tracing *tracing.Provider
}

// Start brings the stack up and serves it; it returns once requests are answered.
func Start(ctx context.Context, cfg Config) (_ *Stack, err error) {
	if cfg.DataDir == "" {
		return nil, errors.New("devstack: Config.DataDir is required")
	}
	if cfg.Stage == nil {
		return nil, errors.New("devstack: Config.Stage is required: the synthesized stage to run (mapping.Read)")
	}
	stage := cfg.Stage
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.OutboxInterval <= 0 {
		cfg.OutboxInterval = stage.Outbox.Every
	}
	if cfg.QueueVisibilityTimeout <= 0 {
		cfg.QueueVisibilityTimeout = stage.Queue.VisibilityTimeout
	}
	cfg.Timeouts = cfg.Timeouts.withDefaults()
	// Traversable by others: under root, PostgreSQL runs as `postgres` and must reach its folder
	// inside (the files here are 0600).
	if err := os.MkdirAll(cfg.DataDir, 0o711); err != nil {
		return nil, err
	}
	s := &Stack{log: cfg.Logger}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("devstack: listen on %s: %w", cfg.Addr, err)
	}
	defer func() {
		if err != nil {
			ln.Close()
			s.Shutdown(context.Background())
		}
	}()
	base := "http://" + publicHost(ln.Addr().(*net.TCPAddr)) + "/"

	dsn, err := s.database(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := schema.Apply(ctx, dsn); err != nil {
		return nil, fmt.Errorf("devstack: migrations: %w", err)
	}
	if s.pool, err = newPool(ctx, dsn, appConns, nil); err != nil {
		return nil, err
	}
	// The queue's own commits need not wait for the disk (see Queue): each is followed by a
	// durable commit that depends on it, and PostgreSQL flushes its WAL in order.
	if s.qpool, err = newPool(ctx, dsn, queueConns, map[string]string{"synchronous_commit": "off"}); err != nil {
		return nil, err
	}
	if err := applyLocalSchema(ctx, s.pool); err != nil {
		return nil, err
	}
	warnAboutOldFiles(cfg.DataDir, cfg.Logger)
	if len(stage.NotEmulated) > 0 {
		cfg.Logger.Info("the local stack reads past these template properties (see the README's emulation table)",
			"stage", stage.Assembly.Dir, "properties", stage.NotEmulated)
	}

	pool := stage.Cognito.Settings
	issuer, err := cognito.NewIssuer(cognito.Options{
		BaseURL: base + "cognito/", PoolID: PoolID, ClientID: ClientID, DB: s.pool, Now: cfg.Now,
		Settings: pool,
		Logger:   cfg.Logger.With("service", "cognito"),
	})
	if err != nil {
		return nil, err
	}
	verifier, err := cognito.NewVerifier(issuer.VerifierOptions())
	if err != nil {
		return nil, err
	}

	// Each handler is configured from its function's environment in the template, with the
	// tokens resolved to the stand-ins, as its main package configures it in AWS.
	locals := mapping.Locals{Refs: map[*mapping.Resource]string{stage.Cognito.Pool: PoolID, stage.Cognito.Client: ClientID}}
	env, err := environments(stage, locals)
	if err != nil {
		return nil, err
	}

	// Spans go to the stack's own OTLP receiver (/_local/traces), each function's invocation
	// wrapped as its main wraps it in AWS.
	s.traces = &traces.Receiver{}
	tp, err := tracing.Setup(tracing.Config{Endpoint: base + "_local", Sampler: "always_on"}, "local")
	if err != nil {
		return nil, err
	}
	s.tracing = tp

	// The bucket notifies the queue, whose handler is the worker, which inspects the bucket.
	var consumer *worker.Consumer
	s.queue = NewQueue(s.qpool, func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		return tracing.Invocation(tp, "worker", trace.SpanKindConsumer, consumer.HandleSQS)(ctx, ev)
	}, queueOptions(stage.Queue, cfg.QueueVisibilityTimeout, cfg.Logger.With("function", "queue")))
	objects, err := NewObjects(ctx, s.pool, filepath.Join(cfg.DataDir, "objects"), base+"_local/s3/", s.queue)
	if err != nil {
		return nil, err
	}
	objects.Notifies = notifies(stage.Notifications, locals)
	s.objects = objects
	consumer = worker.New(s.pool, objects, worker.Options{UploadsBucket: env.worker[contract.EnvUploadsBucket],
		Logger: cfg.Logger.With("function", "worker", "stage", env.worker[contract.EnvStage])})
	relay := outbox.New(s.pool, s.queue, outbox.Options{Logger: cfg.Logger.With("function", "outbox", "stage", env.outbox[contract.EnvStage])})
	svc := &items.Service{
		Store:   store.New(s.pool),
		Uploads: &uploads.S3{Presigner: objects, Bucket: env.api[contract.EnvUploadsBucket]},
		Limits:  &appconfig.Source{Reader: parameters(stage.Parameters), Name: env.api[contract.EnvAppConfigParam]},
	}
	if env.api[contract.EnvEventTopicArn] != "" {
		svc.Events = relay
	}
	apiLog := cfg.Logger.With("function", "api", "stage", env.api[contract.EnvStage])
	api, err := httpapi.New(svc, httpapi.Options{
		Version:     cmp.Or(cfg.Version, env.api[contract.EnvVersion], "local"),
		CORSOrigins: append(contract.ListValue(env.api[contract.EnvCORSOrigins]), cfg.CORSOrigins...),
		Logger:      apiLog,
	})
	if err != nil {
		return nil, err
	}
	site, err := siteFiles(stage, locals)
	if err != nil {
		return nil, err
	}

	s.URLs = URLs{
		Site: base, API: base + "v1/", Cognito: base + "cognito/", JWKS: issuer.JWKSURL(),
		Mailbox: base + "_local/mail", DeadLetters: base + "_local/dead-letters", Database: redact(dsn),
	}
	mux := http.NewServeMux()
	// As in AWS: the stage's web ACL, then API Gateway's throttle, authorizer and request
	// validator, then the function within the integration timeout.
	apiHandler, err := validated(integrationTimeout(gateway.Wrapped(api, tracing.Invocation(tp, "api", trace.SpanKindServer, api.Handle),
		verifier.Authenticate, apiLog), cfg.Timeouts.Integration, stage.API),
		stage.API, verifier.Authenticate)
	if err != nil {
		return nil, err
	}
	// The web ACL sees the stage's path (/v1/items), API Gateway's resources the path within it.
	mux.Handle("/v1/", firewall(http.StripPrefix("/v1", throttled(apiHandler, stage.API)), stage.WAF, stage.API))
	mux.Handle("/cognito/", http.StripPrefix("/cognito", issuer))
	mux.Handle("/_local/mail", issuer.Mailbox())
	mux.Handle("/_local/dead-letters", s.queue)
	mux.Handle("/_local/v1/traces", s.traces)
	mux.Handle("/_local/v1/traces/", s.traces)
	mux.Handle("/_local/s3/", http.StripPrefix("/_local/s3", objects))
	mux.Handle("/", site.serve(s.URLs.Cognito, siteHandler(cfg.WebDir)))

	loops, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	s.workers.Add(2)
	go func() { defer s.workers.Done(); s.queue.Run(loops) }()
	go func() { defer s.workers.Done(); runOutbox(loops, tp, relay, cfg.OutboxInterval, cfg.Logger) }()

	s.srv = cfg.Timeouts.server(mux)
	s.served = make(chan error, 1)
	go func() { s.served <- s.srv.Serve(ln) }()
	return s, nil
}

// queueOptions are the local queue's settings: the stage's queue, mapping and worker function,
// with the visibility timeout given (the stage's, or a shorter one to retry sooner).
func queueOptions(q mapping.Queue, visibility time.Duration, log *slog.Logger) QueueOptions {
	o := QueueOptions{
		MaxReceiveCount: q.MaxReceiveCount, BatchSize: q.BatchSize, VisibilityTimeout: visibility,
		Timeout: q.Function.Timeout, BatchingWindow: q.BatchingWindow, Logger: log,
	}
	if q.Function.ReservedConcurrency > 0 {
		o.Consumers = q.Function.ReservedConcurrency
	}
	return o
}

// database returns the DSN of the application's database: DatabaseURL's, or a database in a
// cluster under DataDir.
func (s *Stack) database(ctx context.Context, cfg Config) (string, error) {
	if cfg.DatabaseURL != "" {
		return cfg.DatabaseURL, nil
	}
	pg, dsn, err := StartDatabase(ctx, filepath.Join(cfg.DataDir, "postgres"), cfg.Logger)
	s.pg = pg
	return dsn, err
}

// StartDatabase starts (creating it on first use) a PostgreSQL cluster in dir with the
// application's database, and returns the database's DSN. Whatever an earlier run left running
// there is stopped first, and a postmaster that dies is started again (package pgserver). Stop
// the server when done.
func StartDatabase(ctx context.Context, dir string, log *slog.Logger) (*pgserver.Server, string, error) {
	pg, err := pgserver.Start(dir, pgserver.Options{Logger: log.With("service", "postgres")})
	if err != nil {
		return nil, "", fmt.Errorf("devstack: PostgreSQL: %w", err)
	}
	conn, err := pgx.Connect(ctx, pg.DSN)
	if err != nil {
		return pg, "", err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", databaseName).Scan(&exists); err != nil {
		return pg, "", err
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+databaseName); err != nil {
			return pg, "", err
		}
	}
	return pg, strings.Replace(pg.DSN, "/postgres?", "/"+databaseName+"?", 1), nil
}

// runOutbox publishes what the API could not, like the scheduled outbox Lambda; at start it also
// publishes whatever an earlier run left.
func runOutbox(ctx context.Context, tp *tracing.Provider, relay *outbox.Relay, every time.Duration, log *slog.Logger) {
	minAge := time.Duration(0)
	for {
		run := tracing.Invocation(tp, "outbox", trace.SpanKindInternal, relay.Run)
		if res, err := run(ctx, minAge); err != nil && ctx.Err() == nil {
			log.Error("outbox run failed", "error", err.Error())
		} else if res.Published+res.Failed > 0 {
			log.Info("outbox run", "published", res.Published, "failed", res.Failed)
		}
		minAge = every / 2
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// Traces is the stack's trace receiver: every span its functions made (also at /_local/v1/traces).
func (s *Stack) Traces() *traces.Receiver { return s.traces }

// Done reports why the server stopped serving (http.ErrServerClosed after Shutdown).
func (s *Stack) Done() <-chan error { return s.served }

// Shutdown stops taking requests, lets those in flight and the worker's current batch finish, and
// stops the database it started. Queued events stay in the database for the next run.
func (s *Stack) Shutdown(ctx context.Context) {
	if s.tracing != nil {
		_ = s.tracing.Shutdown(ctx)
	}
	if s.srv != nil {
		if err := s.srv.Shutdown(ctx); err != nil {
			s.log.Warn("http shutdown", "error", err.Error())
		}
	}
	if s.cancel != nil {
		s.cancel()
		s.workers.Wait()
	}
	if s.qpool != nil {
		s.qpool.Close()
	}
	if s.pool != nil {
		s.pool.Close()
	}
	if s.pg != nil {
		if err := s.pg.Stop(false); err != nil {
			s.log.Warn("postgres stop", "error", err.Error())
		}
	}
}

// publicHost is the host:port to put in URLs: a wildcard listen address is reached as localhost.
func publicHost(a *net.TCPAddr) string {
	if a.IP == nil || a.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", a.Port)
	}
	return a.String()
}

// redact hides a DSN's password.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	return dsn
}

// warnAboutOldFiles says once that state files of an earlier version (before the local state moved
// into PostgreSQL) are no longer read.
func warnAboutOldFiles(dir string, log *slog.Logger) {
	for _, name := range []string{"cognito.json", "queue.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			log.Warn("a state file of an earlier version is no longer read (users, sessions and queued events now live in PostgreSQL); delete it, or `make clean` to start afresh",
				"file", filepath.Join(dir, name))
		}
	}
}
