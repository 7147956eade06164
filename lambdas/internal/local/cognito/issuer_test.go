package cognito

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestSignUpConfirmSignInVerify(t *testing.T) {
	e := newEnv(t, Options{})

	a := e.signUp("Alice@Example.com", goodPassword).ok(t)
	if a.body["UserConfirmed"] != false {
		t.Errorf("UserConfirmed = %v, want false", a.body["UserConfirmed"])
	}
	sub, _ := a.body["UserSub"].(string)
	if !uuidPattern.MatchString(sub) {
		t.Errorf("UserSub = %q, want a UUID", sub)
	}
	wantDelivery := map[string]any{"Destination": "A***@E***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
	if got := a.body["CodeDeliveryDetails"]; !jsonEqual(got, wantDelivery) {
		t.Errorf("CodeDeliveryDetails = %v, want %v", got, wantDelivery)
	}

	// The code is in the mailbox (the recipient matched case-insensitively),
	// in Messages too, and not sent to anybody else.
	code := e.latestCode("alice@example.com")
	if got := e.iss.Messages("ALICE@EXAMPLE.COM"); len(got) != 1 || got[0].Code != code || got[0].To != "Alice@Example.com" {
		t.Errorf("Messages = %+v", got)
	}
	if got := e.mail("bob@example.com"); len(got) != 0 {
		t.Errorf("mail to bob: %+v", got)
	}

	e.confirm("alice@example.com", code).ok(t)
	tok := e.signIn("ALICE@example.com", goodPassword).ok(t).tokens(t)
	if tok.IdToken == "" || tok.AccessToken == "" || tok.RefreshToken == "" || tok.ExpiresIn != 3600 || tok.TokenType != "Bearer" {
		t.Fatalf("AuthenticationResult = %+v", tok)
	}

	// The ID token passes the authorizer, with or without "Bearer ".
	v := e.verifier(t, nil)
	for _, header := range []string{tok.IdToken, "Bearer " + tok.IdToken} {
		claims, err := v.Authenticate(authRequest(header))
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		now := e.clock.Now().UTC()
		want := map[string]any{
			"sub": sub, "email": "Alice@Example.com", "email_verified": "true", "token_use": "id",
			"aud": e.iss.ClientID(), "iss": e.srv.URL + "/cognito/local_stratus", "cognito:username": sub,
			"auth_time": big.NewInt(now.Unix()).String(),
			"iat":       now.Format("Mon Jan 02 15:04:05 UTC 2006"),
			"exp":       now.Add(time.Hour).Format("Mon Jan 02 15:04:05 UTC 2006"),
		}
		for k, w := range want {
			if claims[k] != w {
				t.Errorf("claims[%q] = %#v, want %#v", k, claims[k], w)
			}
		}
		for _, k := range []string{"jti", "origin_jti", "event_id"} {
			if s, _ := claims[k].(string); !uuidPattern.MatchString(s) {
				t.Errorf("claims[%q] = %#v, want a UUID", k, claims[k])
			}
		}
		for k, val := range claims {
			if _, ok := val.(string); !ok {
				t.Errorf("claims[%q] is a %T, API Gateway passes strings", k, val)
			}
		}
	}

	// The access token has Cognito's access claims, and GetUser takes it.
	ac, header := unverifiedClaims(t, tok.AccessToken)
	if header["alg"] != "RS256" || header["kid"] == "" {
		t.Errorf("access token header = %v", header)
	}
	for k, w := range map[string]any{"sub": sub, "username": sub, "client_id": e.iss.ClientID(), "token_use": "access",
		"scope": "aws.cognito.signin.user.admin", "iss": e.iss.IssuerURL()} {
		if ac[k] != w {
			t.Errorf("access claims[%q] = %#v, want %#v", k, ac[k], w)
		}
	}
	if _, ok := ac["aud"]; ok {
		t.Errorf("access token has aud %v; Cognito's have client_id instead", ac["aud"])
	}
	idc, _ := unverifiedClaims(t, tok.IdToken)
	if idc["origin_jti"] != ac["origin_jti"] || idc["jti"] == ac["jti"] {
		t.Errorf("origin_jti %v/%v should match, jti %v/%v should differ", idc["origin_jti"], ac["origin_jti"], idc["jti"], ac["jti"])
	}
	u := e.call("GetUser", map[string]string{"AccessToken": tok.AccessToken}).ok(t)
	if u.body["Username"] != sub || !strings.Contains(string(u.raw), `{"Name":"email","Value":"Alice@Example.com"}`) {
		t.Errorf("GetUser = %s", u.raw)
	}
	e.call("GetUser", map[string]string{"AccessToken": tok.IdToken}).wantError(t, "NotAuthorizedException", "Invalid Access Token")
}

func TestPasswordPolicy(t *testing.T) {
	e := newEnv(t, Options{})
	const policy = "Password did not conform with policy: "
	for _, tc := range []struct{ name, password, typ, message string }{
		{"too short", "Aa1!aaaaaaa", "InvalidPasswordException", policy + "Password not long enough"},
		{"no lower case", "AAAAAAAAAA1!", "InvalidPasswordException", policy + "Password must have lowercase characters"},
		{"no upper case", "aaaaaaaaaa1!", "InvalidPasswordException", policy + "Password must have uppercase characters"},
		{"no digit", "Aaaaaaaaaaa!", "InvalidPasswordException", policy + "Password must have numeric characters"},
		{"no symbol", "Aaaaaaaaaaa1", "InvalidPasswordException", policy + "Password must have symbol characters"},
		{"non-ASCII is no symbol", "Aaaaaaaaaaa1é", "InvalidPasswordException", policy + "Password must have symbol characters"},
		{"leading space", " Aaaaaaaaa1!x", "InvalidParameterException", ""},
		{"trailing space", "Aaaaaaaaa1!x ", "InvalidParameterException", ""},
		{"empty", "", "InvalidParameterException", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.signUp("carol@example.com", tc.password).wantError(t, tc.typ, tc.message)
		})
	}
	// Nothing was created or mailed by the failures.
	if got := e.mail(""); len(got) != 0 {
		t.Errorf("mail after failed sign-ups: %+v", got)
	}
	// Twelve characters with a space as the symbol pass.
	e.signUp("carol@example.com", "Aaaaaaaa 1bc").ok(t)

	for _, name := range []string{"carol", "carol@", "@example.com", "Carol <carol@example.com>", "carol @example.com"} {
		e.signUp(name, goodPassword).wantError(t, "InvalidParameterException", "Username should be an email.")
	}
	a := e.call("SignUp", map[string]any{"ClientId": e.iss.ClientID(), "Username": "dan@example.com", "Password": goodPassword,
		"UserAttributes": []map[string]string{{"Name": "email", "Value": "someone-else@example.com"}}})
	a.wantError(t, "InvalidParameterException", "")
}

func TestDuplicateUser(t *testing.T) {
	e := newEnv(t, Options{})
	e.signUp("dup@example.com", goodPassword).ok(t)
	// Unconfirmed or not, in any case.
	e.signUp("DUP@Example.COM", "Another-Pass-1").wantError(t, "UsernameExistsException", "An account with the given email already exists.")
	e.confirm("dup@example.com", e.latestCode("dup@example.com")).ok(t)
	e.signUp("dup@example.com", goodPassword).wantError(t, "UsernameExistsException", "")
	// The first password still works.
	e.signIn("dup@example.com", goodPassword).ok(t)
	e.signIn("dup@example.com", "Another-Pass-1").wantError(t, "NotAuthorizedException", "")
}

func TestConfirmationCodes(t *testing.T) {
	e := newEnv(t, Options{})
	const email = "erin@example.com"
	e.signUp(email, goodPassword).ok(t)
	code := e.latestCode(email)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	e.confirm(email, wrong).wantError(t, "CodeMismatchException", "Invalid verification code provided, please try again.")
	e.signIn(email, goodPassword).wantError(t, "UserNotConfirmedException", "User is not confirmed.")
	// An unknown user gets the same answer as a wrong code.
	e.confirm("nobody@example.com", code).wantError(t, "CodeMismatchException", "")

	// Codes last 24 hours.
	e.clock.Advance(24*time.Hour + time.Minute)
	e.confirm(email, code).wantError(t, "ExpiredCodeException", "Invalid code provided, please request a code again.")

	r := e.call("ResendConfirmationCode", map[string]string{"ClientId": e.iss.ClientID(), "Username": email}).ok(t)
	if !jsonEqual(r.body["CodeDeliveryDetails"], map[string]any{"Destination": "e***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}) {
		t.Errorf("ResendConfirmationCode = %s", r.raw)
	}
	msgs := e.mail(email)
	if len(msgs) != 2 || !msgs[1].SentAt.After(msgs[0].SentAt) || msgs[0].Code != code {
		t.Fatalf("mailbox = %+v, want two messages, newest last", msgs)
	}
	newCode := msgs[1].Code
	if newCode != code {
		// The old code died with the new one (unless they collide, 1 in 10^6).
		e.confirm(email, code).wantError(t, "CodeMismatchException", "")
	}
	e.confirm(email, newCode).ok(t)
	e.confirm(email, newCode).wantError(t, "NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")
	e.call("ResendConfirmationCode", map[string]string{"ClientId": e.iss.ClientID(), "Username": email}).
		wantError(t, "InvalidParameterException", "User is already confirmed.")
	e.signIn(email, goodPassword).ok(t)

	// Resending to an unknown user pretends to work and mails nobody.
	e.call("ResendConfirmationCode", map[string]string{"ClientId": e.iss.ClientID(), "Username": "ghost@example.com"}).ok(t)
	if got := e.mail("ghost@example.com"); len(got) != 0 {
		t.Errorf("mail to ghost: %+v", got)
	}
}

func TestSignInUnconfirmed(t *testing.T) {
	e := newEnv(t, Options{})
	e.signUp("frank@example.com", goodPassword).ok(t)
	e.signIn("frank@example.com", goodPassword).wantError(t, "UserNotConfirmedException", "User is not confirmed.")
	// A wrong password does not tell that the account exists.
	e.signIn("frank@example.com", "Wrong-Password-1").wantError(t, "NotAuthorizedException", "Incorrect username or password.")
}

func TestWrongPasswordAndUnknownUserLookAlike(t *testing.T) {
	e := newEnv(t, Options{})
	e.newUser("grace@example.com")
	wrongPassword := e.signIn("grace@example.com", "Wrong-Password-1")
	unknownUser := e.signIn("nobody@example.com", goodPassword)
	for _, a := range []answer{wrongPassword, unknownUser} {
		a.wantError(t, "NotAuthorizedException", "Incorrect username or password.")
	}
	if !bytes.Equal(wrongPassword.raw, unknownUser.raw) {
		t.Errorf("bodies differ: %s vs %s", wrongPassword.raw, unknownUser.raw)
	}
}

func TestRefreshAndRevoke(t *testing.T) {
	e := newEnv(t, Options{})
	sub, first := e.newUser("heidi@example.com")
	signedInAt := e.clock.Now()
	v := e.verifier(t, nil)

	e.clock.Advance(50 * time.Minute)
	r := e.refresh(first.RefreshToken).ok(t)
	if strings.Contains(string(r.raw), "RefreshToken") {
		t.Errorf("refresh answered a new refresh token: %s", r.raw)
	}
	second := r.tokens(t)
	if second.ExpiresIn != 3600 || second.TokenType != "Bearer" {
		t.Errorf("refresh result = %+v", second)
	}
	claims, err := v.Authenticate(authRequest(second.IdToken))
	if err != nil {
		t.Fatalf("refreshed ID token: %v", err)
	}
	c1, _ := unverifiedClaims(t, first.IdToken)
	c2, _ := unverifiedClaims(t, second.IdToken)
	if claims["sub"] != sub || c2["origin_jti"] != c1["origin_jti"] || c2["jti"] == c1["jti"] {
		t.Errorf("refreshed claims %v, first %v", c2, c1)
	}
	if got, want := claims["auth_time"], big.NewInt(signedInAt.Unix()).String(); got != want {
		t.Errorf("auth_time = %v, want the sign-in's %v", got, want)
	}
	if got, want := claims["iat"], e.clock.Now().UTC().Format(javaDate); got != want {
		t.Errorf("iat = %v, want %v", got, want)
	}

	// Access tokens can't be revoked, unknown refresh tokens can (silently).
	e.call("RevokeToken", map[string]string{"ClientId": e.iss.ClientID(), "Token": first.AccessToken}).
		wantError(t, "UnsupportedTokenTypeException", "")
	e.call("RevokeToken", map[string]string{"ClientId": e.iss.ClientID(), "Token": "not-a-token"}).ok(t)
	e.refresh(first.RefreshToken).ok(t)

	if a := e.call("RevokeToken", map[string]string{"ClientId": e.iss.ClientID(), "Token": first.RefreshToken}).ok(t); string(a.raw) != "{}" {
		t.Errorf("RevokeToken = %s, want {}", a.raw)
	}
	e.refresh(first.RefreshToken).wantError(t, "NotAuthorizedException", "Invalid Refresh Token")
	e.call("GetUser", map[string]string{"AccessToken": second.AccessToken}).
		wantError(t, "NotAuthorizedException", "Access Token has been revoked")
	e.refresh("made-up").wantError(t, "NotAuthorizedException", "Invalid Refresh Token")
	e.refresh("").wantError(t, "InvalidParameterException", "Missing required parameter REFRESH_TOKEN")

	// Refresh tokens last 30 days.
	third := e.signIn("heidi@example.com", goodPassword).ok(t).tokens(t)
	e.clock.Advance(29 * 24 * time.Hour)
	e.refresh(third.RefreshToken).ok(t)
	e.clock.Advance(24*time.Hour + time.Second)
	e.refresh(third.RefreshToken).wantError(t, "NotAuthorizedException", "")
}

func TestUnknownClientID(t *testing.T) {
	e := newEnv(t, Options{ClientID: "the-client"})
	for op, in := range map[string]map[string]any{
		"SignUp":                 {"ClientId": "other", "Username": "ivan@example.com", "Password": goodPassword},
		"ConfirmSignUp":          {"ClientId": "other", "Username": "ivan@example.com", "ConfirmationCode": "123456"},
		"ResendConfirmationCode": {"ClientId": "other", "Username": "ivan@example.com"},
		"RevokeToken":            {"ClientId": "other", "Token": "x"},
		"InitiateAuth": {"ClientId": "other", "AuthFlow": "USER_PASSWORD_AUTH",
			"AuthParameters": map[string]string{"USERNAME": "ivan@example.com", "PASSWORD": goodPassword}},
	} {
		e.call(op, in).wantError(t, "ResourceNotFoundException", "User pool client other does not exist.")
	}
	e.call("SignUp", map[string]any{"Username": "ivan@example.com", "Password": goodPassword}).
		wantError(t, "InvalidParameterException", "")
}

func TestInitiateAuthParameters(t *testing.T) {
	e := newEnv(t, Options{})
	auth := func(flow string, params map[string]string) answer {
		return e.call("InitiateAuth", map[string]any{"AuthFlow": flow, "ClientId": e.iss.ClientID(), "AuthParameters": params})
	}
	auth("USER_SRP_AUTH", map[string]string{"USERNAME": "a@example.com", "SRP_A": "1"}).wantError(t, "InvalidParameterException", "")
	auth("MAGIC", nil).wantError(t, "InvalidParameterException", "")
	auth("", nil).wantError(t, "InvalidParameterException", "")
	auth("USER_PASSWORD_AUTH", map[string]string{"PASSWORD": goodPassword}).
		wantError(t, "InvalidParameterException", "Missing required parameter USERNAME")
	auth("USER_PASSWORD_AUTH", map[string]string{"USERNAME": "a@example.com"}).
		wantError(t, "InvalidParameterException", "Missing required parameter PASSWORD")
}

func TestUnknownOperation(t *testing.T) {
	e := newEnv(t, Options{})
	for _, target := range []string{targetPrefix + "AdminCreateUser", targetPrefix + "signup", "SignUp", ""} {
		e.post(target, []byte(`{}`)).wantError(t, "UnknownOperationException", "")
	}
}

func TestMalformedJSON(t *testing.T) {
	e := newEnv(t, Options{})
	for _, body := range []string{`{`, ``, `[]`, `{"ClientId": 5}`, `{"Username": "a@example.com"} trailing`} {
		e.post(targetPrefix+"SignUp", []byte(body)).wantError(t, "SerializationException", "")
	}
	e.post(targetPrefix+"InitiateAuth", bytes.Repeat([]byte(" "), maxBodyBytes+1)).wantError(t, "SerializationException", "")
}

func TestCORS(t *testing.T) {
	e := newEnv(t, Options{})
	req, _ := http.NewRequest(http.MethodOptions, e.endpoint(), nil)
	req.Header.Set("Origin", "http://localhost:5173")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type,x-amz-target,x-amz-user-agent")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("preflight: %s, want 204", res.Status)
	}
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "http://localhost:5173" {
		t.Errorf("Allow-Origin = %q", got)
	}
	if got := res.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(got, "POST") || !strings.Contains(got, "OPTIONS") {
		t.Errorf("Allow-Methods = %q", got)
	}
	allowed := res.Header.Get("Access-Control-Allow-Headers")
	for _, h := range []string{"content-type", "x-amz-target", "x-amz-user-agent", "authorization"} {
		if !strings.Contains(allowed, h) {
			t.Errorf("Allow-Headers %q lacks %s", allowed, h)
		}
	}

	// Answers, errors included, carry CORS headers too, and expose the error type.
	a := e.post(targetPrefix+"Nope", []byte(`{}`))
	if a.header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" ||
		!strings.Contains(a.header.Get("Access-Control-Expose-Headers"), "x-amzn-ErrorType") {
		t.Errorf("error answer headers: %v", a.header)
	}
	res, err = http.Get(e.iss.JWKSURL()) // no Origin
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("JWKS Allow-Origin = %q, want *", got)
	}
}

func TestJWKS(t *testing.T) {
	e := newEnv(t, Options{PoolID: "eu-west-1_Local"})
	if want := e.srv.URL + "/cognito/eu-west-1_Local/.well-known/jwks.json"; e.iss.JWKSURL() != want {
		t.Fatalf("JWKSURL = %q, want %q", e.iss.JWKSURL(), want)
	}
	res, err := http.Get(e.iss.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var set jwkSet
	if err := json.NewDecoder(res.Body).Decode(&set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS: %v %+v", err, set)
	}
	k := set.Keys[0]
	if k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" || k.Kid == "" {
		t.Errorf("JWK = %+v", k)
	}
	pub, err := k.rsaKey()
	if err != nil || !pub.Equal(&testKey.PublicKey) {
		t.Errorf("JWK is not the signing key: %v", err)
	}
	_, tok := e.newUser("judy@example.com")
	if _, header := unverifiedClaims(t, tok.IdToken); header["kid"] != k.Kid {
		t.Errorf("token kid %v, JWKS kid %v", header["kid"], k.Kid)
	}

	// Mounted behind http.StripPrefix, the paths are the same.
	stripped := http.StripPrefix("/cognito", e.iss)
	rec := httptest.NewRecorder()
	stripped.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/cognito/eu-west-1_Local/.well-known/openid-configuration", nil))
	var conf map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &conf); err != nil || conf["jwks_uri"] != e.iss.JWKSURL() || conf["issuer"] != e.iss.IssuerURL() {
		t.Errorf("openid-configuration: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	e.iss.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/cognito/other_pool/.well-known/jwks.json", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("another pool's JWKS: %d, want 404", rec.Code)
	}
}

func newDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), pgtest.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func TestStatePersistsInTheDatabase(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	// The dev server's URL stays the same across restarts.
	const base = "http://127.0.0.1:8080/cognito/"
	first := newEnv(t, Options{BaseURL: base, DB: db})
	sub, tok := first.newUser("kate@example.com")
	first.srv.Close()

	// Secrets are kept as hashes only.
	var dump string
	if err := db.QueryRow(ctx, `SELECT concat((SELECT json_agg(u) FROM local.cognito_users u), (SELECT json_agg(r) FROM local.cognito_refresh_tokens r))`).Scan(&dump); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dump, "kate@example.com") {
		t.Fatalf("the user is not in the database: %s", dump)
	}
	for _, secret := range []string{goodPassword, tok.RefreshToken} {
		if strings.Contains(dump, secret) {
			t.Errorf("the database holds a secret in clear: %q", secret)
		}
	}

	second := newEnv(t, Options{BaseURL: base, DB: db})
	if second.iss.kid != first.iss.kid {
		t.Fatalf("the signing key changed across restarts: %s → %s", first.iss.kid, second.iss.kid)
	}
	// A token from before the restart passes, checked against the new server's JWKS.
	v := second.verifier(t, func(o *VerifierOptions) {
		o.JWKSURL = second.srv.URL + "/cognito/local_stratus/.well-known/jwks.json"
	})
	claims, err := v.Authenticate(authRequest(tok.IdToken))
	if err != nil || claims["sub"] != sub {
		t.Fatalf("old token after restart: %v %v", claims, err)
	}
	second.refresh(tok.RefreshToken).ok(t)
	second.signIn("kate@example.com", goodPassword).ok(t)
	if got := second.mail("kate@example.com"); len(got) != 1 {
		t.Errorf("mailbox after restart: %+v", got)
	}
	// A revocation is kept too.
	second.call("RevokeToken", map[string]any{"ClientId": second.iss.ClientID(), "Token": tok.RefreshToken}).ok(t)
	third := newEnv(t, Options{BaseURL: base, DB: db})
	third.refresh(tok.RefreshToken).wantError(t, "NotAuthorizedException", "Invalid Refresh Token")

	// A pool without the state has another key: the old token fails there.
	fresh := newEnv(t, Options{BaseURL: base, SigningKey: otherKey})
	v = fresh.verifier(t, func(o *VerifierOptions) {
		o.JWKSURL = fresh.srv.URL + "/cognito/local_stratus/.well-known/jwks.json"
	})
	if _, err := v.Authenticate(authRequest(tok.IdToken)); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("a token from another pool's key: %v, want ErrUnknownKey", err)
	}
	fresh.signIn("kate@example.com", goodPassword).wantError(t, "NotAuthorizedException", "")

	// A damaged key is an error, not a silent reset.
	if _, err := db.Exec(ctx, `UPDATE local.cognito_keys SET signing_key = 'not a key'`); err != nil {
		t.Fatal(err)
	}
	if _, err := NewIssuer(Options{BaseURL: base, DB: db, Logger: quietLogger()}); err == nil {
		t.Error("NewIssuer accepted a damaged signing key")
	}
}

// A change the database refuses is an InternalErrorException and is not made: the state in memory
// never runs ahead of what a restart would find.
func TestRefusedSaveChangesNothing(t *testing.T) {
	db := newDB(t)
	e := newEnv(t, Options{DB: db})
	if _, err := db.Exec(context.Background(), `ALTER TABLE local.cognito_users RENAME TO cognito_users_away`); err != nil {
		t.Fatal(err)
	}
	a := e.signUp("lena@example.com", goodPassword)
	if a.status != http.StatusInternalServerError || a.errType != "InternalErrorException" {
		t.Fatalf("sign-up with the users table gone: %d %s %s", a.status, a.errType, a.message)
	}
	if len(e.mail("lena@example.com")) != 0 {
		t.Error("a code was mailed for a sign-up that was not saved")
	}
	if _, err := db.Exec(context.Background(), `ALTER TABLE local.cognito_users_away RENAME TO cognito_users`); err != nil {
		t.Fatal(err)
	}
	e.signUp("lena@example.com", goodPassword).ok(t) // not UsernameExistsException
}

func TestNewIssuerOptions(t *testing.T) {
	for _, o := range []Options{
		{},
		{BaseURL: "/cognito/"},
		{BaseURL: "ftp://host/"},
		{BaseURL: "http://host/", PoolID: "bad/pool"},
		{BaseURL: "http://host/", Settings: func() Settings { s := testSettings(); s.AccessTokenTTL = time.Millisecond; return s }()},
		{BaseURL: "http://host/", Settings: func() Settings { s := testSettings(); s.MFA = "ON"; return s }()},
		{BaseURL: "http://host/", Settings: func() Settings {
			s := testSettings()
			s.MFA, s.EnabledMFAs = "OPTIONAL", []string{"SMS_MFA", "SOFTWARE_TOKEN_MFA"}
			return s
		}()},
		{BaseURL: "http://host/", Settings: Settings{MFA: "SOMETIMES"}},
	} {
		if _, err := NewIssuer(o); err == nil {
			t.Errorf("NewIssuer(%+v) accepted", o)
		}
	}
	iss, err := NewIssuer(Options{BaseURL: "http://host:8080/cognito/", SigningKey: testKey, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if iss.IssuerURL() != "http://host:8080/cognito/local_stratus" || iss.ClientID() != DefaultClientID || iss.PoolID() != DefaultPoolID {
		t.Errorf("defaults: %s %s %s", iss.IssuerURL(), iss.ClientID(), iss.PoolID())
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := hashPassword(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := hashPassword(goodPassword)
	if h == h2 || strings.Contains(h, goodPassword) {
		t.Errorf("hashes not salted or hold the password: %s %s", h, h2)
	}
	if !checkPassword(h, goodPassword) || checkPassword(h, goodPassword+"x") || checkPassword("garbage", goodPassword) {
		t.Error("checkPassword is wrong")
	}
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}
