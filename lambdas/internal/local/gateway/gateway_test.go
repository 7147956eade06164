package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/httpapi"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/store"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

const (
	alice = "8f2d1c6e-1b0a-4c4e-9a51-0f1e2d3c4b5a"
	bob   = "0b7e9a2c-5d4f-4e3a-8c21-9f8e7d6c5b4a"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// newAPI is the items API on a throwaway database, allowing one origin.
func newAPI(t *testing.T) *httpapi.Handler {
	t.Helper()
	pool := pgtest.NewPool(t, pgtest.NewDB(t), pgx.QueryExecModeCacheStatement)
	svc := &items.Service{Store: store.New(pool), Limits: items.StaticLimits(items.DefaultLimits())}
	h, err := httpapi.New(svc, httpapi.Options{CORSOrigins: []string{"https://app.example.com"},
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestLocalHTTPServerRunsTheSameHandler(t *testing.T) {
	var logs bytes.Buffer
	srv := httptest.NewServer(New(newAPI(t), func(r *http.Request) (map[string]any, error) {
		if sub := r.Header.Get("X-Test-Sub"); sub != "" {
			return map[string]any{"sub": sub}, nil
		}
		return nil, errors.New("no token")
	}, slog.New(slog.NewJSONHandler(&logs, nil))))
	defer srv.Close()
	do := func(method, path, sub, body string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if sub != "" {
			req.Header.Set("X-Test-Sub", sub)
		}
		req.Header.Set("Origin", "https://app.example.com")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return res, m
	}
	res, item := do("POST", "/items", alice, `{"title":"local"}`)
	if res.StatusCode != 201 || res.Header.Get("ETag") != `"1"` || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Fatalf("create: %d %v %v", res.StatusCode, res.Header, item)
	}
	if res, got := do("GET", "/items/"+item["id"].(string), alice, ""); res.StatusCode != 200 || got["title"] != "local" {
		t.Fatalf("get: %d %v", res.StatusCode, got)
	}
	if res, _ := do("GET", "/items?limit=1&status=open", alice, ""); res.StatusCode != 200 {
		t.Fatalf("list: %d", res.StatusCode)
	}
	if res, body := do("GET", "/items", "", ""); res.StatusCode != 401 || toJSON(body) != UnauthorizedBody ||
		res.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Fatalf("no token: %d %v %v, want the authorizer's 401 with CORS headers", res.StatusCode, res.Header, body)
	}
	if !strings.Contains(logs.String(), `"msg":"request unauthorized","method":"GET","path":"/items","reason":"no token"`) {
		t.Errorf("the authorizer's rejection is not logged:\n%s", &logs)
	}
	if res, _ := do("GET", "/items/"+item["id"].(string), bob, ""); res.StatusCode != 404 {
		t.Fatalf("bob: %d", res.StatusCode)
	}
	if res, _ := do("GET", "/health", "", ""); res.StatusCode != 200 {
		t.Fatalf("health: %d", res.StatusCode)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
