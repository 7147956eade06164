package cognito

import (
	"strings"
	"testing"
	"time"
)

// enrolled signs a new user up in an MFA ON pool and enrols a TOTP authenticator: its secret.
func (e *env) enrolled(email string) (sub, secret string) {
	e.t.Helper()
	a := e.signUp(email, goodPassword).ok(e.t)
	sub, _ = a.body["UserSub"].(string)
	e.confirm(email, e.latestCode(email)).ok(e.t)
	session, _ := e.signIn(email, goodPassword).ok(e.t).body["Session"].(string)
	assoc := e.call("AssociateSoftwareToken", map[string]string{"Session": session}).ok(e.t)
	secret, _ = assoc.body["SecretCode"].(string)
	next, _ := assoc.body["Session"].(string)
	v := e.call("VerifySoftwareToken", map[string]string{"Session": next, "UserCode": code(e.t, secret, e.clock.Now())}).ok(e.t)
	final, _ := v.body["Session"].(string)
	e.call("RespondToAuthChallenge", map[string]any{"ChallengeName": "MFA_SETUP", "ClientId": e.iss.ClientID(), "Session": final,
		"ChallengeResponses": map[string]string{"USERNAME": email}}).ok(e.t)
	return sub, secret
}

func TestRespondToAuthChallengeParameters(t *testing.T) {
	e := newEnv(t, Options{Settings: poolWithMFA("ON")})
	sub, secret := e.enrolled("vera@example.com")
	session, _ := e.signIn("vera@example.com", goodPassword).ok(t).body["Session"].(string)
	respond := func(name, session string, responses map[string]string) answer {
		return e.call("RespondToAuthChallenge", map[string]any{"ChallengeName": name, "ClientId": e.iss.ClientID(),
			"Session": session, "ChallengeResponses": responses})
	}
	good := map[string]string{"USERNAME": sub, "SOFTWARE_TOKEN_MFA_CODE": code(t, secret, e.clock.Now().Add(30*time.Second))}

	respond("", session, good).wantError(t, "InvalidParameterException", "")
	respond("MAGIC", session, good).wantError(t, "InvalidParameterException", "")
	respond("NEW_PASSWORD_REQUIRED", session, good).wantError(t, "InvalidParameterException", "")
	respond("SOFTWARE_TOKEN_MFA", "", good).wantError(t, "InvalidParameterException", "Missing required parameter Session")
	respond("SOFTWARE_TOKEN_MFA", session, map[string]string{"SOFTWARE_TOKEN_MFA_CODE": "123456"}).
		wantError(t, "InvalidParameterException", "Missing required parameter USERNAME")
	respond("SOFTWARE_TOKEN_MFA", session, map[string]string{"USERNAME": sub}).
		wantError(t, "InvalidParameterException", "Missing required parameter SOFTWARE_TOKEN_MFA_CODE")
	respond("SOFTWARE_TOKEN_MFA", strings.Repeat("x", 40), good).wantError(t, "NotAuthorizedException", "Invalid session for the user.")
	// The session is another user's, or another challenge's.
	respond("SOFTWARE_TOKEN_MFA", session, map[string]string{"USERNAME": "someone@example.com", "SOFTWARE_TOKEN_MFA_CODE": good["SOFTWARE_TOKEN_MFA_CODE"]}).
		wantError(t, "NotAuthorizedException", "Invalid session for the user.")
	respond("MFA_SETUP", session, good).wantError(t, "NotAuthorizedException", "Invalid session for the user.")
	// None of that spent the session; the user name may be the email or USER_ID_FOR_SRP.
	a := respond("SOFTWARE_TOKEN_MFA", session, good).ok(t)
	if a.body["ChallengeName"] != nil || a.body["Session"] != nil {
		t.Errorf("tokens answered with a challenge: %s", a.raw)
	}

	// VerifySoftwareToken's UserCode is six digits.
	for _, bad := range []string{"", "12345", "1234567", "12345a"} {
		e.call("VerifySoftwareToken", map[string]string{"Session": session, "UserCode": bad}).wantError(t, "InvalidParameterException", "")
	}
	e.call("AssociateSoftwareToken", map[string]string{}).wantError(t, "InvalidParameterException", "")
}

func TestSettingsProblems(t *testing.T) {
	if p := DefaultSettings().problems(); len(p) != 0 {
		t.Errorf("DefaultSettings has problems: %v", p)
	}
	s := DefaultSettings()
	s.MFA, s.EnabledMFAs = "ON", []string{"SMS_MFA", "EMAIL_OTP"}
	s.Password.MinimumLength = 4
	s.AuthSessionTTL = time.Hour
	s.RecoveryMechanisms = []string{"admin_only", "verified_email"}
	got := strings.Join(s.problems(), "\n")
	for _, want := range []string{"EnabledMFAs has SMS_MFA", "EnabledMFAs has EMAIL_OTP", "MinimumLength 4",
		"AuthSessionTTL 1h0m0s", "admin_only with other"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
	if _, err := NewIssuer(Options{BaseURL: "http://host/", Settings: s}); err == nil || !strings.Contains(err.Error(), "SMS_MFA") {
		t.Errorf("NewIssuer: %v, want the SMS_MFA factor named", err)
	}
}

func TestAllowsFlow(t *testing.T) {
	for _, tc := range []struct {
		flows []string
		flow  string
		want  bool
	}{
		{[]string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}, "USER_PASSWORD_AUTH", true},
		{[]string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}, "REFRESH_TOKEN", true},
		{[]string{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}, "USER_PASSWORD_AUTH", false},
		{[]string{"ALLOW_USER_PASSWORD_AUTH"}, "REFRESH_TOKEN_AUTH", false},
		// The legacy names: refreshing is always allowed.
		{[]string{"USER_PASSWORD_AUTH"}, "USER_PASSWORD_AUTH", true},
		{[]string{"USER_PASSWORD_AUTH"}, "REFRESH_TOKEN_AUTH", true},
		{nil, "USER_PASSWORD_AUTH", false},
	} {
		if got := (Settings{AuthFlows: tc.flows}).allowsFlow(tc.flow); got != tc.want {
			t.Errorf("AuthFlows %v allow %s = %v, want %v", tc.flows, tc.flow, got, tc.want)
		}
	}
}

// Without PreventUserExistenceErrors the sign-up operations tell that a user does not exist.
func TestUserExistenceErrors(t *testing.T) {
	s := testSettings()
	s.PreventUserExistenceErrors = false
	e := newEnv(t, Options{Settings: s})
	e.confirm("nobody@example.com", "123456").wantError(t, "UserNotFoundException", "Username/client id combination not found.")
	e.call("ResendConfirmationCode", map[string]string{"ClientId": e.iss.ClientID(), "Username": "nobody@example.com"}).
		wantError(t, "UserNotFoundException", "Username/client id combination not found.")
	e.signIn("nobody@example.com", goodPassword).wantError(t, "UserNotFoundException", "User does not exist.")
}

// Enrolling a new authenticator from the account page: the old one works until the new one is
// verified, and not after.
func TestReplaceAuthenticator(t *testing.T) {
	e := newEnv(t, Options{Settings: poolWithMFA("ON")})
	const email = "wanda@example.com"
	sub, oldSecret := e.enrolled(email)
	signIn := func(secret string) answer {
		e.t.Helper()
		session, _ := e.signIn(email, goodPassword).ok(t).body["Session"].(string)
		e.clock.Advance(30 * time.Second)
		return e.call("RespondToAuthChallenge", map[string]any{"ChallengeName": "SOFTWARE_TOKEN_MFA", "ClientId": e.iss.ClientID(),
			"Session": session, "ChallengeResponses": map[string]string{"USERNAME": sub, "SOFTWARE_TOKEN_MFA_CODE": code(t, secret, e.clock.Now())}})
	}
	access := signIn(oldSecret).ok(t).tokens(t).AccessToken
	assoc := e.call("AssociateSoftwareToken", map[string]string{"AccessToken": access}).ok(t)
	newSecret, _ := assoc.body["SecretCode"].(string)
	if newSecret == oldSecret || assoc.body["Session"] != nil {
		t.Fatalf("AssociateSoftwareToken = %s", assoc.raw)
	}
	signIn(oldSecret).ok(t)
	e.call("VerifySoftwareToken", map[string]string{"AccessToken": access, "UserCode": code(t, newSecret, e.clock.Now()), "FriendlyDeviceName": "new phone"}).ok(t)
	signIn(oldSecret).wantError(t, "CodeMismatchException", "Invalid code received for user")
	if a := signIn(newSecret).ok(t); a.body["AuthenticationResult"] == nil {
		t.Errorf("sign-in with the new authenticator: %s", a.raw)
	}
	// Verifying again needs a new association.
	e.call("VerifySoftwareToken", map[string]string{"AccessToken": access, "UserCode": code(t, newSecret, e.clock.Now())}).
		wantError(t, "SoftwareTokenMFANotFoundException", "")
}
