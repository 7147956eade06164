// Package dbsetup is the CloudFormation custom-resource handler (CDK Provider
// framework onEvent) that applies the embedded migrations on every deploy
// that creates or changes the resource, and keeps the application's login
// role and its grants in place. Delete does nothing: the data outlives the
// custom resource.
package dbsetup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/schema"
)

// PhysicalID is the resource's physical id: stable, so an Update never
// "replaces" the resource (which would make CloudFormation send a Delete).
const PhysicalID = "stratus-database-migrations"

// SecretsAPI is the part of the Secrets Manager client the handler uses.
type SecretsAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Handler applies schema.
type Handler struct {
	// DSN (DATABASE_URL) is used when set; otherwise the admin secret.
	DSN       string
	SecretARN string
	Secrets   SecretsAPI
	// SSLMode for secret-based connections. Default: "require".
	SSLMode string
	// AppUser is the login role to create and grant. Default: "app".
	AppUser string
	Log     *slog.Logger
}

// Response is what the Provider framework expects from onEvent.
type Response struct {
	PhysicalResourceID string         `json:"PhysicalResourceId"`
	Data               map[string]any `json:"Data,omitempty"`
}

// Handle serves one onEvent call. An error fails the deployment (and
// CloudFormation rolls back).
func (h *Handler) Handle(ctx context.Context, ev cfn.Event) (Response, error) {
	log := h.Log
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "custom resource event", "requestType", ev.RequestType, "logicalResourceId", ev.LogicalResourceID,
		"version", fmt.Sprint(ev.ResourceProperties["Version"]))
	switch string(ev.RequestType) {
	case "Delete":
		id := ev.PhysicalResourceID
		if id == "" {
			id = PhysicalID
		}
		return Response{PhysicalResourceID: id}, nil
	case "Create", "Update":
	default:
		return Response{}, fmt.Errorf("unknown RequestType %q", ev.RequestType)
	}
	cfg, err := h.connConfig(ctx)
	if err != nil {
		return Response{}, err
	}
	version, err := h.apply(ctx, cfg)
	if err != nil {
		return Response{}, err
	}
	log.InfoContext(ctx, "migrations applied", "schemaVersion", version, "appUser", h.appUser())
	return Response{PhysicalResourceID: PhysicalID, Data: map[string]any{
		"SchemaVersion": strconv.FormatInt(version, 10),
		"AppUser":       h.appUser(),
	}}, nil
}

func (h *Handler) appUser() string {
	if h.AppUser == "" {
		return "app"
	}
	return h.AppUser
}

func (h *Handler) apply(ctx context.Context, cfg *pgx.ConnConfig) (int64, error) {
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	db.SetMaxOpenConns(1)
	// A paused or failing-over cluster refuses connections for a while.
	if err := retry(ctx, func() error { return db.PingContext(ctx) }); err != nil {
		return 0, fmt.Errorf("connect to the database: %w", err)
	}
	version, err := schema.ApplyDB(ctx, db)
	if err != nil {
		return 0, err
	}
	if err := schema.EnsureAppRole(ctx, db, h.appUser()); err != nil {
		return 0, err
	}
	return version, nil
}

// secret is the RDS-managed secret's JSON (port may be a number or a string).
type secret struct {
	Host     string          `json:"host"`
	Port     json.RawMessage `json:"port"`
	Username string          `json:"username"`
	Password string          `json:"password"`
	DBName   string          `json:"dbname"`
}

func (h *Handler) connConfig(ctx context.Context) (*pgx.ConnConfig, error) {
	if h.DSN != "" {
		return pgx.ParseConfig(h.DSN)
	}
	if h.SecretARN == "" || h.Secrets == nil {
		return nil, errors.New("neither DATABASE_URL nor DB_SECRET_ARN is set")
	}
	out, err := h.Secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(h.SecretARN)})
	if err != nil {
		return nil, fmt.Errorf("read the admin secret: %w", err)
	}
	var s secret
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &s); err != nil {
		return nil, errors.New("the admin secret is not JSON {host, port, username, password, dbname}")
	}
	port := 5432
	if len(s.Port) > 0 {
		p, err := strconv.Atoi(string(bytesTrimQuotes(s.Port)))
		if err != nil {
			return nil, fmt.Errorf("the admin secret's port %s is not a number", s.Port)
		}
		port = p
	}
	if s.DBName == "" {
		s.DBName = "postgres"
	}
	if s.Host == "" || s.Username == "" {
		return nil, errors.New("the admin secret has no host or username")
	}
	ssl := h.SSLMode
	if ssl == "" {
		ssl = "require"
	}
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d dbname=%s sslmode=%s connect_timeout=10", s.Host, port, s.DBName, ssl))
	if err != nil {
		return nil, err
	}
	cfg.User, cfg.Password = s.Username, s.Password
	return cfg, nil
}

func bytesTrimQuotes(b []byte) []byte {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		return b[1 : len(b)-1]
	}
	return b
}

// retry calls fn with backoff (0.5 s doubling to 8 s) while the context's
// deadline leaves room (4 tries without a deadline).
func retry(ctx context.Context, fn func() error) error {
	delay := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil {
			return nil
		}
		dl, hasDeadline := ctx.Deadline()
		if (!hasDeadline && attempt >= 4) || (hasDeadline && time.Until(dl) < delay+5*time.Second) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay = min(delay*2, 8*time.Second)
	}
}
