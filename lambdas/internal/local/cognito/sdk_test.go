package cognito

import (
	"context"
	"encoding/base32"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// These tests drive the stand-in with the real AWS SDK for Go v2 client, as an app would drive
// Cognito: every operation the web app calls, under a pool with MFA ON, OPTIONAL and OFF.

// sdk is a Cognito client of the env's Issuer: its endpoint, anonymous credentials (the user
// operations are unsigned in AWS too), no retries (an error is the answer under test).
type sdk struct {
	t   *testing.T
	e   *env
	c   *cip.Client
	ctx context.Context
}

func newSDK(t *testing.T, e *env) *sdk {
	t.Helper()
	c := cip.New(cip.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(e.endpoint()),
		Credentials:  aws.AnonymousCredentials{},
		Retryer:      aws.NopRetryer{},
		HTTPClient:   e.srv.Client(),
	})
	return &sdk{t: t, e: e, c: c, ctx: context.Background()}
}

func poolWithMFA(mfa string) Settings {
	s := testSettings()
	s.MFA = mfa
	if mfa != "OFF" {
		s.EnabledMFAs = []string{softwareTokenMFA}
	}
	return s
}

// must holds an SDK call's answer for ok: must(c.GetUser(...)).ok(t).
func must[T any](v T, err error) result[T] { return result[T]{v, err} }

type result[T any] struct {
	v   T
	err error
}

// ok fails the test on an error and returns the answer.
func (r result[T]) ok(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatalf("unexpected error: %v", r.err)
	}
	return r.v
}

// wantAPIError checks that the SDK deserialized err into the typed exception E (so that the
// stand-in's __type is one the SDK knows), with message when not "".
func wantAPIError[E error](t *testing.T, err error, message string) {
	t.Helper()
	var typed E
	var ae smithy.APIError
	if !errors.As(err, &typed) || !errors.As(err, &ae) {
		t.Fatalf("error = %v, want a %T", err, typed)
	}
	if message != "" && ae.ErrorMessage() != message {
		t.Errorf("%s message = %q, want %q", ae.ErrorCode(), ae.ErrorMessage(), message)
	}
}

// code is the TOTP an authenticator app shows for secret at t.
func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wrongCode is a six-digit code that no step within the skew accepts.
func wrongCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		if c != code(t, secret, at.Add(-30*time.Second)) && c != code(t, secret, at) && c != code(t, secret, at.Add(30*time.Second)) {
			return c
		}
	}
	t.Fatal("no wrong code")
	return ""
}

// signUp creates and confirms a user through the SDK, with the code from the mailbox.
func (s *sdk) signUp(email, password string) string {
	s.t.Helper()
	out := must(s.c.SignUp(s.ctx, &cip.SignUpInput{
		ClientId: aws.String(s.e.iss.ClientID()), Username: aws.String(email), Password: aws.String(password),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}},
	})).ok(s.t)
	must(s.c.ConfirmSignUp(s.ctx, &cip.ConfirmSignUpInput{
		ClientId: aws.String(s.e.iss.ClientID()), Username: aws.String(email), ConfirmationCode: aws.String(s.e.latestCode(email)),
	})).ok(s.t)
	return aws.ToString(out.UserSub)
}

func (s *sdk) signIn(email, password string) (*cip.InitiateAuthOutput, error) {
	return s.c.InitiateAuth(s.ctx, &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(s.e.iss.ClientID()),
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password},
	})
}

func (s *sdk) refresh(token string) (*cip.InitiateAuthOutput, error) {
	return s.c.InitiateAuth(s.ctx, &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: aws.String(s.e.iss.ClientID()),
		AuthParameters: map[string]string{"REFRESH_TOKEN": token},
	})
}

func (s *sdk) respondMFA(email, session, mfaCode string) (*cip.RespondToAuthChallengeOutput, error) {
	return s.c.RespondToAuthChallenge(s.ctx, &cip.RespondToAuthChallengeInput{
		ChallengeName: types.ChallengeNameTypeSoftwareTokenMfa, ClientId: aws.String(s.e.iss.ClientID()), Session: aws.String(session),
		ChallengeResponses: map[string]string{"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": mfaCode},
	})
}

func (s *sdk) getUser(access string) (*cip.GetUserOutput, error) {
	return s.c.GetUser(s.ctx, &cip.GetUserInput{AccessToken: aws.String(access)})
}

// wantTokens checks a successful sign-in's answer.
func wantTokens(t *testing.T, r *types.AuthenticationResultType, challenge types.ChallengeNameType, refresh bool) *types.AuthenticationResultType {
	t.Helper()
	if challenge != "" || r == nil || aws.ToString(r.AccessToken) == "" || aws.ToString(r.IdToken) == "" ||
		(aws.ToString(r.RefreshToken) != "") != refresh || r.ExpiresIn != 3600 || aws.ToString(r.TokenType) != "Bearer" {
		t.Fatalf("want tokens, got challenge %q, result %+v", challenge, r)
	}
	return r
}

// wantChallenge checks a sign-in answered with a challenge and returns its session.
func wantChallenge(t *testing.T, out *cip.InitiateAuthOutput, name types.ChallengeNameType, params map[string]string) string {
	t.Helper()
	if out.ChallengeName != name || out.AuthenticationResult != nil || len(aws.ToString(out.Session)) < 20 {
		t.Fatalf("want challenge %s with a session, got %q, session %q, result %+v", name, out.ChallengeName, aws.ToString(out.Session), out.AuthenticationResult)
	}
	if !jsonEqual(out.ChallengeParameters, params) {
		t.Errorf("ChallengeParameters = %v, want %v", out.ChallengeParameters, params)
	}
	return aws.ToString(out.Session)
}

func wantMFASettings(t *testing.T, u *cip.GetUserOutput, enabled bool) {
	t.Helper()
	want, preferred := []string(nil), ""
	if enabled {
		want, preferred = []string{softwareTokenMFA}, softwareTokenMFA
	}
	if !slices.Equal(u.UserMFASettingList, want) || aws.ToString(u.PreferredMfaSetting) != preferred {
		t.Errorf("GetUser MFA = %v / %q, want %v / %q", u.UserMFASettingList, aws.ToString(u.PreferredMfaSetting), want, preferred)
	}
}

// TestSDKMFARequired: a pool with MFA ON (Prod's). Sign-in asks to set up TOTP, then asks for
// codes; wrong, reused and late answers get Cognito's errors.
func TestSDKMFARequired(t *testing.T) {
	e := newEnv(t, Options{Settings: poolWithMFA("ON")})
	s := newSDK(t, e)
	const email = "olga@example.com"
	sub := s.signUp(email, goodPassword)

	// MFA_SETUP, as Cognito sends it: the factors one may set up, as a JSON array.
	session := wantChallenge(t, must(s.signIn(email, goodPassword)).ok(t), types.ChallengeNameTypeMfaSetup,
		map[string]string{"MFAS_CAN_SETUP": `["SOFTWARE_TOKEN_MFA"]`, "USER_ID_FOR_SRP": sub})
	// The setup cannot be skipped: the challenge's own session has not verified a token.
	_, err := s.c.RespondToAuthChallenge(s.ctx, &cip.RespondToAuthChallengeInput{
		ChallengeName: types.ChallengeNameTypeMfaSetup, ClientId: aws.String(e.iss.ClientID()), Session: aws.String(session),
		ChallengeResponses: map[string]string{"USERNAME": email},
	})
	wantAPIError[*types.NotAuthorizedException](t, err, "Invalid session for the user.")

	assoc := must(s.c.AssociateSoftwareToken(s.ctx, &cip.AssociateSoftwareTokenInput{Session: aws.String(session)})).ok(t)
	secret := aws.ToString(assoc.SecretCode)
	if raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret); err != nil || len(raw) != 20 {
		t.Fatalf("SecretCode %q is not a 160-bit base32 secret: %v", secret, err)
	}
	next := aws.ToString(assoc.Session)
	if len(next) < 20 || next == session {
		t.Fatalf("AssociateSoftwareToken Session = %q, want a new one", next)
	}
	// A replaced session is spent.
	_, err = s.c.AssociateSoftwareToken(s.ctx, &cip.AssociateSoftwareTokenInput{Session: aws.String(session)})
	wantAPIError[*types.NotAuthorizedException](t, err, "Invalid session for the user, session can only be used once.")

	now := e.clock.Now()
	_, err = s.c.VerifySoftwareToken(s.ctx, &cip.VerifySoftwareTokenInput{Session: aws.String(next), UserCode: aws.String(wrongCode(t, secret, now))})
	wantAPIError[*types.EnableSoftwareTokenMFAException](t, err, "Code mismatch and fail enable Software Token MFA")
	_, err = s.c.VerifySoftwareToken(s.ctx, &cip.VerifySoftwareTokenInput{Session: aws.String(next), UserCode: aws.String("12a45")})
	wantAPIError[*types.InvalidParameterException](t, err, "")
	enrolCode := code(t, secret, now)
	verified := must(s.c.VerifySoftwareToken(s.ctx, &cip.VerifySoftwareTokenInput{
		Session: aws.String(next), UserCode: aws.String(enrolCode), FriendlyDeviceName: aws.String("Olga's phone"),
	})).ok(t)
	if verified.Status != types.VerifySoftwareTokenResponseTypeSuccess || len(aws.ToString(verified.Session)) < 20 {
		t.Fatalf("VerifySoftwareToken = %q, session %q", verified.Status, aws.ToString(verified.Session))
	}
	setupSession := aws.ToString(verified.Session)
	done := must(s.c.RespondToAuthChallenge(s.ctx, &cip.RespondToAuthChallengeInput{
		ChallengeName: types.ChallengeNameTypeMfaSetup, ClientId: aws.String(e.iss.ClientID()), Session: aws.String(setupSession),
		ChallengeResponses: map[string]string{"USERNAME": email},
	})).ok(t)
	tok := wantTokens(t, done.AuthenticationResult, done.ChallengeName, true)
	_, err = s.c.RespondToAuthChallenge(s.ctx, &cip.RespondToAuthChallengeInput{
		ChallengeName: types.ChallengeNameTypeMfaSetup, ClientId: aws.String(e.iss.ClientID()), Session: aws.String(setupSession),
		ChallengeResponses: map[string]string{"USERNAME": email},
	})
	wantAPIError[*types.NotAuthorizedException](t, err, "Invalid session for the user, session can only be used once.")
	wantMFASettings(t, must(s.getUser(aws.ToString(tok.AccessToken))).ok(t), true)

	// Enrolled: every sign-in asks for a code.
	challenge := wantChallenge(t, must(s.signIn(email, goodPassword)).ok(t), types.ChallengeNameTypeSoftwareTokenMfa,
		map[string]string{"FRIENDLY_DEVICE_NAME": "Olga's phone", "USER_ID_FOR_SRP": sub})
	// The code that enrolled the authenticator was used once already.
	_, err = s.respondMFA(email, challenge, enrolCode)
	wantAPIError[*types.ExpiredCodeException](t, err, "Your software token has already been used once.")
	// A wrong code may be retried within the session.
	_, err = s.respondMFA(email, challenge, wrongCode(t, secret, now))
	wantAPIError[*types.CodeMismatchException](t, err, "Invalid code received for user")
	e.clock.Advance(30 * time.Second)
	signedIn := must(s.respondMFA(email, challenge, code(t, secret, e.clock.Now()))).ok(t)
	tok = wantTokens(t, signedIn.AuthenticationResult, signedIn.ChallengeName, true)
	_, err = s.respondMFA(email, challenge, code(t, secret, e.clock.Now().Add(30*time.Second)))
	wantAPIError[*types.NotAuthorizedException](t, err, "Invalid session for the user, session can only be used once.")

	// A session lasts the client's AuthSessionValidity (3 minutes here).
	challenge = wantChallenge(t, must(s.signIn(email, goodPassword)).ok(t), types.ChallengeNameTypeSoftwareTokenMfa,
		map[string]string{"FRIENDLY_DEVICE_NAME": "Olga's phone", "USER_ID_FOR_SRP": sub})
	e.clock.Advance(3*time.Minute + time.Second)
	_, err = s.respondMFA(email, challenge, code(t, secret, e.clock.Now()))
	wantAPIError[*types.NotAuthorizedException](t, err, "Invalid session for the user, session is expired.")

	// MFA cannot be turned off where the pool requires it: the call succeeds and changes nothing.
	must(s.c.SetUserMFAPreference(s.ctx, &cip.SetUserMFAPreferenceInput{
		AccessToken: tok.AccessToken, SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: false},
	})).ok(t)
	wantMFASettings(t, must(s.getUser(aws.ToString(tok.AccessToken))).ok(t), true)
	wantChallenge(t, must(s.signIn(email, goodPassword)).ok(t), types.ChallengeNameTypeSoftwareTokenMfa,
		map[string]string{"FRIENDLY_DEVICE_NAME": "Olga's phone", "USER_ID_FOR_SRP": sub})

	// A forgotten password: after the reset, MFA is still required.
	s.resetPassword(email, "New-Password-42")
	challenge = wantChallenge(t, must(s.signIn(email, "New-Password-42")).ok(t), types.ChallengeNameTypeSoftwareTokenMfa,
		map[string]string{"FRIENDLY_DEVICE_NAME": "Olga's phone", "USER_ID_FOR_SRP": sub})
	e.clock.Advance(30 * time.Second)
	signedIn = must(s.respondMFA(email, challenge, code(t, secret, e.clock.Now()))).ok(t)
	tok = wantTokens(t, signedIn.AuthenticationResult, signedIn.ChallengeName, true)

	s.changePasswordAndSignOut(email, "New-Password-42", tok)
}

// TestSDKMFAOptional: a pool with MFA OPTIONAL (Dev's): no challenge until the user enrols from
// the account page (with an access token) and turns TOTP on.
func TestSDKMFAOptional(t *testing.T) {
	e := newEnv(t, Options{Settings: poolWithMFA("OPTIONAL")})
	s := newSDK(t, e)
	const email = "pia@example.com"
	sub := s.signUp(email, goodPassword)
	out := must(s.signIn(email, goodPassword)).ok(t)
	tok := wantTokens(t, out.AuthenticationResult, out.ChallengeName, true)
	access := tok.AccessToken
	wantMFASettings(t, must(s.getUser(aws.ToString(access))).ok(t), false)

	// Turning TOTP on needs an authenticator, associated and verified.
	on := &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}
	_, err := s.c.SetUserMFAPreference(s.ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access, SoftwareTokenMfaSettings: on})
	wantAPIError[*types.InvalidParameterException](t, err, "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA")
	assoc := must(s.c.AssociateSoftwareToken(s.ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access})).ok(t)
	if assoc.Session != nil {
		t.Errorf("AssociateSoftwareToken with an access token answered a session %q", aws.ToString(assoc.Session))
	}
	secret := aws.ToString(assoc.SecretCode)
	_, err = s.c.SetUserMFAPreference(s.ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access, SoftwareTokenMfaSettings: on})
	wantAPIError[*types.InvalidParameterException](t, err, "User has not verified software token mfa")
	_, err = s.c.AssociateSoftwareToken(s.ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access, Session: aws.String(strings.Repeat("x", 30))})
	wantAPIError[*types.InvalidParameterException](t, err, "")
	v := must(s.c.VerifySoftwareToken(s.ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String(code(t, secret, e.clock.Now()))})).ok(t)
	if v.Status != types.VerifySoftwareTokenResponseTypeSuccess || v.Session != nil {
		t.Errorf("VerifySoftwareToken = %q, session %v", v.Status, v.Session)
	}
	// Verified but not turned on: still no challenge.
	wantMFASettings(t, must(s.getUser(aws.ToString(access))).ok(t), false)
	out = must(s.signIn(email, goodPassword)).ok(t)
	wantTokens(t, out.AuthenticationResult, out.ChallengeName, true)

	must(s.c.SetUserMFAPreference(s.ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access, SoftwareTokenMfaSettings: on})).ok(t)
	wantMFASettings(t, must(s.getUser(aws.ToString(access))).ok(t), true)
	challenge := wantChallenge(t, must(s.signIn(email, goodPassword)).ok(t), types.ChallengeNameTypeSoftwareTokenMfa,
		map[string]string{"USER_ID_FOR_SRP": sub})
	_, err = s.respondMFA(email, challenge, code(t, secret, e.clock.Now())) // the code that verified
	wantAPIError[*types.ExpiredCodeException](t, err, "Your software token has already been used once.")
	_, err = s.respondMFA(email, challenge, wrongCode(t, secret, e.clock.Now()))
	wantAPIError[*types.CodeMismatchException](t, err, "Invalid code received for user")
	// One step of clock skew: the next step's code is good now.
	done := must(s.respondMFA(email, challenge, code(t, secret, e.clock.Now().Add(30*time.Second)))).ok(t)
	tok = wantTokens(t, done.AuthenticationResult, done.ChallengeName, true)

	// Off again: no challenge.
	must(s.c.SetUserMFAPreference(s.ctx, &cip.SetUserMFAPreferenceInput{
		AccessToken: tok.AccessToken, SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: false},
	})).ok(t)
	wantMFASettings(t, must(s.getUser(aws.ToString(tok.AccessToken))).ok(t), false)
	out = must(s.signIn(email, goodPassword)).ok(t)
	tok = wantTokens(t, out.AuthenticationResult, out.ChallengeName, true)

	s.resetPassword(email, "New-Password-42")
	out = must(s.signIn(email, "New-Password-42")).ok(t)
	tok = wantTokens(t, out.AuthenticationResult, out.ChallengeName, true)
	s.changePasswordAndSignOut(email, "New-Password-42", tok)
}

// TestSDKMFAOff: a pool with MFA OFF: TOTP cannot even be associated.
func TestSDKMFAOff(t *testing.T) {
	e := newEnv(t, Options{Settings: poolWithMFA("OFF")})
	s := newSDK(t, e)
	const email = "quinn@example.com"
	s.signUp(email, goodPassword)
	out := must(s.signIn(email, goodPassword)).ok(t)
	tok := wantTokens(t, out.AuthenticationResult, out.ChallengeName, true)
	_, err := s.c.AssociateSoftwareToken(s.ctx, &cip.AssociateSoftwareTokenInput{AccessToken: tok.AccessToken})
	wantAPIError[*types.SoftwareTokenMFANotFoundException](t, err, "Software Token MFA has not been enabled by the userPool.")
	_, err = s.c.VerifySoftwareToken(s.ctx, &cip.VerifySoftwareTokenInput{AccessToken: tok.AccessToken, UserCode: aws.String("123456")})
	wantAPIError[*types.SoftwareTokenMFANotFoundException](t, err, "")
	_, err = s.c.SetUserMFAPreference(s.ctx, &cip.SetUserMFAPreferenceInput{
		AccessToken: tok.AccessToken, SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true},
	})
	wantAPIError[*types.InvalidParameterException](t, err, "")
	wantMFASettings(t, must(s.getUser(aws.ToString(tok.AccessToken))).ok(t), false)

	s.resetPassword(email, "New-Password-42")
	out = must(s.signIn(email, "New-Password-42")).ok(t)
	tok = wantTokens(t, out.AuthenticationResult, out.ChallengeName, true)
	s.changePasswordAndSignOut(email, "New-Password-42", tok)

	// An operation the stand-in does not implement answers as AWS does.
	_, err = s.c.AdminGetUser(s.ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.iss.PoolID()), Username: aws.String(email)})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "UnknownOperationException" {
		t.Errorf("AdminGetUser: %v, want UnknownOperationException", err)
	}
}

// resetPassword goes through ForgotPassword and ConfirmForgotPassword, checking a wrong code,
// a password against the policy and a reused code on the way.
func (s *sdk) resetPassword(email, password string) {
	t := s.t
	t.Helper()
	client := aws.String(s.e.iss.ClientID())
	before := len(s.e.mail(email))
	fp := must(s.c.ForgotPassword(s.ctx, &cip.ForgotPasswordInput{ClientId: client, Username: aws.String(email)})).ok(t)
	d := fp.CodeDeliveryDetails
	if d == nil || aws.ToString(d.Destination) != email[:1]+"***@e***" || d.DeliveryMedium != types.DeliveryMediumTypeEmail || aws.ToString(d.AttributeName) != "email" {
		t.Errorf("ForgotPassword CodeDeliveryDetails = %+v", d)
	}
	msgs := s.e.mail(email)
	if len(msgs) != before+1 || !strings.Contains(strings.ToLower(msgs[len(msgs)-1].Subject), "password reset") {
		t.Fatalf("mailbox after ForgotPassword: %+v", msgs)
	}
	resetCode := s.e.latestCode(email)
	wrong := "000000"
	if resetCode == wrong {
		wrong = "111111"
	}
	confirm := func(code, pw string) error {
		_, err := s.c.ConfirmForgotPassword(s.ctx, &cip.ConfirmForgotPasswordInput{
			ClientId: client, Username: aws.String(email), ConfirmationCode: aws.String(code), Password: aws.String(pw),
		})
		return err
	}
	wantAPIError[*types.CodeMismatchException](t, confirm(wrong, password), "Invalid verification code provided, please try again.")
	wantAPIError[*types.InvalidPasswordException](t, confirm(resetCode, "short"), "Password did not conform with policy: Password not long enough")
	if err := confirm(resetCode, password); err != nil {
		t.Fatalf("ConfirmForgotPassword: %v", err)
	}
	wantAPIError[*types.ExpiredCodeException](t, confirm(resetCode, password), "Invalid code provided, please request a code again.")
	_, err := s.signIn(email, goodPassword)
	wantAPIError[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
}

// changePasswordAndSignOut changes the password of a signed-in user, then signs out everywhere:
// the refresh tokens of every sign-in and the access tokens from before are refused.
func (s *sdk) changePasswordAndSignOut(email, password string, tok *types.AuthenticationResultType) {
	t := s.t
	t.Helper()
	_, err := s.c.ChangePassword(s.ctx, &cip.ChangePasswordInput{
		AccessToken: tok.AccessToken, PreviousPassword: aws.String("Not-The-Password-1"), ProposedPassword: aws.String("Changed-Password-7"),
	})
	wantAPIError[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	_, err = s.c.ChangePassword(s.ctx, &cip.ChangePasswordInput{
		AccessToken: tok.AccessToken, PreviousPassword: aws.String(password), ProposedPassword: aws.String("weak"),
	})
	wantAPIError[*types.InvalidPasswordException](t, err, "")
	must(s.c.ChangePassword(s.ctx, &cip.ChangePasswordInput{
		AccessToken: tok.AccessToken, PreviousPassword: aws.String(password), ProposedPassword: aws.String("Changed-Password-7"),
	})).ok(t)
	_, err = s.signIn(email, password)
	wantAPIError[*types.NotAuthorizedException](t, err, "Incorrect username or password.")

	// Another device's sign-in (MFA answered where the pool asks for it), refreshed once.
	other := s.completeSignIn(email, "Changed-Password-7")
	refreshed := must(s.refresh(aws.ToString(other.RefreshToken))).ok(t)
	wantTokens(t, refreshed.AuthenticationResult, refreshed.ChallengeName, false)

	// Signing out on this device revokes this refresh token only.
	must(s.c.RevokeToken(s.ctx, &cip.RevokeTokenInput{ClientId: aws.String(s.e.iss.ClientID()), Token: tok.RefreshToken})).ok(t)
	_, err = s.refresh(aws.ToString(tok.RefreshToken))
	wantAPIError[*types.NotAuthorizedException](t, err, "")
	must(s.getUser(aws.ToString(other.AccessToken))).ok(t)

	must(s.c.GlobalSignOut(s.ctx, &cip.GlobalSignOutInput{AccessToken: other.AccessToken})).ok(t)
	for _, access := range []*string{other.AccessToken, refreshed.AuthenticationResult.AccessToken} {
		_, err = s.getUser(aws.ToString(access))
		wantAPIError[*types.NotAuthorizedException](t, err, "Access Token has been revoked")
	}
	_, err = s.c.GlobalSignOut(s.ctx, &cip.GlobalSignOutInput{AccessToken: other.AccessToken})
	wantAPIError[*types.NotAuthorizedException](t, err, "Access Token has been revoked")
	_, err = s.refresh(aws.ToString(other.RefreshToken))
	wantAPIError[*types.NotAuthorizedException](t, err, "")
	// A new sign-in works.
	must(s.getUser(aws.ToString(s.completeSignIn(email, "Changed-Password-7").AccessToken))).ok(t)
}

// completeSignIn signs in, answering a TOTP challenge with the next step's code if there is one.
func (s *sdk) completeSignIn(email, password string) *types.AuthenticationResultType {
	t := s.t
	t.Helper()
	out := must(s.signIn(email, password)).ok(t)
	if out.ChallengeName == "" {
		return wantTokens(t, out.AuthenticationResult, "", true)
	}
	s.e.iss.mu.Lock()
	secret := s.e.iss.st.Users[strings.ToLower(email)].TOTPSecret
	s.e.iss.mu.Unlock()
	s.e.clock.Advance(30 * time.Second)
	r := must(s.respondMFA(email, aws.ToString(out.Session), code(t, secret, s.e.clock.Now()))).ok(t)
	return wantTokens(t, r.AuthenticationResult, r.ChallengeName, true)
}

// Wrong MFA codes count towards the sign-in lockout, and a right password does not clear them.
func TestSDKMFALockout(t *testing.T) {
	e := newEnv(t, Options{Settings: poolWithMFA("ON")})
	s := newSDK(t, e)
	const email = "rosa@example.com"
	s.signUp(email, goodPassword)
	session := aws.ToString(must(s.signIn(email, goodPassword)).ok(t).Session)
	assoc := must(s.c.AssociateSoftwareToken(s.ctx, &cip.AssociateSoftwareTokenInput{Session: aws.String(session)})).ok(t)
	secret := aws.ToString(assoc.SecretCode)
	must(s.c.VerifySoftwareToken(s.ctx, &cip.VerifySoftwareTokenInput{Session: assoc.Session, UserCode: aws.String(code(t, secret, e.clock.Now()))})).ok(t)

	wrong := wrongCode(t, secret, e.clock.Now())
	for n := range 5 {
		// Signing in again between the codes does not reset the count.
		challenge := aws.ToString(must(s.signIn(email, goodPassword)).ok(t).Session)
		_, err := s.respondMFA(email, challenge, wrong)
		wantAPIError[*types.CodeMismatchException](t, err, "")
		if n == 4 {
			_, err = s.respondMFA(email, challenge, code(t, secret, e.clock.Now().Add(30*time.Second)))
			wantAPIError[*types.NotAuthorizedException](t, err, "Password attempts exceeded")
		}
	}
	e.clock.Advance(time.Second)
	challenge := aws.ToString(must(s.signIn(email, goodPassword)).ok(t).Session)
	r := must(s.respondMFA(email, challenge, code(t, secret, e.clock.Now().Add(30*time.Second)))).ok(t)
	wantTokens(t, r.AuthenticationResult, r.ChallengeName, true)
}

// ForgotPassword: codes last an hour; requests and attempts are limited per user name; an unknown
// user gets the same answer when the client prevents user-existence errors, and an error when not.
func TestSDKForgotPassword(t *testing.T) {
	e := newEnv(t, Options{})
	s := newSDK(t, e)
	const email = "sara@example.com"
	s.signUp(email, goodPassword)
	client := aws.String(e.iss.ClientID())
	forgot := func(name string) (*cip.ForgotPasswordOutput, error) {
		return s.c.ForgotPassword(s.ctx, &cip.ForgotPasswordInput{ClientId: client, Username: aws.String(name)})
	}
	must(forgot(email)).ok(t)
	old := e.latestCode(email)
	e.clock.Advance(time.Hour + time.Second)
	_, err := s.c.ConfirmForgotPassword(s.ctx, &cip.ConfirmForgotPasswordInput{
		ClientId: client, Username: aws.String(email), ConfirmationCode: aws.String(old), Password: aws.String("New-Password-42"),
	})
	wantAPIError[*types.ExpiredCodeException](t, err, "Invalid code provided, please request a code again.")

	// One attempt so far in this hour (the confirmation; the first request is past it): four
	// more, then the limit.
	for range 4 {
		must(forgot(email)).ok(t)
	}
	_, err = forgot(email)
	wantAPIError[*types.LimitExceededException](t, err, "Attempt limit exceeded, please try after some time.")
	e.clock.Advance(time.Hour)
	must(forgot(email)).ok(t)

	known := must(forgot(email)).ok(t)
	unknown := must(forgot("sam@example.com")).ok(t)
	if aws.ToString(known.CodeDeliveryDetails.Destination) != "s***@e***" || !jsonEqual(known.CodeDeliveryDetails, unknown.CodeDeliveryDetails) {
		t.Errorf("known %+v, unknown %+v: want the same-looking answer", known.CodeDeliveryDetails, unknown.CodeDeliveryDetails)
	}
	if got := e.mail("sam@example.com"); len(got) != 0 {
		t.Errorf("mail to an unknown user: %+v", got)
	}
	_, err = s.c.ConfirmForgotPassword(s.ctx, &cip.ConfirmForgotPasswordInput{
		ClientId: client, Username: aws.String("sam@example.com"), ConfirmationCode: aws.String("123456"), Password: aws.String("New-Password-42"),
	})
	wantAPIError[*types.CodeMismatchException](t, err, "")

	// Without PreventUserExistenceErrors, Cognito tells.
	st := testSettings()
	st.PreventUserExistenceErrors = false
	e2 := newEnv(t, Options{Settings: st})
	s2 := newSDK(t, e2)
	_, err = s2.c.ForgotPassword(s2.ctx, &cip.ForgotPasswordInput{ClientId: aws.String(e2.iss.ClientID()), Username: aws.String("sam@example.com")})
	wantAPIError[*types.UserNotFoundException](t, err, "Username/client id combination not found.")
	_, err = s2.signIn("sam@example.com", goodPassword)
	wantAPIError[*types.UserNotFoundException](t, err, "User does not exist.")

	// Recovery by email only where the pool allows it.
	st = testSettings()
	st.RecoveryMechanisms = []string{"admin_only"}
	e3 := newEnv(t, Options{Settings: st})
	s3 := newSDK(t, e3)
	s3.signUp(email, goodPassword)
	_, err = s3.c.ForgotPassword(s3.ctx, &cip.ForgotPasswordInput{ClientId: aws.String(e3.iss.ClientID()), Username: aws.String(email)})
	wantAPIError[*types.InvalidParameterException](t, err, "Cannot reset password for the user as there is no registered/verified email or phone_number")
}

// The client's settings: explicit auth flows, token validities, password policy.
func TestSDKClientSettings(t *testing.T) {
	st := testSettings()
	st.AuthFlows = []string{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
	e := newEnv(t, Options{Settings: st})
	s := newSDK(t, e)
	_, err := s.signIn("tara@example.com", goodPassword)
	wantAPIError[*types.InvalidParameterException](t, err, "USER_PASSWORD_AUTH flow not enabled for this client")

	st = testSettings()
	st.AuthFlows = []string{"ALLOW_USER_PASSWORD_AUTH"}
	st.AccessTokenTTL, st.IDTokenTTL, st.RefreshTokenTTL = 5*time.Minute, 10*time.Minute, 2*time.Hour
	st.Password = PasswordPolicy{MinimumLength: 6}
	e = newEnv(t, Options{Settings: st})
	s = newSDK(t, e)
	s.signUp("tara@example.com", "simple")
	out := must(s.signIn("tara@example.com", "simple")).ok(t)
	r := out.AuthenticationResult
	if r.ExpiresIn != 300 {
		t.Errorf("ExpiresIn = %d, want 300", r.ExpiresIn)
	}
	now := e.clock.Now().Unix()
	idc, _ := unverifiedClaims(t, aws.ToString(r.IdToken))
	ac, _ := unverifiedClaims(t, aws.ToString(r.AccessToken))
	if idc["exp"] != float64(now+600) || ac["exp"] != float64(now+300) {
		t.Errorf("exp: id %v, access %v; want %d and %d", idc["exp"], ac["exp"], now+600, now+300)
	}
	_, err = s.refresh(aws.ToString(r.RefreshToken))
	wantAPIError[*types.InvalidParameterException](t, err, "REFRESH_TOKEN_AUTH flow not enabled for this client")

	st.AuthFlows = append(st.AuthFlows, "ALLOW_REFRESH_TOKEN_AUTH")
	st.TokenRevocation = false
	e = newEnv(t, Options{Settings: st})
	s = newSDK(t, e)
	s.signUp("tara@example.com", "simple")
	r = must(s.signIn("tara@example.com", "simple")).ok(t).AuthenticationResult
	e.clock.Advance(2*time.Hour + time.Second)
	_, err = s.refresh(aws.ToString(r.RefreshToken))
	wantAPIError[*types.NotAuthorizedException](t, err, "Refresh Token has expired")
	_, err = s.c.RevokeToken(s.ctx, &cip.RevokeTokenInput{ClientId: aws.String(e.iss.ClientID()), Token: r.RefreshToken})
	wantAPIError[*types.UnsupportedOperationException](t, err, "")
}

// What must survive a restart of the dev server does: the TOTP enrolment, the last code used,
// the MFA preference and an unused reset code. A data folder from before these columns works.
func TestMFAStatePersists(t *testing.T) {
	db := newDB(t)
	const base = "http://127.0.0.1:8080/cognito/"
	first := newEnv(t, Options{BaseURL: base, DB: db, Settings: poolWithMFA("OPTIONAL")})
	s := newSDK(t, first)
	const email = "uma@example.com"
	s.signUp(email, goodPassword)
	tok := must(s.signIn(email, goodPassword)).ok(t).AuthenticationResult
	secret := aws.ToString(must(s.c.AssociateSoftwareToken(s.ctx, &cip.AssociateSoftwareTokenInput{AccessToken: tok.AccessToken})).ok(t).SecretCode)
	used := code(t, secret, first.clock.Now())
	must(s.c.VerifySoftwareToken(s.ctx, &cip.VerifySoftwareTokenInput{AccessToken: tok.AccessToken, UserCode: aws.String(used)})).ok(t)
	must(s.c.SetUserMFAPreference(s.ctx, &cip.SetUserMFAPreferenceInput{
		AccessToken: tok.AccessToken, SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true},
	})).ok(t)
	must(s.c.ForgotPassword(s.ctx, &cip.ForgotPasswordInput{ClientId: aws.String(first.iss.ClientID()), Username: aws.String(email)})).ok(t)
	resetCode := first.latestCode(email)
	first.srv.Close()

	second := newEnv(t, Options{BaseURL: base, DB: db, Settings: poolWithMFA("OPTIONAL")})
	second.clock.Advance(first.clock.Now().Sub(second.clock.Now()))
	s = newSDK(t, second)
	must(s.c.ConfirmForgotPassword(s.ctx, &cip.ConfirmForgotPasswordInput{
		ClientId: aws.String(second.iss.ClientID()), Username: aws.String(email), ConfirmationCode: aws.String(resetCode), Password: aws.String("New-Password-42"),
	})).ok(t)
	challenge := aws.ToString(must(s.signIn(email, "New-Password-42")).ok(t).Session)
	_, err := s.respondMFA(email, challenge, used)
	wantAPIError[*types.ExpiredCodeException](t, err, "")
	r := must(s.respondMFA(email, challenge, code(t, secret, second.clock.Now().Add(30*time.Second)))).ok(t)
	wantMFASettings(t, must(s.getUser(aws.ToString(r.AuthenticationResult.AccessToken))).ok(t), true)

	// A data folder whose table predates the MFA columns: NewIssuer adds them.
	ctx := context.Background()
	if _, err := db.Exec(ctx, `ALTER TABLE local.cognito_users DROP COLUMN totp_secret, DROP COLUMN totp_pending,
		DROP COLUMN totp_enabled, DROP COLUMN totp_preferred, DROP COLUMN totp_device, DROP COLUMN totp_last_step,
		DROP COLUMN reset_code, DROP COLUMN reset_sent_at, DROP COLUMN reset_used`); err != nil {
		t.Fatal(err)
	}
	third := newEnv(t, Options{BaseURL: base, DB: db, Settings: poolWithMFA("OPTIONAL")})
	s = newSDK(t, third)
	out := must(s.signIn(email, "New-Password-42")).ok(t)
	wantTokens(t, out.AuthenticationResult, out.ChallengeName, true) // the enrolment went with the columns
}
