package cognito

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// idClaims are valid ID-token claims for e's pool, to be spoiled one at a time.
func idClaims(e *env) jwt.MapClaims {
	now := e.clock.Now()
	return jwt.MapClaims{
		"sub": "6f1c6d1e-1111-4222-8333-444455556666", "email": "mallory@example.com", "email_verified": true,
		"iss": e.iss.IssuerURL(), "aud": e.iss.ClientID(), "token_use": "id", "cognito:username": "6f1c6d1e-1111-4222-8333-444455556666",
		"auth_time": now.Unix(), "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
}

func with(c jwt.MapClaims, k string, v any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for key, val := range c {
		out[key] = val
	}
	if v == nil {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

func TestVerifierRejects(t *testing.T) {
	e := newEnv(t, Options{})
	v := e.verifier(t, nil)
	kid := e.iss.kid
	_, real := e.newUser("oscar@example.com")
	valid := idClaims(e)
	now := e.clock.Now()

	// The hand-made token passes as is: each case below fails for its one change.
	if _, err := v.Authenticate(authRequest(signToken(t, jwt.SigningMethodRS256, testKey, kid, valid))); err != nil {
		t.Fatalf("control token: %v", err)
	}

	der, _ := x509.MarshalPKIXPublicKey(&testKey.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	parts := strings.Split(real.IdToken, ".")
	tamperedClaims := with(idClaims(e), "sub", "someone-else")
	tamperedPayload, _ := json.Marshal(tamperedClaims)

	for _, tc := range []struct {
		name   string
		header string
		want   error
	}{
		{"no header", "", ErrNoToken},
		{"Bearer alone", "Bearer ", ErrNoToken},
		{"garbage", "not-a-token", ErrMalformed},
		{"three garbage parts", "a.b.c", ErrMalformed},
		{"forged signature, same kid", signToken(t, jwt.SigningMethodRS256, otherKey, kid, valid), ErrSignature},
		{"tampered payload", parts[0] + "." + b64.EncodeToString(tamperedPayload) + "." + parts[2], ErrSignature},
		{"alg none", signToken(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, kid, valid), ErrSignature},
		{"HS256 keyed with the public key PEM", signToken(t, jwt.SigningMethodHS256, pubPEM, kid, valid), ErrSignature},
		{"HS256 keyed with the public key DER", signToken(t, jwt.SigningMethodHS256, der, kid, valid), ErrSignature},
		{"RS512", signToken(t, jwt.SigningMethodRS512, testKey, kid, valid), ErrSignature},
		{"PS256", signToken(t, jwt.SigningMethodPS256, testKey, kid, valid), ErrSignature},
		{"no kid", signToken(t, jwt.SigningMethodRS256, testKey, "", valid), ErrUnknownKey},
		{"unknown kid", signToken(t, jwt.SigningMethodRS256, testKey, "some-other-kid", valid), ErrUnknownKey},
		{"expired", signToken(t, jwt.SigningMethodRS256, testKey, kid, with(valid, "exp", now.Add(-2*time.Second).Unix())), ErrExpired},
		{"no exp", signToken(t, jwt.SigningMethodRS256, testKey, kid, with(valid, "exp", nil)), ErrMalformed},
		{"issued in the future", signToken(t, jwt.SigningMethodRS256, testKey, kid, with(valid, "iat", now.Add(time.Minute).Unix())), ErrNotYetValid},
		{"not before in the future", signToken(t, jwt.SigningMethodRS256, testKey, kid, with(valid, "nbf", now.Add(time.Minute).Unix())), ErrNotYetValid},
		{"wrong aud", signToken(t, jwt.SigningMethodRS256, testKey, kid, with(valid, "aud", "another-client")), ErrAudience},
		{"aud is the pool id", signToken(t, jwt.SigningMethodRS256, testKey, kid, with(valid, "aud", e.iss.PoolID())), ErrAudience},
		{"no aud", signToken(t, jwt.SigningMethodRS256, testKey, kid, with(valid, "aud", nil)), ErrAudience},
		{"wrong iss", signToken(t, jwt.SigningMethodRS256, testKey, kid, with(valid, "iss", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_x")), ErrIssuer},
		{"iss with a trailing slash", signToken(t, jwt.SigningMethodRS256, testKey, kid, with(valid, "iss", e.iss.IssuerURL()+"/")), ErrIssuer},
		{"no token_use", signToken(t, jwt.SigningMethodRS256, testKey, kid, with(valid, "token_use", nil)), ErrTokenUse},
		{"access token", real.AccessToken, ErrTokenUse},
		{"Bearer access token", "Bearer " + real.AccessToken, ErrTokenUse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			claims, err := v.Authenticate(authRequest(tc.header))
			if !errors.Is(err, tc.want) || claims != nil {
				t.Fatalf("Authenticate = %v, %v; want error %v", claims, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want.Error()) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestVerifierExpiryUsesTheClock(t *testing.T) {
	e := newEnv(t, Options{})
	v := e.verifier(t, nil)
	_, tok := e.newUser("peggy@example.com")

	e.clock.Advance(time.Hour - time.Second)
	if _, err := v.Authenticate(authRequest(tok.IdToken)); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	e.clock.Advance(3 * time.Second) // past exp and the one-second leeway
	if _, err := v.Authenticate(authRequest(tok.IdToken)); !errors.Is(err, ErrExpired) {
		t.Fatalf("after expiry: %v, want ErrExpired", err)
	}
}

func TestVerifierAcceptsAnyListedClient(t *testing.T) {
	e := newEnv(t, Options{ClientID: "web"})
	_, tok := e.newUser("quentin@example.com")
	v := e.verifier(t, func(o *VerifierOptions) { o.ClientIDs = []string{"mobile", "web"} })
	if _, err := v.Authenticate(authRequest(tok.IdToken)); err != nil {
		t.Fatal(err)
	}
	v = e.verifier(t, func(o *VerifierOptions) { o.ClientIDs = []string{"mobile"} })
	if _, err := v.Authenticate(authRequest(tok.IdToken)); !errors.Is(err, ErrAudience) {
		t.Fatalf("unlisted client: %v, want ErrAudience", err)
	}
}

// jwksServer serves a changeable JWKS and counts the fetches.
type jwksServer struct {
	mu      sync.Mutex
	keys    []jwk
	status  int
	fetches int
	srv     *httptest.Server
}

func newJWKSServer(t *testing.T) *jwksServer {
	s := &jwksServer{status: http.StatusOK}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.fetches++
		if s.status != http.StatusOK {
			w.WriteHeader(s.status)
			return
		}
		_ = json.NewEncoder(w).Encode(jwkSet{Keys: s.keys})
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *jwksServer) set(status int, keys ...jwk) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.keys = status, keys
}

func (s *jwksServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

func TestVerifierJWKSCache(t *testing.T) {
	js := newJWKSServer(t)
	c := newClock()
	const iss, client = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc", "client"
	v, err := NewVerifier(VerifierOptions{JWKSURL: js.srv.URL + "/jwks.json", Issuer: iss, ClientIDs: []string{client}, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	claims := func() jwt.MapClaims {
		now := c.Now()
		return jwt.MapClaims{"sub": "s", "iss": iss, "aud": client, "token_use": "id", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	}
	verify := func(key *rsa.PrivateKey, kid string) error {
		_, err := v.Verify(t.Context(), signToken(t, jwt.SigningMethodRS256, key, kid, claims()))
		return err
	}
	expect := func(err, want error, fetches int) {
		t.Helper()
		if !errors.Is(err, want) && !(err == nil && want == nil) {
			t.Fatalf("Verify: %v, want %v", err, want)
		}
		if got := js.count(); got != fetches {
			t.Fatalf("%d JWKS fetches, want %d", got, fetches)
		}
	}

	js.set(http.StatusOK, publicJWK(&testKey.PublicKey, "A"))
	expect(verify(testKey, "A"), nil, 1) // first use fetches
	expect(verify(testKey, "A"), nil, 1) // then the cache answers

	// The pool rotates its key: the unknown kid refetches, but not more than
	// once per interval.
	js.set(http.StatusOK, publicJWK(&testKey.PublicKey, "A"), publicJWK(&otherKey.PublicKey, "B"))
	expect(verify(otherKey, "B"), ErrUnknownKey, 1)
	c.Advance(DefaultRefetchInterval)
	expect(verify(otherKey, "B"), nil, 2)
	expect(verify(otherKey, "C"), ErrUnknownKey, 2)
	expect(verify(otherKey, "C"), ErrUnknownKey, 2)
	c.Advance(DefaultRefetchInterval)
	expect(verify(otherKey, "C"), ErrUnknownKey, 3)
	expect(verify(testKey, "A"), nil, 3)

	// A JWKS that cannot be fetched is an error of its own; keys too weak or
	// not for RS256 signatures are ignored.
	js.set(http.StatusInternalServerError)
	c.Advance(DefaultRefetchInterval)
	expect(verify(otherKey, "D"), ErrJWKS, 4)
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	enc := publicJWK(&testKey.PublicKey, "E")
	enc.Use = "enc"
	js.set(http.StatusOK, publicJWK(&weak.PublicKey, "W"), enc)
	c.Advance(DefaultRefetchInterval)
	expect(verify(weak, "W"), ErrUnknownKey, 5)
	c.Advance(DefaultRefetchInterval)
	expect(verify(testKey, "E"), ErrUnknownKey, 6)
}

func TestNewVerifierOptions(t *testing.T) {
	good := VerifierOptions{JWKSURL: "http://127.0.0.1/p/.well-known/jwks.json", Issuer: "http://127.0.0.1/p", ClientIDs: []string{"c"}}
	if _, err := NewVerifier(good); err != nil {
		t.Fatal(err)
	}
	for _, mod := range []func(*VerifierOptions){
		func(o *VerifierOptions) { o.JWKSURL = "" },
		func(o *VerifierOptions) { o.JWKSURL = "/relative" },
		func(o *VerifierOptions) { o.Issuer = "" },
		func(o *VerifierOptions) { o.ClientIDs = nil },
		func(o *VerifierOptions) { o.ClientIDs = []string{""} },
	} {
		o := good
		mod(&o)
		if _, err := NewVerifier(o); err == nil {
			t.Errorf("NewVerifier(%+v) accepted", o)
		}
	}
}

func TestAPIGatewayClaims(t *testing.T) {
	got := apiGatewayClaims(jwt.MapClaims{
		"sub": "abc", "email_verified": true, "flag": false, "auth_time": json.Number("1700000000"),
		"exp": json.Number("1700003600"), "iat": json.Number("1700000000"), "big": json.Number("12345678901234567890"),
		"cognito:groups": []any{"admin", "users"}, "nested": map[string]any{"a": json.Number("1")},
	})
	want := map[string]any{
		"sub": "abc", "email_verified": "true", "flag": "false", "auth_time": "1700000000",
		"exp": "Tue Nov 14 23:13:20 UTC 2023", "iat": "Tue Nov 14 22:13:20 UTC 2023", "big": "12345678901234567890",
		"cognito:groups": "admin,users", "nested": `{"a":1}`,
	}
	if !jsonEqual(got, want) {
		t.Errorf("apiGatewayClaims = %v\nwant %v", got, want)
	}
}
