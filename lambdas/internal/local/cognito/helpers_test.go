package cognito

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/stratus-cdk/stratus/lambdas/internal/local/gateway"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

// The Verifier's Authenticate is what the local server hands to gateway.New.
var _ gateway.Authenticator = (*Verifier)(nil).Authenticate

// RSA keys made once per test binary: testKey signs most tokens, otherKey
// forges them.
var testKey, otherKey *rsa.PrivateKey

const goodPassword = "Correct-Horse-9"

func TestMain(m *testing.M) {
	pbkdf2Iterations = 1000 // the hash stays real, just cheaper
	var err error
	if testKey, err = rsa.GenerateKey(rand.Reader, 2048); err == nil {
		otherKey, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		panic(err)
	}
	pgtest.Main(m)
}

// clock is a settable clock, starting now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is an Issuer mounted like the dev server mounts it.
type env struct {
	t     *testing.T
	srv   *httptest.Server
	iss   *Issuer
	clock *clock
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// testSettings are the tests' pool unless a test says otherwise: Cognito's defaults with a
// 12-character password, the password and refresh flows, and no user-existence errors, as
// the web app's client has them.
func testSettings() Settings {
	s := DefaultSettings()
	s.Password.MinimumLength = 12
	s.AuthFlows = []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
	s.PreventUserExistenceErrors = true
	return s
}

// newEnv serves an Issuer at <server>/cognito/ and its mailbox at
// /_local/mail. Unset Options fields get test defaults: testKey, a fake
// clock, a silent logger, BaseURL from the server.
func newEnv(t *testing.T, o Options) *env {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c := newClock()
	if o.BaseURL == "" {
		o.BaseURL = srv.URL + "/cognito/"
	}
	if o.SigningKey == nil && o.DB == nil {
		o.SigningKey = testKey
	}
	if o.PasswordChecksPerSecond == 0 { // the fake clock stands still: no rate limit unless asked
		o.PasswordChecksPerSecond, o.PasswordCheckBurst = 1e6, 1e6
	}
	if o.Now == nil {
		o.Now = c.Now
	}
	if o.Logger == nil {
		o.Logger = quietLogger()
	}
	if o.Settings.MFA == "" {
		o.Settings = testSettings()
	}
	iss, err := NewIssuer(o)
	if err != nil {
		t.Fatalf("NewIssuer: %v", err)
	}
	mux.Handle("/cognito/", iss)
	mux.Handle("/_local/mail", iss.Mailbox())
	return &env{t: t, srv: srv, iss: iss, clock: c}
}

// endpoint is the Cognito endpoint the web app would be configured with.
func (e *env) endpoint() string { return e.srv.URL + "/cognito/" }

// answer is a Cognito API response.
type answer struct {
	status  int
	header  http.Header
	raw     []byte
	body    map[string]any
	errType string // __type of an error answer
	message string
}

// post sends a raw body with the given X-Amz-Target.
func (e *env) post(target string, body []byte) answer {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.endpoint(), bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	req.Header.Set("Origin", "http://localhost:5173")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, header: res.Header, raw: raw}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		e.t.Fatalf("%s: answer %d is not JSON: %q", target, res.StatusCode, raw)
	}
	if res.StatusCode != http.StatusOK {
		a.errType, _ = a.body["__type"].(string)
		a.message, _ = a.body["message"].(string)
	}
	return a
}

// call runs a Cognito operation as the web app does.
func (e *env) call(op string, in any) answer {
	e.t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.post(targetPrefix+op, b)
}

// ok fails the test unless the answer is a 200.
func (a answer) ok(t *testing.T) answer {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("answer %d %s: %s", a.status, a.errType, a.message)
	}
	return a
}

// wantError checks an error answer's status, type (body and header) and, if
// not empty, message.
func (a answer) wantError(t *testing.T, typ, message string) {
	t.Helper()
	if a.status != http.StatusBadRequest || a.errType != typ {
		t.Fatalf("answer %d %q (%s), want 400 %q", a.status, a.errType, a.message, typ)
	}
	if got := a.header.Get("x-amzn-ErrorType"); got != typ {
		t.Errorf("x-amzn-ErrorType = %q, want %q", got, typ)
	}
	if message != "" && a.message != message {
		t.Errorf("message = %q, want %q", a.message, message)
	}
}

func (e *env) signUp(email, password string) answer {
	e.t.Helper()
	return e.call("SignUp", map[string]any{
		"ClientId": e.iss.ClientID(), "Username": email, "Password": password,
		"UserAttributes": []map[string]string{{"Name": "email", "Value": email}},
	})
}

func (e *env) confirm(email, code string) answer {
	e.t.Helper()
	return e.call("ConfirmSignUp", map[string]any{"ClientId": e.iss.ClientID(), "Username": email, "ConfirmationCode": code})
}

func (e *env) signIn(email, password string) answer {
	e.t.Helper()
	return e.call("InitiateAuth", map[string]any{
		"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": e.iss.ClientID(),
		"AuthParameters": map[string]string{"USERNAME": email, "PASSWORD": password},
	})
}

func (e *env) refresh(token string) answer {
	e.t.Helper()
	return e.call("InitiateAuth", map[string]any{
		"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": e.iss.ClientID(),
		"AuthParameters": map[string]string{"REFRESH_TOKEN": token},
	})
}

// mail reads the mailbox over HTTP, as the browser tests do.
func (e *env) mail(to string) []Message {
	e.t.Helper()
	u := e.srv.URL + "/_local/mail"
	if to != "" {
		u += "?to=" + url.QueryEscape(to)
	}
	res, err := http.Get(u)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		e.t.Fatalf("GET /_local/mail: %s", res.Status)
	}
	var out struct{ Messages []Message }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		e.t.Fatal(err)
	}
	return out.Messages
}

var codePattern = regexp.MustCompile(`^[0-9]{6}$`)

// latestCode is the newest code mailed to email.
func (e *env) latestCode(email string) string {
	e.t.Helper()
	msgs := e.mail(email)
	if len(msgs) == 0 {
		e.t.Fatalf("no mail to %s", email)
	}
	m := msgs[len(msgs)-1]
	if !codePattern.MatchString(m.Code) || !strings.Contains(m.Body, m.Code) {
		e.t.Fatalf("mail to %s has code %q, body %q", email, m.Code, m.Body)
	}
	return m.Code
}

// tokens are the AuthenticationResult of a sign-in.
type tokens struct {
	IdToken, AccessToken, RefreshToken, TokenType string
	ExpiresIn                                     float64
}

func (a answer) tokens(t *testing.T) tokens {
	t.Helper()
	var out struct{ AuthenticationResult tokens }
	if err := json.Unmarshal(a.raw, &out); err != nil {
		t.Fatal(err)
	}
	return out.AuthenticationResult
}

// newUser signs up, confirms with the mailed code and signs in.
func (e *env) newUser(email string) (sub string, tok tokens) {
	e.t.Helper()
	a := e.signUp(email, goodPassword).ok(e.t)
	sub, _ = a.body["UserSub"].(string)
	e.confirm(email, e.latestCode(email)).ok(e.t)
	return sub, e.signIn(email, goodPassword).ok(e.t).tokens(e.t)
}

func (e *env) verifier(t *testing.T, mod func(*VerifierOptions)) *Verifier {
	t.Helper()
	o := e.iss.VerifierOptions()
	o.Now = e.clock.Now
	if mod != nil {
		mod(&o)
	}
	v, err := NewVerifier(o)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// authRequest is an API request carrying an Authorization header.
func authRequest(header string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/items", nil)
	if header != "" {
		r.Header.Set("Authorization", header)
	}
	return r
}

// unverifiedClaims decodes a JWT's payload without checking it.
func unverifiedClaims(t *testing.T, token string) (jwt.MapClaims, map[string]any) {
	t.Helper()
	claims := jwt.MapClaims{}
	tok, _, err := jwt.NewParser().ParseUnverified(token, claims)
	if err != nil {
		t.Fatalf("not a JWT: %v", err)
	}
	return claims, tok.Header
}

// signToken signs claims with key and kid, as a forger or another issuer would.
func signToken(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
