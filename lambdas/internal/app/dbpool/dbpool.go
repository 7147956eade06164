// Package dbpool builds the pgx pool of a Lambda function from its
// environment, as serverlessdb.Bind sets it:
//
//	DB_HOST, DB_PORT, DB_NAME, DB_USER  the endpoint (RDS Proxy or cluster) and login role
//	DB_IAM_AUTH=true                     mint an IAM auth token per new connection (TLS required)
//	DB_PROXY=true                        an RDS Proxy is in front: no named prepared statements
//	DATABASE_URL                         a DSN instead of the above (local runs and tests)
//
// Statement mode, measured (BenchmarkCreateItem/BenchmarkListItems in
// lambdas/internal/app/httpapi, local PostgreSQL, one connection): pgx's default
// cached named statements are the fastest (~0.10 ms per create or list
// request end to end); unnamed statements (QueryExecModeExec) cost ~+0.06–0.1
// ms per request because the server parses and plans every time, the simple
// protocol about the same. Named statements pin RDS Proxy sessions, so the
// pool uses QueryExecModeExec exactly when DB_PROXY=true and the cache
// otherwise. The store's queries carry explicit casts so all modes work
// (tested in every mode).
//
// The pool holds ONE connection (one Lambda instance serves one request at a
// time) and dials lazily: creating it makes no network call.
package dbpool

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stratus-cdk/stratus/contract"
)

// Config is where and how to connect.
type Config struct {
	DSN     string // DATABASE_URL; when set, the fields below are unused
	Host    string
	Port    int
	Name    string
	User    string
	IAMAuth bool
	// Proxy: an RDS Proxy is in front. Named prepared statements would pin
	// the client session to one database connection, so statements run in
	// QueryExecModeExec (unnamed, one round trip, no server-side state).
	Proxy bool
	// Tracer is the connections' pgx tracer (tracing.PGXTracer in the traced
	// functions: a span per statement, batch and new connection, within a
	// request's trace); not from the environment. Default: none.
	Tracer pgx.QueryTracer
}

// FromEnv reads the Config (getenv nil means os.Getenv).
func FromEnv(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := Config{DSN: getenv(contract.EnvDatabaseURL), Host: getenv(contract.EnvDBHost), Name: getenv(contract.EnvDBName), User: getenv(contract.EnvDBUser),
		IAMAuth: getenv(contract.EnvDBIAMAuth) == "true", Proxy: getenv(contract.EnvDBProxy) == "true", Port: 5432}
	if c.DSN != "" {
		return c, nil
	}
	var errs []error
	if p := getenv(contract.EnvDBPort); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			errs = append(errs, fmt.Errorf("%s %q is not a port", contract.EnvDBPort, p))
		}
		c.Port = n
	}
	for name, v := range map[string]string{contract.EnvDBHost: c.Host, contract.EnvDBName: c.Name, contract.EnvDBUser: c.User} {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is not set (nor %s)", name, contract.EnvDatabaseURL))
		}
	}
	return c, errors.Join(errs...)
}

// PoolConfig builds the pgxpool config. creds and region are needed only
// with IAMAuth.
func PoolConfig(c Config, creds aws.CredentialsProvider, region string) (*pgxpool.Config, error) {
	dsn := c.DSN
	if dsn == "" {
		ssl := "prefer"
		if c.IAMAuth {
			// IAM authentication requires TLS. verify-full would need the RDS CA
			// bundle in the function package; the token is short-lived and scoped.
			ssl = "require"
		}
		dsn = fmt.Sprintf("host=%s port=%d dbname=%s user=%s sslmode=%s connect_timeout=5",
			quote(c.Host), c.Port, quote(c.Name), quote(c.User), ssl)
	}
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("dbpool: %w", err)
	}
	pc.MaxConns, pc.MinConns = 1, 0
	pc.ConnConfig.Tracer = c.Tracer
	pc.MaxConnIdleTime = 10 * time.Minute
	pc.MaxConnLifetime = 50 * time.Minute
	if pc.ConnConfig.ConnectTimeout == 0 {
		pc.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	if c.Proxy {
		pc.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	}
	if c.IAMAuth && c.DSN == "" {
		if creds == nil || region == "" {
			return nil, errors.New("dbpool: IAM auth needs AWS credentials and a region")
		}
		endpoint := net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
		pc.BeforeConnect = func(ctx context.Context, cc *pgx.ConnConfig) error {
			// Tokens live 15 minutes and are checked only when connecting: one per new connection.
			token, err := auth.BuildAuthToken(ctx, endpoint, region, c.User, creds)
			if err != nil {
				return fmt.Errorf("dbpool: IAM auth token: %w", err)
			}
			cc.Password = token
			return nil
		}
	}
	return pc, nil
}

// New builds the pool (no connection is made until the first query).
func New(ctx context.Context, c Config, creds aws.CredentialsProvider, region string) (*pgxpool.Pool, error) {
	pc, err := PoolConfig(c, creds, region)
	if err != nil {
		return nil, err
	}
	return pgxpool.NewWithConfig(ctx, pc)
}

// CloseIdle closes the pool's idle connections now and waits for each to
// end. A function that runs rarely (the outbox on an hourly schedule) calls
// it at the end of every run: a connection left open in a frozen Lambda
// environment stays open on the server until the environment is reclaimed,
// and keeps an auto-pausing Aurora cluster awake. (Pool.Reset closes them
// in the background, which a frozen environment may never finish.) The
// next run connects again.
func CloseIdle(ctx context.Context, pool *pgxpool.Pool) {
	for _, c := range pool.AcquireAllIdle(ctx) {
		conn := c.Hijack()
		_ = conn.Close(ctx)
	}
}

func quote(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' || s[i] == '\\' {
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}
