package devstack

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/wait"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// client talks to a running stack as the web app does.
type client struct {
	t     *testing.T
	stack *Stack
}

// call sends a request and decodes a JSON answer (nil for none).
func (c client) call(method, url string, headers map[string]string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out
}

func (c client) cognito(op string, body map[string]any) (int, map[string]any) {
	c.t.Helper()
	return c.call(http.MethodPost, c.stack.URLs.Cognito, map[string]string{
		"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService." + op,
	}, body)
}

// signUp registers and confirms email (with the code from the mailbox) and returns an ID token.
func (c client) signUp(email, password string) string {
	c.t.Helper()
	if status, out := c.cognito("SignUp", map[string]any{"ClientId": ClientID, "Username": email, "Password": password,
		"UserAttributes": []map[string]string{{"Name": "email", "Value": email}}}); status != 200 {
		c.t.Fatalf("SignUp = %d %v", status, out)
	}
	status, mail := c.call(http.MethodGet, c.stack.URLs.Mailbox+"?to="+email, nil, nil)
	msgs, _ := mail["messages"].([]any)
	if status != 200 || len(msgs) == 0 {
		c.t.Fatalf("mailbox = %d %v", status, mail)
	}
	code, _ := msgs[len(msgs)-1].(map[string]any)["code"].(string)
	if status, out := c.cognito("ConfirmSignUp", map[string]any{"ClientId": ClientID, "Username": email, "ConfirmationCode": code}); status != 200 {
		c.t.Fatalf("ConfirmSignUp = %d %v", status, out)
	}
	return c.signIn(email, password)
}

func (c client) signIn(email, password string) string {
	c.t.Helper()
	status, out := c.cognito("InitiateAuth", map[string]any{"ClientId": ClientID, "AuthFlow": "USER_PASSWORD_AUTH",
		"AuthParameters": map[string]string{"USERNAME": email, "PASSWORD": password}})
	res, _ := out["AuthenticationResult"].(map[string]any)
	token, _ := res["IdToken"].(string)
	if status != 200 || token == "" {
		c.t.Fatalf("InitiateAuth = %d %v", status, out)
	}
	return token
}

func (c client) api(method, path, token string, body any) (int, map[string]any) {
	c.t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	if token != "" {
		h["Authorization"] = token
	}
	return c.call(method, c.stack.URLs.API+strings.TrimPrefix(path, "/"), h, body)
}

// eventually waits until check returns "" (done), for at most a minute (a loaded machine); check's last message says
// what was still missing.
func eventually(t *testing.T, what string, check func() string) {
	t.Helper()
	wait.For(t, time.Minute, what, func() error {
		if msg := check(); msg != "" {
			return errors.New(msg)
		}
		return nil
	})
}

func webDir(t *testing.T) string {
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "assets"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "index.html"), []byte("<!doctype html><title>app</title>"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "assets", "app-1234.js"), []byte("console.log(1)"), 0o644))
	return dir
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

const password = "Correct-Horse-9-battery"

// The whole application through the local stack: sign-up with the mailbox code, the API behind
// the JWKS-verifying authorizer, body validation, events to the worker, a presigned upload checked
// by the worker, the site with its config.json — and all of it still there after a restart.
func TestLocalStackEndToEnd(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDB(t)
	data, web := t.TempDir(), webDir(t)
	var skew atomic.Int64 // the issuer's clock offset, to mint expired tokens
	cfg := Config{Stage: stageOf(t, "Dev"), Addr: "127.0.0.1:0", DataDir: data, WebDir: web, DatabaseURL: dsn, Logger: quiet(),
		Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }}
	stack, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { stack.Shutdown(ctx) }()
	c := client{t: t, stack: stack}

	if status, out := c.api("GET", "/health", "", nil); status != 200 || out["status"] != "ok" {
		t.Fatalf("health (public) = %d %v", status, out)
	}
	alice := c.signUp("alice@example.com", password)

	// The authorizer: no token, garbage, a forged signature and an expired token get 401 with
	// API Gateway's body, before any handler runs.
	skew.Store(int64(-2 * time.Hour))
	expired := c.signIn("alice@example.com", password)
	skew.Store(0)
	for name, token := range map[string]string{"no token": "", "garbage": "not.a.jwt", "forged": forge(t, alice), "expired": expired} {
		status, out := c.api("GET", "/items", token, nil)
		if status != 401 || out["error"].(map[string]any)["code"] != "UNAUTHORIZED" {
			t.Errorf("%s: GET /items = %d %v, want 401 UNAUTHORIZED", name, status, out)
		}
	}

	// Body validation as deployed: unknown fields and a missing title are 400 with a JSON error.
	if status, out := c.api("POST", "/items", alice, map[string]any{"title": "", "colour": "red"}); status != 400 || out["error"] == nil {
		t.Fatalf("invalid create = %d %v", status, out)
	}
	status, created := c.api("POST", "/items", alice, map[string]any{"title": "Write the report"})
	if status != 201 {
		t.Fatalf("create = %d %v", status, created)
	}
	itemID := created["id"].(string)

	// A presigned upload, checked by the worker after the bucket's notification.
	status, att := c.api("POST", "/items/"+itemID+"/attachments", alice, map[string]any{"fileName": "notes.txt", "contentType": "text/plain", "size": 5})
	if status != 201 {
		t.Fatalf("create attachment = %d %v", status, att)
	}
	up := att["upload"].(map[string]any)
	headers := map[string]string{}
	for k, v := range up["headers"].(map[string]any) {
		if !strings.EqualFold(k, "Content-Length") {
			headers[k] = v.(string)
		}
	}
	if status, out := c.call(up["method"].(string), up["url"].(string), headers, "hello"); status != 200 {
		t.Fatalf("upload = %d %v", status, out)
	}
	eventually(t, "attachment ready", func() string {
		_, out := c.api("GET", "/items/"+itemID+"/attachments", alice, nil)
		list, _ := out["attachments"].([]any)
		if len(list) == 1 && list[0].(map[string]any)["status"] == "ready" {
			return ""
		}
		return "attachments = " + toJSON(out)
	})
	eventually(t, "activity feed", func() string {
		_, out := c.api("GET", "/activity", alice, nil)
		s := toJSON(out)
		if strings.Contains(s, `Created \"Write the report\"`) && strings.Contains(s, `Attachment \"notes.txt\" is ready`) {
			return ""
		}
		return "activity = " + s
	})

	// Another user sees none of it.
	bob := c.signUp("bob@example.com", password)
	if status, out := c.api("GET", "/items/"+itemID, bob, nil); status != 404 {
		t.Fatalf("bob reads alice's item = %d %v", status, out)
	}

	// The site: config.json for the local services, index.html for app routes, 404 for missing files.
	status, conf := c.call("GET", stack.URLs.Site+"config.json", nil, nil)
	if status != 200 || conf["apiUrl"] != "/v1/" || conf["userPoolClientId"] != ClientID || conf["cognitoEndpoint"] != stack.URLs.Cognito {
		t.Fatalf("config.json = %d %v", status, conf)
	}
	for path, want := range map[string]int{"": 200, "items/" + itemID: 200, "assets/app-1234.js": 200, "assets/missing.js": 404} {
		res, err := http.Get(stack.URLs.Site + path)
		must(t, err)
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("GET /%s = %d, want %d", path, res.StatusCode, want)
		}
	}
	if status, out := c.call("GET", stack.URLs.DeadLetters, nil, nil); status != 200 || len(out["deadLetters"].([]any)) != 0 {
		t.Fatalf("dead letters = %d %v", status, out)
	}

	// A restart (what a code change does) keeps users, tokens and data.
	stack.Shutdown(ctx)
	cfg.Addr = strings.TrimSuffix(strings.TrimPrefix(stack.URLs.Site, "http://"), "/")
	if stack, err = Start(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	c.stack = stack
	if status, out := c.api("GET", "/items/"+itemID, alice, nil); status != 200 || out["title"] != "Write the report" {
		t.Fatalf("after restart, alice's old token reads her item = %d %v", status, out)
	}
	c.signIn("bob@example.com", password)
}

// forge re-signs token's claims with another key under the same key id.
func forge(t *testing.T, token string) string {
	t.Helper()
	parsed, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	must(t, err)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	forged := jwt.NewWithClaims(jwt.SigningMethodRS256, parsed.Claims)
	forged.Header["kid"] = parsed.Header["kid"]
	s, err := forged.SignedString(key)
	must(t, err)
	return s
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
