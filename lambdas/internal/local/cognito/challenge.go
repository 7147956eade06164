package cognito

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Challenge sessions. Cognito answers a password sign-in that needs MFA with a challenge and an
// opaque Session; the client answers with RespondToAuthChallenge (or, to enrol, goes through
// AssociateSoftwareToken and VerifySoftwareToken, each of which answers a new Session). Each
// session lasts the client's AuthSessionValidity (Settings.AuthSessionTTL) from when it was
// issued. A session that was answered, or replaced by a newer one, is spent: Cognito's
// "session can only be used once". A wrong code answers an error and leaves the session as it
// was, so the user may try again within it; wrong codes count towards the user's sign-in lockout
// (Cognito: "After five unsuccessful attempts to present an MFA code, Amazon Cognito begins the
// exponential-timeout lockout process").

// challenge is an open challenge session.
type challenge struct {
	name     string // MFA_SETUP or SOFTWARE_TOKEN_MFA
	username string // the user's key (lower-cased email)
	// verified is set on the session VerifySoftwareToken answers in an MFA_SETUP: the one that
	// RespondToAuthChallenge(MFA_SETUP) completes the sign-in with.
	verified bool
	expires  time.Time
}

// Cognito's messages for a session it cannot take.
var (
	errSessionExpired = func() *apiError { return notAuthorized("Invalid session for the user, session is expired.") }
	errSessionSpent   = func() *apiError { return notAuthorized("Invalid session for the user, session can only be used once.") }
	errSessionInvalid = func() *apiError { return notAuthorized("Invalid session for the user.") }
)

// challengeNames are Cognito's ChallengeNameType values.
var challengeNames = []string{
	"SMS_MFA", "EMAIL_OTP", "SOFTWARE_TOKEN_MFA", "SELECT_MFA_TYPE", "MFA_SETUP", "PASSWORD_VERIFIER",
	"CUSTOM_CHALLENGE", "SELECT_CHALLENGE", "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER", "ADMIN_NO_SRP_AUTH",
	"NEW_PASSWORD_REQUIRED", "SMS_OTP", "PASSWORD", "WEB_AUTHN", "PASSWORD_SRP",
}

// mfaChallenge is the challenge a right password of u leads to, "" for none: with MFA ON,
// MFA_SETUP until u has verified a TOTP authenticator and SOFTWARE_TOKEN_MFA after; with MFA
// OPTIONAL, SOFTWARE_TOKEN_MFA once u verified one and enabled it (SetUserMFAPreference).
func (i *Issuer) mfaChallenge(u *user) string {
	st := i.opts.Settings
	if !st.totpEnabled() {
		return ""
	}
	switch {
	case st.MFA == "ON" && u.TOTPSecret == "":
		return "MFA_SETUP"
	case st.MFA == "ON", u.TOTPSecret != "" && u.TOTPEnabled:
		return softwareTokenMFA
	}
	return ""
}

// startChallenge answers a password sign-in of u with challenge name and a new session, with the
// ChallengeParameters Cognito sends: MFAS_CAN_SETUP (a JSON array of the factors the user may
// set up) for MFA_SETUP, FRIENDLY_DEVICE_NAME (the name given to VerifySoftwareToken, when one
// was) for SOFTWARE_TOKEN_MFA, and USER_ID_FOR_SRP (the user name, here the sub) with either.
func (i *Issuer) startChallenge(u *user, name string) authOutput {
	params := map[string]string{"USER_ID_FOR_SRP": u.Sub}
	switch name {
	case "MFA_SETUP":
		can, _ := json.Marshal([]string{softwareTokenMFA})
		params["MFAS_CAN_SETUP"] = string(can)
	case softwareTokenMFA:
		if u.TOTPDevice != "" {
			params["FRIENDLY_DEVICE_NAME"] = u.TOTPDevice
		}
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	id := i.newSession(&challenge{name: name, username: strings.ToLower(u.Email)})
	return authOutput{ChallengeName: name, ChallengeParameters: params, Session: id}
}

// newSession opens a session for c, valid for the client's AuthSessionValidity; the caller
// holds i.mu.
func (i *Issuer) newSession(c *challenge) string {
	now := i.opts.Now()
	for id, old := range i.challenges {
		if now.After(old.expires) {
			delete(i.challenges, id)
		}
	}
	for id, until := range i.spent {
		if now.After(until) {
			delete(i.spent, id)
		}
	}
	c.expires = now.Add(i.opts.Settings.AuthSessionTTL)
	// Cognito's sessions are long opaque strings (the API takes 20 to 2048 characters).
	id := newRefreshToken() + newRefreshToken()
	i.challenges[id] = c
	return id
}

// session finds an open session; the caller holds i.mu.
func (i *Issuer) session(id string) (*challenge, *apiError) {
	if _, ok := i.spent[id]; ok {
		return nil, errSessionSpent()
	}
	c := i.challenges[id]
	switch {
	case c == nil:
		return nil, errSessionInvalid()
	case i.opts.Now().After(c.expires):
		return nil, errSessionExpired()
	}
	return c, nil
}

// spend closes a session: using it again is "session can only be used once". The caller
// holds i.mu.
func (i *Issuer) spend(id string) {
	if c := i.challenges[id]; c != nil {
		i.spent[id] = c.expires
		delete(i.challenges, id)
	}
}

// --- RespondToAuthChallenge ----------------------------------------------

func (i *Issuer) respondToAuthChallenge(ctx context.Context, body []byte) (any, *apiError) {
	in, aerr := decode[struct {
		ChallengeName      string
		ClientId           string
		ChallengeResponses map[string]string
		Session            string
	}](body)
	if aerr != nil {
		return nil, aerr
	}
	if in.ChallengeName == "" {
		return nil, missing("challengeName")
	}
	if aerr := i.checkClient(in.ClientId); aerr != nil {
		return nil, aerr
	}
	if !slices.Contains(challengeNames, in.ChallengeName) {
		return nil, invalidParameter("1 validation error detected: Value '%s' at 'challengeName' failed to satisfy constraint: Member must satisfy enum value set: [%s]",
			in.ChallengeName, strings.Join(challengeNames, ", "))
	}
	if in.ChallengeName != "MFA_SETUP" && in.ChallengeName != softwareTokenMFA {
		return nil, invalidParameter("Challenge %s is not supported by the local Cognito stand-in: it issues only MFA_SETUP and SOFTWARE_TOKEN_MFA.", in.ChallengeName)
	}
	if in.Session == "" {
		return nil, invalidParameter("Missing required parameter Session")
	}
	username := in.ChallengeResponses["USERNAME"]
	if username == "" {
		return nil, invalidParameter("Missing required parameter USERNAME")
	}
	code := in.ChallengeResponses["SOFTWARE_TOKEN_MFA_CODE"]
	if in.ChallengeName == softwareTokenMFA && code == "" {
		return nil, invalidParameter("Missing required parameter SOFTWARE_TOKEN_MFA_CODE")
	}

	i.mu.Lock()
	c, aerr := i.session(in.Session)
	if aerr != nil {
		i.mu.Unlock()
		return nil, aerr
	}
	u := i.st.Users[c.username]
	if c.name != in.ChallengeName || u == nil || !(strings.EqualFold(username, u.Email) || username == u.Sub) {
		i.mu.Unlock()
		return nil, errSessionInvalid()
	}
	if aerr := i.throttle.lockedOut(u.Email); aerr != nil {
		i.mu.Unlock()
		return nil, aerr
	}
	switch in.ChallengeName {
	case softwareTokenMFA:
		step, verdict := checkTOTP(u.TOTPSecret, code, i.opts.Now(), u.TOTPLastStep)
		switch verdict {
		case totpMismatch:
			i.mu.Unlock()
			i.throttle.record(u.Email, false)
			return nil, badRequest("CodeMismatchException", "Invalid code received for user")
		case totpUsed:
			i.mu.Unlock()
			return nil, badRequest("ExpiredCodeException", "Your software token has already been used once.")
		}
		next := *u
		next.TOTPLastStep = step
		if err := i.store.saveUser(ctx, &next, nil); err != nil {
			i.mu.Unlock()
			return nil, i.internalError("MFA sign-in", err)
		}
		*u = next
	case "MFA_SETUP":
		// The session must be the one VerifySoftwareToken answered.
		if !c.verified {
			i.mu.Unlock()
			return nil, errSessionInvalid()
		}
	}
	i.spend(in.Session)
	signedIn := *u
	i.mu.Unlock()
	i.throttle.record(signedIn.Email, true)
	return i.signIn(ctx, &signedIn)
}
