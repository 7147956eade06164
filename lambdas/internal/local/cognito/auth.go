package cognito

import (
	"context"
	"slices"
	"strings"
	"time"
)

// --- InitiateAuth --------------------------------------------------------

type authResult struct {
	AccessToken  string
	IdToken      string
	RefreshToken string `json:",omitempty"`
	ExpiresIn    int64
	TokenType    string
}

// authOutput is the answer of InitiateAuth and RespondToAuthChallenge: tokens, or the next
// challenge with its session.
type authOutput struct {
	AuthenticationResult *authResult `json:",omitempty"`
	ChallengeName        string      `json:",omitempty"`
	ChallengeParameters  map[string]string
	Session              string `json:",omitempty"`
}

var authFlows = []string{
	"USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN", "CUSTOM_AUTH",
	"ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "USER_AUTH",
}

func (i *Issuer) initiateAuth(ctx context.Context, body []byte) (any, *apiError) {
	in, aerr := decode[struct {
		AuthFlow       string
		ClientId       string
		AuthParameters map[string]string
	}](body)
	if aerr != nil {
		return nil, aerr
	}
	if in.AuthFlow == "" {
		return nil, missing("authFlow")
	}
	if aerr := i.checkClient(in.ClientId); aerr != nil {
		return nil, aerr
	}
	if !slices.Contains(authFlows, in.AuthFlow) {
		return nil, invalidParameter("1 validation error detected: Value '%s' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [%s]",
			in.AuthFlow, strings.Join(authFlows, ", "))
	}
	// The client's ExplicitAuthFlows, with Cognito's message for a flow it does not allow.
	if !i.opts.Settings.allowsFlow(in.AuthFlow) {
		flow := in.AuthFlow
		if flow == "REFRESH_TOKEN" {
			flow = "REFRESH_TOKEN_AUTH"
		}
		return nil, invalidParameter("%s flow not enabled for this client", flow)
	}
	switch in.AuthFlow {
	case "USER_PASSWORD_AUTH":
		return i.passwordAuth(ctx, in.AuthParameters)
	case "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
		return i.refreshAuth(in.AuthParameters, in.ClientId)
	}
	return nil, invalidParameter("Auth flow %s is not supported by the local Cognito stand-in: use USER_PASSWORD_AUTH or REFRESH_TOKEN_AUTH.", in.AuthFlow)
}

func (i *Issuer) passwordAuth(ctx context.Context, params map[string]string) (any, *apiError) {
	username, password := params["USERNAME"], params["PASSWORD"]
	switch {
	case username == "":
		return nil, invalidParameter("Missing required parameter USERNAME")
	case password == "":
		return nil, invalidParameter("Missing required parameter PASSWORD")
	}
	wrong := notAuthorized("Incorrect username or password.")
	// As Cognito: a locked-out name is refused before anything else, then the pool's rate.
	if aerr := i.throttle.lockedOut(username); aerr != nil {
		return nil, aerr
	}
	if aerr := i.throttle.allowPasswordCheck(); aerr != nil {
		return nil, aerr
	}

	i.mu.Lock()
	var u *user
	hash := i.dummyHash
	if found := i.st.Users[strings.ToLower(username)]; found != nil {
		copied := *found
		u, hash = &copied, found.PasswordHash
	}
	i.mu.Unlock()
	// Hash either way: a missing user takes as long as a wrong password.
	ok := checkPassword(hash, password) && u != nil
	challenge := ""
	if ok {
		challenge = i.mfaChallenge(u)
	}
	// Unknown names count too, so that a lockout tells nothing about who has an account. A right
	// password that leads to an MFA challenge clears nothing: the sign-in has not succeeded yet,
	// and wrong MFA codes count towards the same lockout.
	if !ok || challenge == "" {
		i.throttle.record(username, ok)
	}
	switch {
	case u == nil && !i.opts.Settings.PreventUserExistenceErrors:
		return nil, badRequest("UserNotFoundException", "User does not exist.")
	case u == nil || !ok:
		return nil, wrong
	case !u.Confirmed:
		return nil, badRequest("UserNotConfirmedException", "User is not confirmed.")
	case challenge != "":
		return i.startChallenge(u, challenge), nil
	}
	return i.signIn(ctx, u)
}

// signIn ends a successful sign-in of u: a new refresh token, and ID and access tokens.
func (i *Issuer) signIn(ctx context.Context, u *user) (authOutput, *apiError) {
	now := i.opts.Now()
	s := session{originJTI: newID(), authTime: now.Unix()}
	refresh := newRefreshToken()
	rt := &refreshToken{
		Sub: u.Sub, ClientID: i.opts.ClientID, OriginJTI: s.originJTI, AuthTime: s.authTime,
		ExpiresAt: now.Add(i.opts.Settings.RefreshTokenTTL).UTC(),
	}
	if err := i.store.saveToken(ctx, tokenHash(refresh), rt); err != nil {
		return authOutput{}, i.internalError("sign-in", err)
	}
	i.mu.Lock()
	i.st.RefreshTokens[tokenHash(refresh)] = rt
	i.st.prune(now)
	i.mu.Unlock()
	return i.authenticated(u, s, now, refresh)
}

// authenticated answers a successful sign-in with new ID and access tokens for u (and refresh,
// "" when refreshing: Cognito does not rotate refresh tokens by default).
func (i *Issuer) authenticated(u *user, s session, now time.Time, refresh string) (authOutput, *apiError) {
	idToken, accessToken, err := i.mintTokens(u, s, now)
	if err != nil {
		return authOutput{}, internalError(err)
	}
	return authOutput{
		AuthenticationResult: &authResult{
			AccessToken: accessToken, IdToken: idToken, RefreshToken: refresh,
			ExpiresIn: int64(i.opts.Settings.AccessTokenTTL / time.Second), TokenType: "Bearer",
		},
		ChallengeParameters: map[string]string{},
	}, nil
}

func (i *Issuer) refreshAuth(params map[string]string, clientID string) (any, *apiError) {
	token := params["REFRESH_TOKEN"]
	if token == "" {
		return nil, invalidParameter("Missing required parameter REFRESH_TOKEN")
	}
	invalid := notAuthorized("Invalid Refresh Token")
	now := i.opts.Now()

	i.mu.Lock()
	rt := i.st.RefreshTokens[tokenHash(token)]
	var u *user
	if rt != nil {
		copied := *rt
		rt = &copied
		if found := i.userBySub(rt.Sub); found != nil {
			uc := *found
			u = &uc
		}
	}
	i.mu.Unlock()
	switch {
	case rt == nil, rt.Revoked, rt.ClientID != clientID, u == nil, !u.Confirmed:
		return nil, invalid
	case now.After(rt.ExpiresAt):
		return nil, notAuthorized("Refresh Token has expired")
	}
	out, aerr := i.authenticated(u, session{originJTI: rt.OriginJTI, authTime: rt.AuthTime}, now, "")
	if aerr != nil {
		return nil, aerr
	}
	return out, nil
}

// userBySub finds a user by sub; the caller holds i.mu.
func (i *Issuer) userBySub(sub string) *user {
	for _, u := range i.st.Users {
		if u.Sub == sub {
			return u
		}
	}
	return nil
}

// --- RevokeToken and GetUser ---------------------------------------------

func (i *Issuer) revokeToken(ctx context.Context, body []byte) (any, *apiError) {
	in, aerr := decode[struct {
		ClientId string
		Token    string
	}](body)
	if aerr != nil {
		return nil, aerr
	}
	if in.Token == "" {
		return nil, missing("token")
	}
	if aerr := i.checkClient(in.ClientId); aerr != nil {
		return nil, aerr
	}
	if !i.opts.Settings.TokenRevocation {
		return nil, badRequest("UnsupportedOperationException", "Token revocation is not enabled for this app client.")
	}
	if strings.Count(in.Token, ".") == 2 && strings.HasPrefix(in.Token, "eyJ") {
		return nil, badRequest("UnsupportedTokenTypeException", "Only refresh tokens can be revoked.")
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	// Unknown tokens are not an error (RFC 7009).
	if rt := i.st.RefreshTokens[tokenHash(in.Token)]; rt != nil && rt.ClientID == in.ClientId && !rt.Revoked {
		next := *rt
		next.Revoked = true
		if err := i.store.saveToken(ctx, tokenHash(in.Token), &next); err != nil {
			return nil, i.internalError("revoke", err)
		}
		*rt = next
	}
	return struct{}{}, nil
}

func (i *Issuer) getUser(_ context.Context, body []byte) (any, *apiError) {
	in, aerr := decode[struct{ AccessToken string }](body)
	if aerr != nil {
		return nil, aerr
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	u, aerr := i.accessUser(in.AccessToken)
	if aerr != nil {
		return nil, aerr
	}
	out := struct {
		Username            string
		UserAttributes      []attribute
		UserMFASettingList  []string `json:",omitempty"`
		PreferredMfaSetting string   `json:",omitempty"`
	}{Username: u.Sub, UserAttributes: []attribute{
		{Name: "email", Value: u.Email},
		{Name: "email_verified", Value: "true"},
		{Name: "sub", Value: u.Sub},
	}}
	if u.TOTPSecret != "" && u.TOTPEnabled {
		out.UserMFASettingList = []string{softwareTokenMFA}
		if u.TOTPPreferred {
			out.PreferredMfaSetting = softwareTokenMFA
		}
	}
	return out, nil
}

// accessUser checks an access token as Cognito checks the token of a user operation (GetUser,
// ChangePassword, …): signed here, not expired, not revoked by RevokeToken or GlobalSignOut (its
// sign-in's refresh token is revoked), its user still there. It returns the live user; the
// caller holds i.mu.
func (i *Issuer) accessUser(token string) (*user, *apiError) {
	if token == "" {
		return nil, missing("accessToken")
	}
	claims, aerr := i.parseAccessToken(token)
	if aerr != nil {
		return nil, aerr
	}
	sub, _ := claims["sub"].(string)
	origin, _ := claims["origin_jti"].(string)
	for _, rt := range i.st.RefreshTokens {
		if rt.OriginJTI == origin && rt.Revoked {
			return nil, notAuthorized("Access Token has been revoked")
		}
	}
	u := i.userBySub(sub)
	if u == nil {
		return nil, notAuthorized("User does not exist.")
	}
	return u, nil
}

// --- GlobalSignOut -------------------------------------------------------

// globalSignOut revokes every refresh token of the user: refreshing with any of them fails, and
// the access tokens of those sign-ins (refreshed ones too) are refused by the user operations
// ("Access Token has been revoked"), as Cognito documents. ID tokens stay valid for API Gateway's
// authorizer until they expire, as they do in AWS.
func (i *Issuer) globalSignOut(ctx context.Context, body []byte) (any, *apiError) {
	in, aerr := decode[struct{ AccessToken string }](body)
	if aerr != nil {
		return nil, aerr
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	u, aerr := i.accessUser(in.AccessToken)
	if aerr != nil {
		return nil, aerr
	}
	if err := i.store.revokeTokens(ctx, u.Sub); err != nil {
		return nil, i.internalError("global sign-out", err)
	}
	for _, rt := range i.st.RefreshTokens {
		if rt.Sub == u.Sub {
			rt.Revoked = true
		}
	}
	return struct{}{}, nil
}
