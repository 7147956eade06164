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
	if res.PhysicalResourceID != PhysicalID || res.Data["SchemaVersion"] != "2" || sm.asked != h.SecretARN {
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

// The migrations log in as whichever admin user the secret names. Aurora's
// admin is no superuser: like Aurora's stratus_admin (rds_superuser's
// CREATEROLE, owner of the app's database), the role here has just that.
func TestCreateAsANonDefaultAdminUser(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewEmptyDB(t)
	u, _ := url.Parse(dsn)
	dbName := strings.TrimPrefix(u.Path, "/")
	admin := fmt.Sprintf("stratus_admin_%d", time.Now().UnixNano())
	c, err := pgx.Connect(ctx, pgtest.AdminDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`CREATE ROLE ` + pgx.Identifier{admin}.Sanitize() + ` LOGIN CREATEROLE PASSWORD 'rotated-by-secrets-manager'`,
		`ALTER DATABASE ` + pgx.Identifier{dbName}.Sanitize() + ` OWNER TO ` + pgx.Identifier{admin}.Sanitize(),
	} {
		if _, err := c.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	c.Close(ctx)
	db, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	// PostgreSQL 15+: public belongs to the database owner's pg_database_owner.
	if _, err := db.Exec(ctx, `GRANT ALL ON SCHEMA public TO `+pgx.Identifier{admin}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	db.Close(ctx)
	t.Cleanup(func() {
		if c, err := pgx.Connect(ctx, pgtest.AdminDSN(t)); err == nil {
			_, _ = c.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{dbName}.Sanitize()+` WITH (FORCE)`)
			_, _ = c.Exec(ctx, `DROP ROLE IF EXISTS `+pgx.Identifier{admin}.Sanitize())
			c.Close(ctx)
		}
	})

	secret := fmt.Sprintf(`{"engine":"postgres","host":%q,"port":%s,"username":%q,"password":"rotated-by-secrets-manager","dbname":%q}`,
		u.Hostname(), u.Port(), admin, dbName)
	h := &Handler{SecretARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-admin", Secrets: &fakeSecrets{value: secret}, SSLMode: "disable", AppUser: role(t)}
	if _, err := h.Handle(ctx, cfn.Event{RequestType: cfn.RequestCreate, RequestID: "r1",
		ResourceProperties: map[string]any{"ServiceToken": "arn", "Version": "abc123"}}); err != nil {
		t.Fatalf("migrations as %s: %v", admin, err)
	}
	db, err = pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	var owner string
	if err := db.QueryRow(ctx, `SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'items'`).Scan(&owner); err != nil || owner != admin {
		t.Fatalf("items is owned by %q (%v), want the admin user %s", owner, err, admin)
	}
}
