package cognito

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
)

// TOTP as Cognito's authenticator apps compute it: RFC 6238 with HMAC-SHA1, 30-second steps and
// six digits, over a 160-bit secret handed out in base32 (RFC 4648, no padding: 32 characters).
// A code of the step before or after the current one is accepted too (one step of clock skew).
const (
	totpPeriod = 30
	totpSkew   = 1
)

// totpOpts are the code parameters (pquerna/otp).
var totpOpts = hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

type totpVerdict int

const (
	totpOK totpVerdict = iota
	totpMismatch
	totpUsed
)

// newTOTPSecret is a new random secret in base32.
func newTOTPSecret() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// checkTOTP checks code against secret at now: totpOK with the code's time step, totpMismatch,
// or totpUsed for a right code whose step is not after last, the step of the last code accepted
// (a code is good once: RFC 6238 section 5.2, and Cognito's "Your software token has already
// been used once.").
func checkTOTP(secret, code string, now time.Time, last int64) (int64, totpVerdict) {
	if secret == "" || len(code) != 6 {
		return 0, totpMismatch
	}
	current := now.Unix() / totpPeriod
	matched := false
	for step := current - totpSkew; step <= current+totpSkew; step++ {
		want, err := hotp.GenerateCodeCustom(secret, uint64(step), totpOpts)
		if err != nil || subtle.ConstantTimeCompare([]byte(want), []byte(code)) != 1 {
			continue
		}
		if step > last {
			return step, totpOK
		}
		matched = true
	}
	if matched {
		return 0, totpUsed
	}
	return 0, totpMismatch
}

// checkUserCode applies the API's constraints on VerifySoftwareToken's UserCode (six digits),
// with the validation message Cognito's front end answers.
func checkUserCode(code string) *apiError {
	if code == "" {
		return missing("userCode")
	}
	var problems []string
	if strings.Trim(code, "0123456789") != "" {
		problems = append(problems, fmt.Sprintf("Value '%s' at 'userCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+", code))
	}
	switch {
	case len(code) < 6:
		problems = append(problems, fmt.Sprintf("Value '%s' at 'userCode' failed to satisfy constraint: Member must have length greater than or equal to 6", code))
	case len(code) > 6:
		problems = append(problems, fmt.Sprintf("Value '%s' at 'userCode' failed to satisfy constraint: Member must have length less than or equal to 6", code))
	}
	switch len(problems) {
	case 0:
		return nil
	case 1:
		return invalidParameter("1 validation error detected: %s", problems[0])
	}
	return invalidParameter("%d validation errors detected: %s", len(problems), strings.Join(problems, "; "))
}

// mfaUser finds the user of a software-token operation, which takes an access token (a signed-in
// user enrolling from an account page) or the session of an MFA_SETUP challenge, not both. It
// returns the live user and the session (nil with a token); the caller holds i.mu.
func (i *Issuer) mfaUser(accessToken, sessionID string) (*user, *challenge, *apiError) {
	switch {
	case accessToken != "" && sessionID != "":
		return nil, nil, invalidParameter("Only one of AccessToken or Session may be given.")
	case accessToken == "" && sessionID == "":
		return nil, nil, invalidParameter("Missing required parameter AccessToken or Session")
	case accessToken != "":
		u, aerr := i.accessUser(accessToken)
		return u, nil, aerr
	}
	c, aerr := i.session(sessionID)
	if aerr != nil {
		return nil, nil, aerr
	}
	u := i.st.Users[c.username]
	if c.name != "MFA_SETUP" || u == nil {
		return nil, nil, errSessionInvalid()
	}
	return u, c, nil
}

// errNoTOTPPool is Cognito's answer when the pool does not offer TOTP MFA (documented in the
// developer guide's "TOTP software token MFA").
func errNoTOTPPool() *apiError {
	return badRequest("SoftwareTokenMFANotFoundException", "Software Token MFA has not been enabled by the userPool.")
}

// --- AssociateSoftwareToken ----------------------------------------------

// associateSoftwareToken hands the user a new secret. It replaces a secret associated before and
// not verified; a verified one stays in use until VerifySoftwareToken verifies the new one.
func (i *Issuer) associateSoftwareToken(ctx context.Context, body []byte) (any, *apiError) {
	in, aerr := decode[struct{ AccessToken, Session string }](body)
	if aerr != nil {
		return nil, aerr
	}
	if !i.opts.Settings.totpEnabled() {
		return nil, errNoTOTPPool()
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	u, c, aerr := i.mfaUser(in.AccessToken, in.Session)
	if aerr != nil {
		return nil, aerr
	}
	next := *u
	next.TOTPPending = newTOTPSecret()
	if err := i.store.saveUser(ctx, &next, nil); err != nil {
		return nil, i.internalError("associate software token", err)
	}
	*u = next
	out := struct {
		SecretCode string
		Session    string `json:",omitempty"`
	}{SecretCode: next.TOTPPending}
	if c != nil {
		i.spend(in.Session)
		out.Session = i.newSession(&challenge{name: c.name, username: c.username})
	}
	return out, nil
}

// --- VerifySoftwareToken -------------------------------------------------

// verifySoftwareToken verifies the associated secret with a code from the authenticator: it
// becomes the user's TOTP. In a pool with MFA ON it is enabled and preferred at once (the user
// cannot sign in without it); with MFA OPTIONAL the user turns it on with SetUserMFAPreference.
func (i *Issuer) verifySoftwareToken(ctx context.Context, body []byte) (any, *apiError) {
	in, aerr := decode[struct{ AccessToken, Session, UserCode, FriendlyDeviceName string }](body)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := checkUserCode(in.UserCode); aerr != nil {
		return nil, aerr
	}
	if !i.opts.Settings.totpEnabled() {
		return nil, errNoTOTPPool()
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	u, c, aerr := i.mfaUser(in.AccessToken, in.Session)
	if aerr != nil {
		return nil, aerr
	}
	if u.TOTPPending == "" {
		return nil, badRequest("SoftwareTokenMFANotFoundException", "Software Token MFA does not exist for the user.")
	}
	// A new secret: no code of it was used yet.
	step, verdict := checkTOTP(u.TOTPPending, in.UserCode, i.opts.Now(), -1)
	if verdict != totpOK {
		return nil, badRequest("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
	}
	next := *u
	next.TOTPSecret, next.TOTPPending, next.TOTPLastStep, next.TOTPDevice = u.TOTPPending, "", step, in.FriendlyDeviceName
	if i.opts.Settings.MFA == "ON" {
		next.TOTPEnabled, next.TOTPPreferred = true, true
	}
	if err := i.store.saveUser(ctx, &next, nil); err != nil {
		return nil, i.internalError("verify software token", err)
	}
	*u = next
	out := struct {
		Status  string
		Session string `json:",omitempty"`
	}{Status: "SUCCESS"}
	if c != nil {
		i.spend(in.Session)
		out.Session = i.newSession(&challenge{name: c.name, username: c.username, verified: true})
	}
	return out, nil
}

// --- SetUserMFAPreference ------------------------------------------------

type mfaSettings struct {
	Enabled      bool
	PreferredMfa bool
}

// setUserMFAPreference turns the user's TOTP on or off. Turning it on needs a verified
// authenticator. In a pool with MFA ON, turning it off answers success and changes nothing: the
// pool requires MFA all the same (what users of Cognito report; the API reference does not say).
func (i *Issuer) setUserMFAPreference(ctx context.Context, body []byte) (any, *apiError) {
	in, aerr := decode[struct {
		AccessToken              string
		SoftwareTokenMfaSettings *mfaSettings
		SMSMfaSettings           *mfaSettings
		EmailMfaSettings         *mfaSettings
		WebAuthnMfaSettings      *struct{ Enabled bool }
	}](body)
	if aerr != nil {
		return nil, aerr
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	u, aerr := i.accessUser(in.AccessToken)
	if aerr != nil {
		return nil, aerr
	}
	switch {
	case in.SMSMfaSettings != nil && (in.SMSMfaSettings.Enabled || in.SMSMfaSettings.PreferredMfa):
		return nil, invalidParameter("User does not have a phone_number set to turn on SMS MFA")
	case in.EmailMfaSettings != nil && (in.EmailMfaSettings.Enabled || in.EmailMfaSettings.PreferredMfa):
		return nil, invalidParameter("User does not have delivery config set to turn on EMAIL_OTP")
	case in.WebAuthnMfaSettings != nil && in.WebAuthnMfaSettings.Enabled:
		return nil, invalidParameter("Passkey MFA is not emulated by the local Cognito stand-in.")
	}
	s := in.SoftwareTokenMfaSettings
	if s == nil {
		return struct{}{}, nil
	}
	on := s.Enabled || s.PreferredMfa
	switch {
	case on && u.TOTPSecret == "" && u.TOTPPending != "":
		return nil, invalidParameter("User has not verified software token mfa")
	case on && u.TOTPSecret == "":
		return nil, invalidParameter("User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA")
	case on && !i.opts.Settings.totpEnabled():
		return nil, errNoTOTPPool()
	case !on && i.opts.Settings.MFA == "ON":
		return struct{}{}, nil
	}
	next := *u
	next.TOTPEnabled, next.TOTPPreferred = on, on && s.PreferredMfa
	if err := i.store.saveUser(ctx, &next, nil); err != nil {
		return nil, i.internalError("set MFA preference", err)
	}
	*u = next
	return struct{}{}, nil
}
