package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx/s3adapter"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/event"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/store"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/uploads"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	alice = "8f2d1c6e-1b0a-4c4e-9a51-0f1e2d3c4b5a"
	bob   = "0b7e9a2c-5d4f-4e3a-8c21-9f8e7d6c5b4a"
	// outOfRangeCursor is "-9000000000000000000.00000000-0000-0000-0000-000000000000": well-formed,
	// with a time PostgreSQL's timestamptz cannot hold (it once answered 500).
	outOfRangeCursor = "LTkwMDAwMDAwMDAwMDAwMDAwMDAuMDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw"
)

// recorder is an EventFlusher that remembers what it was given.
type recorder struct {
	mu  sync.Mutex
	evs []event.Event
}

func (r *recorder) Flush(_ context.Context, evs []event.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, evs...)
}

func (r *recorder) types() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.evs {
		out = append(out, e.Type)
	}
	return out
}

type api struct {
	t       testing.TB
	h       *Handler
	pool    *pgxpool.Pool
	svc     *items.Service
	flushed *recorder
	logs    *bytes.Buffer
}

// s3Presigner is the real S3 adapter with static credentials: presigning
// is local computation, no network.
func s3Presigner() awsx.Presigner {
	client := s3.New(s3.Options{Region: "eu-west-1",
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""))})
	return s3adapter.New(client)
}

func newAPI(t testing.TB) *api {
	t.Helper()
	return newAPIWithDSN(t, pgtest.NewDB(t))
}

func newAPIWithDSN(t testing.TB, dsn string) *api {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	rec := &recorder{}
	svc := &items.Service{
		Store:   store.New(pool),
		Uploads: &uploads.S3{Presigner: s3Presigner(), Bucket: "uploads-bucket"},
		Limits:  items.StaticLimits{MaxAttachmentBytes: 1 << 20, AllowedContentTypes: []string{"image/png", "application/pdf"}},
		Events:  rec,
	}
	logs := &bytes.Buffer{}
	h, err := New(svc, Options{Version: "1.2.3", CORSOrigins: []string{"https://app.example.com"},
		Logger: slog.New(slog.NewJSONHandler(logs, nil)), HealthTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &api{t: t, h: h, pool: pool, svc: svc, flushed: rec, logs: logs}
}

var template = func() []byte {
	b, err := os.ReadFile("testdata/rest-proxy-event.json")
	if err != nil {
		panic(err)
	}
	return b
}()

// event builds a REST API proxy event as API Gateway sends it: from a real
// event captured as JSON, with the method, path, resource, path parameters,
// claims (sub = owner; "" removes the authorizer) and body set.
func event_(method, path, owner, body string, headers ...string) events.APIGatewayProxyRequest {
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(template, &ev); err != nil {
		panic(err)
	}
	ev.HTTPMethod, ev.Path, ev.Body = method, path, body
	ev.RequestContext.HTTPMethod = method
	ev.Resource, ev.PathParameters = resourceOf(path)
	ev.RequestContext.ResourcePath = ev.Resource
	ev.RequestContext.Path = "/prod" + path
	if owner == "" {
		ev.RequestContext.Authorizer = nil
		delete(ev.Headers, "Authorization")
	} else {
		ev.RequestContext.Authorizer["claims"].(map[string]any)["sub"] = owner
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		ev.Path = path[:i]
		ev.Resource, ev.PathParameters = resourceOf(ev.Path)
		ev.QueryStringParameters = map[string]string{}
		ev.MultiValueQueryStringParameters = map[string][]string{}
		for _, kv := range strings.Split(path[i+1:], "&") {
			k, v, _ := strings.Cut(kv, "=")
			ev.QueryStringParameters[k] = v
			ev.MultiValueQueryStringParameters[k] = append(ev.MultiValueQueryStringParameters[k], v)
		}
	}
	for i := 0; i+1 < len(headers); i += 2 {
		ev.Headers[headers[i]] = headers[i+1]
		ev.MultiValueHeaders[headers[i]] = []string{headers[i+1]}
	}
	return ev
}

// resourceOf is what API Gateway reports as the resource of a path.
func resourceOf(path string) (string, map[string]string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for _, r := range contract.Routes() {
		if p, ok := matchPath(strings.Split(strings.Trim(r.Path, "/"), "/"), segs); ok {
			return r.Path, p
		}
	}
	return "/{proxy+}", map[string]string{"proxy": strings.Trim(path, "/")}
}

type result struct {
	Status  int
	Headers map[string]string
	Body    map[string]any
	Raw     string
}

func (r result) code() string {
	e, _ := r.Body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (a *api) send(ev events.APIGatewayProxyRequest) result {
	a.t.Helper()
	out, err := a.h.Handle(context.Background(), ev)
	if err != nil {
		a.t.Fatalf("Handle returned an error: %v", err)
	}
	res := result{Status: out.StatusCode, Headers: out.Headers, Raw: out.Body}
	if out.Body != "" {
		if err := json.Unmarshal([]byte(out.Body), &res.Body); err != nil {
			a.t.Fatalf("%s %s: body is not JSON: %q", ev.HTTPMethod, ev.Path, out.Body)
		}
	}
	return res
}

func (a *api) do(method, path, owner, body string, headers ...string) result {
	a.t.Helper()
	return a.send(event_(method, path, owner, body, headers...))
}

// create makes an item and returns its id.
func (a *api) create(owner, body string) string {
	a.t.Helper()
	r := a.do("POST", "/items", owner, body)
	if r.Status != 201 {
		a.t.Fatalf("create %s: %d %s", body, r.Status, r.Raw)
	}
	return r.Body["id"].(string)
}

func storeOn(pool *pgxpool.Pool) *store.Store { return store.New(pool) }
