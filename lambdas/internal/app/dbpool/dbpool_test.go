package dbpool

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/jackc/pgx/v5"

	"github.com/stratus-cdk/stratus/contract"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnvNamesEveryMissingVariable(t *testing.T) {
	_, err := FromEnv(env(map[string]string{contract.EnvDBPort: "x"}))
	for _, want := range []string{contract.EnvDBHost, contract.EnvDBName, contract.EnvDBUser, `DB_PORT "x"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
	if c, err := FromEnv(env(map[string]string{contract.EnvDatabaseURL: "postgres://x/y"})); err != nil || c.DSN == "" {
		t.Errorf("DATABASE_URL: %+v %v", c, err)
	}
}

func TestIAMAuthMintsATokenPerConnectionOverTLS(t *testing.T) {
	c, err := FromEnv(env(map[string]string{contract.EnvDBHost: "db.example.internal", contract.EnvDBPort: "6543", contract.EnvDBName: "app", contract.EnvDBUser: "app", contract.EnvDBIAMAuth: "true", contract.EnvDBProxy: "true"}))
	if err != nil {
		t.Fatal(err)
	}
	creds := aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""))
	pc, err := PoolConfig(c, creds, "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	if pc.MaxConns != 1 || pc.ConnConfig.TLSConfig == nil || pc.ConnConfig.Port != 6543 || pc.ConnConfig.DefaultQueryExecMode != pgx.QueryExecModeExec {
		t.Fatalf("pool config: max %d tls %v port %d mode %v", pc.MaxConns, pc.ConnConfig.TLSConfig != nil, pc.ConnConfig.Port, pc.ConnConfig.DefaultQueryExecMode)
	}
	cc := pc.ConnConfig.Copy()
	if err := pc.BeforeConnect(context.Background(), cc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cc.Password, "db.example.internal:6543?Action=connect&DBUser=app") || !strings.Contains(cc.Password, "X-Amz-Signature=") {
		t.Fatalf("token %q", cc.Password)
	}
	if _, err := PoolConfig(c, nil, ""); err == nil {
		t.Fatal("IAM auth without credentials accepted")
	}
}

func TestLocalDSNHasNoTokenHook(t *testing.T) {
	pc, err := PoolConfig(Config{DSN: "postgres://u@127.0.0.1:5432/db?sslmode=disable"}, nil, "")
	if err != nil || pc.BeforeConnect != nil || pc.MaxConns != 1 {
		t.Fatalf("%v %v", pc, err)
	}
}
