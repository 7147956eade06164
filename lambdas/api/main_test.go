package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/lambdatest"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const pkg = "github.com/stratus-cdk/stratus/lambdas/api"

// env is what the stack gives the function, with DATABASE_URL standing in
// for the DB_* variables and dummy credentials for the (offline) presigner.
func env(dsn string) map[string]string {
	return map[string]string{
		contract.EnvDatabaseURL:   dsn,
		contract.EnvUploadsBucket: "stratus-uploads-test",
		contract.EnvVersion:       "test-1",
		contract.EnvCORSOrigins:   "https://app.example.com, http://localhost:5173",
		"AWS_ACCESS_KEY_ID":       "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY":   "secret",
		"AWS_REGION":              "eu-west-1",
	}
}

func invoke(t *testing.T, fn *lambdatest.Emulator, file string) events.APIGatewayProxyResponse {
	t.Helper()
	ev, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	out := fn.Invoke(t, ev)
	var res events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &res); err != nil || res.StatusCode == 0 {
		t.Fatalf("%s: not a proxy response: %s", file, out)
	}
	return res
}

func errorCode(t *testing.T, body string) string {
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Message == "" {
		t.Fatalf("not an error body: %s", body)
	}
	return e.Error.Code
}

// The real bootstrap, run by the Lambda Runtime Interface Emulator, answers
// real API Gateway events.
func TestBootstrapUnderTheEmulator(t *testing.T) {
	fn := lambdatest.Start(t, lambdatest.Build(t, pkg), env(pgtest.NewDB(t)))

	health := invoke(t, fn, "health.json")
	if health.StatusCode != 200 || health.Body != `{"status":"ok","version":"test-1"}` ||
		health.Headers["Access-Control-Allow-Origin"] != "https://app.example.com" {
		t.Fatalf("health: %d %v %s", health.StatusCode, health.Headers, health.Body)
	}
	if r := invoke(t, fn, "list-items-unauthorized.json"); r.StatusCode != 401 || errorCode(t, r.Body) != "unauthorized" {
		t.Fatalf("no claims: %d %s", r.StatusCode, r.Body)
	}
	if r := invoke(t, fn, "create-item-malformed.json"); r.StatusCode != 400 || errorCode(t, r.Body) != "bad_request" {
		t.Fatalf("malformed: %d %s", r.StatusCode, r.Body)
	}
	// A well-formed cursor whose time PostgreSQL cannot hold is the client's mistake.
	if r := invoke(t, fn, "list-items-cursor-out-of-range.json"); r.StatusCode != 400 || errorCode(t, r.Body) != "validation_failed" {
		t.Fatalf("cursor out of range: %d %s", r.StatusCode, r.Body)
	}
	created := invoke(t, fn, "create-item.json")
	if created.StatusCode != 201 || !strings.Contains(created.Body, `"title":"From the emulator"`) || created.Headers["ETag"] != `"1"` {
		t.Fatalf("create: %d %v %s", created.StatusCode, created.Headers, created.Body)
	}
	if again := invoke(t, fn, "create-item.json"); again.Body != created.Body || again.Headers["Idempotent-Replayed"] != "true" {
		t.Fatalf("idempotent retry: %s", again.Body)
	}

	// One JSON log line per request, with the Lambda request id.
	var requests int
	for _, l := range fn.LogLines() {
		if l["msg"] == "request" {
			requests++
			if id, _ := l["requestId"].(string); id == "" {
				t.Errorf("log line without requestId: %v", l)
			}
		}
	}
	if requests != 6 || strings.Contains(fn.Logs(), "eyJraWQiOiJ0ZXN0In0") {
		t.Fatalf("%d request log lines (or a token in the logs):\n%s", requests, fn.Logs())
	}
}

// With the database down, health says 503 (and the function stays up).
func TestBootstrapHealthWithoutDatabase(t *testing.T) {
	e := env("postgres://app@127.0.0.1:1/app?sslmode=disable&connect_timeout=1")
	fn := lambdatest.Start(t, lambdatest.Build(t, pkg), e)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ev, _ := os.ReadFile("testdata/health.json")
	out, err := fn.InvokeE(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	var res events.APIGatewayProxyResponse
	_ = json.Unmarshal(out, &res)
	if res.StatusCode != 503 || errorCode(t, res.Body) != "unavailable" || res.Headers["Retry-After"] != "1" {
		t.Fatalf("%s", out)
	}
}

// Missing configuration fails the init (Lambda reports it), not a request.
func TestBootstrapWithoutDatabaseConfigFailsInit(t *testing.T) {
	fn := lambdatest.Start(t, lambdatest.Build(t, pkg), map[string]string{"AWS_REGION": "eu-west-1"})
	ev, _ := os.ReadFile("testdata/health.json")
	out, _ := fn.InvokeE(context.Background(), ev)
	if !strings.Contains(fn.Logs(), "DB_HOST is not set") || strings.Contains(string(out), `"statusCode":200`) {
		t.Fatalf("out %s\nlogs %s", out, fn.Logs())
	}
}
