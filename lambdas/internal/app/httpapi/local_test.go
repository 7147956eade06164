package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestLocalHTTPServerRunsTheSameHandler(t *testing.T) {
	a := newAPI(t)
	srv := httptest.NewServer(a.h.HTTP(func(r *http.Request) (map[string]any, error) {
		if sub := r.Header.Get("X-Test-Sub"); sub != "" {
			return map[string]any{"sub": sub}, nil
		}
		return nil, errors.New("no token")
	}))
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
