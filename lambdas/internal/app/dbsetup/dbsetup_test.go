package dbsetup

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/jackc/pgx/v5"

	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type fakeSecrets struct {
	value string
	err   error
	asked string
}

func (f *fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.asked = aws.ToString(in.SecretId)
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(f.value)}, f.err
}

func role(t *testing.T) string {
	name := fmt.Sprintf("app_%d", time.Now().UnixNano())
	t.Cleanup(func() {
		ctx := context.Background()
		c, err := pgx.Connect(ctx, pgtest.AdminDSN(t))
		if err == nil {
			// Its grants went with the test database; the role is cluster-wide.
			_, _ = c.Exec(ctx, `DROP ROLE IF EXISTS `+pgx.Identifier{name}.Sanitize())
			c.Close(ctx)
		}
	})
	return name
}

func tables(t *testing.T, dsn string) []string {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	rows, _ := c.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestCreateAppliesMigrationsFromTheSecret(t *testing.T) {
	dsn := pgtest.NewEmptyDB(t)
	u, _ := url.Parse(dsn)
	secret := fmt.Sprintf(`{"engine":"postgres","host":%q,"port":%s,"username":%q,"password":"","dbname":%q}`,
		u.Hostname(), u.Port(), u.User.Username(), strings.TrimPrefix(u.Path, "/"))
	sm := &fakeSecrets{value: secret}
	h := &Handler{SecretARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-admin", Secrets: sm, SSLMode: "disable", AppUser: role(t)}
	res, err := h.Handle(context.Background(), cfn.Event{RequestType: cfn.RequestCreate, RequestID: "r1",
		ResourceProperties: map[string]any{"ServiceToken": "arn", "Version": "abc123"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.PhysicalResourceID != PhysicalID || res.Data["SchemaVersion"] != "1" || sm.asked != h.SecretARN {
		t.Fatalf("%+v (asked %q)", res, sm.asked)
	}
	got := strings.Join(tables(t, dsn), " ")
	if got != "activity attachments goose_db_version idempotency_keys items outbox processed_events" {
		t.Fatalf("tables: %s", got)
	}
	// The role can log in and use the tables.
	u.User = url.User(h.AppUser)
	c, err := pgx.Connect(context.Background(), u.String())
	if err != nil {
		t.Fatalf("app role: %v", err)
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(context.Background(), `SELECT count(*) FROM items`); err != nil {
		t.Fatal(err)
	}
}

func TestUpdateIsIdempotentAndDeleteDoesNothing(t *testing.T) {
	dsn := pgtest.NewDB(t) // already migrated, as on the second deploy
	h := &Handler{DSN: dsn, AppUser: role(t)}
	for range 2 {
		res, err := h.Handle(context.Background(), cfn.Event{RequestType: cfn.RequestUpdate, PhysicalResourceID: PhysicalID,
			ResourceProperties: map[string]any{"Version": "v2"}, OldResourceProperties: map[string]any{"Version": "v1"}})
		if err != nil || res.PhysicalResourceID != PhysicalID {
			t.Fatalf("%+v %v", res, err)
		}
	}
	res, err := (&Handler{}).Handle(context.Background(), cfn.Event{RequestType: cfn.RequestDelete, PhysicalResourceID: PhysicalID})
	if err != nil || res.PhysicalResourceID != PhysicalID {
		t.Fatalf("delete: %+v %v", res, err)
	}
	if n := len(tables(t, dsn)); n != 7 {
		t.Fatalf("%d tables after delete", n)
	}
}

func TestFailuresFailTheDeployment(t *testing.T) {
	ctx := context.Background()
	create := cfn.Event{RequestType: cfn.RequestCreate}
	cases := map[string]*Handler{
		"no configuration":  {},
		"secret unreadable": {SecretARN: "arn", Secrets: &fakeSecrets{err: errors.New("AccessDenied")}},
		"secret not JSON":   {SecretARN: "arn", Secrets: &fakeSecrets{value: "hunter2"}},
		"secret no host":    {SecretARN: "arn", Secrets: &fakeSecrets{value: `{"username":"a"}`}},
		"unreachable":       {DSN: "postgres://x@127.0.0.1:1/db?sslmode=disable&connect_timeout=1"},
	}
	for name, h := range cases {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		if _, err := h.Handle(ctx, create); err == nil {
			t.Errorf("%s: no error", name)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error shows the secret: %v", name, err)
		}
		cancel()
	}
	if _, err := (&Handler{DSN: "x"}).Handle(ctx, cfn.Event{RequestType: "Restart"}); err == nil {
		t.Error("unknown request type accepted")
	}
}

func TestSecretPortAsString(t *testing.T) {
	h := &Handler{SecretARN: "arn", Secrets: &fakeSecrets{value: `{"host":"db","port":"6432","username":"admin","password":"p","dbname":"app"}`}}
	cfg, err := h.connConfig(context.Background())
	if err != nil || cfg.Port != 6432 || cfg.Host != "db" || cfg.Database != "app" || cfg.Password != "p" || cfg.TLSConfig == nil {
		t.Fatalf("%+v %v", cfg, err)
	}
}
