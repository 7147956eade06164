package cognito

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

const (
	targetPrefix = "AWSCognitoIdentityProviderService."
	maxBodyBytes = 1 << 20
	codeTTL      = 24 * time.Hour // Cognito's confirmation codes last 24 hours
)

// apiError is an error answer of the Cognito API.
type apiError struct {
	status int
	typ    string // the exception name, e.g. NotAuthorizedException
	msg    string
}

func (e *apiError) Error() string { return e.typ + ": " + e.msg }

func badRequest(typ, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: typ, msg: fmt.Sprintf(format, args...)}
}

func invalidParameter(format string, args ...any) *apiError {
	return badRequest("InvalidParameterException", format, args...)
}

func notAuthorized(msg string) *apiError { return badRequest("NotAuthorizedException", "%s", msg) }

// missing is Cognito's message for a required member left out.
func missing(member string) *apiError {
	return invalidParameter("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

func writeAPIError(w http.ResponseWriter, e *apiError) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("x-amzn-RequestId", newID())
	h.Set("x-amzn-ErrorType", e.typ)
	h.Set("x-amzn-ErrorMessage", e.msg)
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.typ, "message": e.msg})
}

type operation func(i *Issuer, body []byte) (any, *apiError)

var operations = map[string]operation{
	"SignUp":                 (*Issuer).signUp,
	"ConfirmSignUp":          (*Issuer).confirmSignUp,
	"ResendConfirmationCode": (*Issuer).resendConfirmationCode,
	"InitiateAuth":           (*Issuer).initiateAuth,
	"RevokeToken":            (*Issuer).revokeToken,
	"GetUser":                (*Issuer).getUser,
}

func (i *Issuer) serveAPI(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	op := operations[name]
	if !ok || op == nil {
		writeAPIError(w, badRequest("UnknownOperationException",
			"Unknown or unsupported operation %q: the local Cognito stand-in answers X-Amz-Target %s<SignUp|ConfirmSignUp|ResendConfirmationCode|InitiateAuth|RevokeToken|GetUser>",
			r.Header.Get("X-Amz-Target"), targetPrefix))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		writeAPIError(w, badRequest("SerializationException", "cannot read the request body"))
		return
	}
	if len(body) > maxBodyBytes {
		writeAPIError(w, badRequest("SerializationException", "the request body is over %d bytes", maxBodyBytes))
		return
	}
	out, aerr := op(i, body)
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		writeAPIError(w, &apiError{status: http.StatusInternalServerError, typ: "InternalErrorException", msg: err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", newID())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// decode reads a request body, which must be one JSON object.
func decode[T any](body []byte) (T, *apiError) {
	var v T
	if !json.Valid(body) {
		return v, badRequest("SerializationException", "the request body is not valid JSON")
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return v, badRequest("SerializationException", "cannot read the request: %v", err)
	}
	return v, nil
}

// checkClient answers ResourceNotFoundException for an unknown app client.
func (i *Issuer) checkClient(id string) *apiError {
	if id == "" {
		return missing("clientId")
	}
	if id != i.opts.ClientID {
		return badRequest("ResourceNotFoundException", "User pool client %s does not exist.", id)
	}
	return nil
}

// --- SignUp --------------------------------------------------------------

type attribute struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

type codeDelivery struct {
	Destination    string `json:"Destination"`
	DeliveryMedium string `json:"DeliveryMedium"`
	AttributeName  string `json:"AttributeName"`
}

func (i *Issuer) signUp(body []byte) (any, *apiError) {
	in, aerr := decode[struct {
		ClientId       string
		Username       string
		Password       string
		UserAttributes []attribute
	}](body)
	if aerr != nil {
		return nil, aerr
	}
	switch {
	case in.Username == "":
		return nil, missing("username")
	case in.Password == "":
		return nil, missing("password")
	}
	if aerr := i.checkClient(in.ClientId); aerr != nil {
		return nil, aerr
	}
	if !isEmail(in.Username) {
		return nil, invalidParameter("Username should be an email.")
	}
	for _, a := range in.UserAttributes {
		switch {
		case a.Name != "email":
			return nil, invalidParameter("Attributes did not conform to the schema: %s: the local Cognito stand-in keeps only the email attribute", a.Name)
		case !strings.EqualFold(a.Value, in.Username):
			return nil, invalidParameter("Attributes did not conform to the schema: email: must equal the username")
		}
	}
	if aerr := checkPasswordPolicy(in.Password); aerr != nil {
		return nil, aerr
	}
	hash, err := hashPassword(in.Password)
	if err != nil {
		return nil, &apiError{status: http.StatusInternalServerError, typ: "InternalErrorException", msg: err.Error()}
	}

	i.mu.Lock()
	defer i.mu.Unlock()
	key := strings.ToLower(in.Username)
	if _, ok := i.st.Users[key]; ok {
		return nil, badRequest("UsernameExistsException", "An account with the given email already exists.")
	}
	now := i.opts.Now()
	u := &user{Sub: newID(), Email: in.Username, PasswordHash: hash, CreatedAt: now.UTC()}
	i.st.Users[key] = u
	i.sendCode(u, now)
	i.save()
	return struct {
		UserConfirmed       bool
		UserSub             string
		CodeDeliveryDetails codeDelivery
	}{false, u.Sub, delivery(u.Email)}, nil
}

func isEmail(s string) bool {
	if len(s) > 128 || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1
}

// cognitoSymbols are the characters Cognito counts as symbols.
const cognitoSymbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

// checkPasswordPolicy applies the deployed pool's policy (12 characters,
// lower case, upper case, digit, symbol) with Cognito's messages.
func checkPasswordPolicy(p string) *apiError {
	if utf8.RuneCountInString(p) > 256 {
		return invalidParameter("1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 256")
	}
	if first, _ := utf8.DecodeRuneInString(p); unicode.IsSpace(first) || strings.TrimRightFunc(p, unicode.IsSpace) != p {
		return invalidParameter(`1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\S]+.*[\S]+$`)
	}
	var lower, upper, digit, symbol bool
	for _, r := range p {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		case strings.ContainsRune(cognitoSymbols, r):
			symbol = true
		}
	}
	const prefix = "Password did not conform with policy: "
	switch {
	case utf8.RuneCountInString(p) < 12:
		return badRequest("InvalidPasswordException", prefix+"Password not long enough")
	case !lower:
		return badRequest("InvalidPasswordException", prefix+"Password must have lowercase characters")
	case !upper:
		return badRequest("InvalidPasswordException", prefix+"Password must have uppercase characters")
	case !digit:
		return badRequest("InvalidPasswordException", prefix+"Password must have numeric characters")
	case !symbol:
		return badRequest("InvalidPasswordException", prefix+"Password must have symbol characters")
	}
	return nil
}

// delivery is where a code "went", masked as Cognito does: a***@e***.
func delivery(email string) codeDelivery {
	local, domain, _ := strings.Cut(email, "@")
	mask := func(s string) string {
		r, _ := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError {
			return "***"
		}
		return string(r) + "***"
	}
	return codeDelivery{Destination: mask(local) + "@" + mask(domain), DeliveryMedium: "EMAIL", AttributeName: "email"}
}

// sendCode gives u a new confirmation code and "emails" it; the caller holds i.mu.
func (i *Issuer) sendCode(u *user, now time.Time) {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	u.Code = fmt.Sprintf("%06d", n.Int64())
	u.CodeSentAt = now.UTC()
	i.deliver(Message{
		To:      u.Email,
		Subject: "Your verification code",
		Body:    "Your confirmation code is " + u.Code,
		Code:    u.Code,
		SentAt:  now.UTC(),
	})
}

// --- ConfirmSignUp and ResendConfirmationCode ----------------------------

func (i *Issuer) confirmSignUp(body []byte) (any, *apiError) {
	in, aerr := decode[struct {
		ClientId         string
		Username         string
		ConfirmationCode string
	}](body)
	if aerr != nil {
		return nil, aerr
	}
	switch {
	case in.Username == "":
		return nil, missing("username")
	case in.ConfirmationCode == "":
		return nil, missing("confirmationCode")
	}
	if aerr := i.checkClient(in.ClientId); aerr != nil {
		return nil, aerr
	}
	mismatch := badRequest("CodeMismatchException", "Invalid verification code provided, please try again.")

	i.mu.Lock()
	defer i.mu.Unlock()
	u := i.st.Users[strings.ToLower(in.Username)]
	switch {
	case u == nil:
		// PreventUserExistenceErrors: no UserNotFoundException.
		return nil, mismatch
	case u.Confirmed:
		return nil, notAuthorized("User cannot be confirmed. Current status is CONFIRMED")
	case u.Code == "" || subtle.ConstantTimeCompare([]byte(u.Code), []byte(in.ConfirmationCode)) != 1:
		return nil, mismatch
	case i.opts.Now().Sub(u.CodeSentAt) > codeTTL:
		return nil, badRequest("ExpiredCodeException", "Invalid code provided, please request a code again.")
	}
	u.Confirmed, u.Code, u.CodeSentAt = true, "", time.Time{}
	i.save()
	return struct{}{}, nil
}

func (i *Issuer) resendConfirmationCode(body []byte) (any, *apiError) {
	in, aerr := decode[struct {
		ClientId string
		Username string
	}](body)
	if aerr != nil {
		return nil, aerr
	}
	if in.Username == "" {
		return nil, missing("username")
	}
	if aerr := i.checkClient(in.ClientId); aerr != nil {
		return nil, aerr
	}

	i.mu.Lock()
	defer i.mu.Unlock()
	u := i.st.Users[strings.ToLower(in.Username)]
	switch {
	case u == nil:
		// PreventUserExistenceErrors: pretend a code went out.
		return map[string]codeDelivery{"CodeDeliveryDetails": delivery(in.Username)}, nil
	case u.Confirmed:
		return nil, invalidParameter("User is already confirmed.")
	}
	i.sendCode(u, i.opts.Now())
	i.save()
	return map[string]codeDelivery{"CodeDeliveryDetails": delivery(u.Email)}, nil
}

// --- InitiateAuth --------------------------------------------------------

type authResult struct {
	AccessToken  string
	IdToken      string
	RefreshToken string `json:",omitempty"`
	ExpiresIn    int64
	TokenType    string
}

type initiateAuthOutput struct {
	AuthenticationResult authResult
	ChallengeParameters  map[string]string
}

var authFlows = []string{
	"USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN", "CUSTOM_AUTH",
	"ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "USER_AUTH",
}

func (i *Issuer) initiateAuth(body []byte) (any, *apiError) {
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
	switch in.AuthFlow {
	case "USER_PASSWORD_AUTH":
		return i.passwordAuth(in.AuthParameters)
	case "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
		return i.refreshAuth(in.AuthParameters, in.ClientId)
	}
	for _, f := range authFlows {
		if f == in.AuthFlow {
			return nil, invalidParameter("Auth flow %s is not supported by the local Cognito stand-in: use USER_PASSWORD_AUTH or REFRESH_TOKEN_AUTH.", f)
		}
	}
	return nil, invalidParameter("1 validation error detected: Value '%s' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [%s]",
		in.AuthFlow, strings.Join(authFlows, ", "))
}

func (i *Issuer) passwordAuth(params map[string]string) (any, *apiError) {
	username, password := params["USERNAME"], params["PASSWORD"]
	switch {
	case username == "":
		return nil, invalidParameter("Missing required parameter USERNAME")
	case password == "":
		return nil, invalidParameter("Missing required parameter PASSWORD")
	}
	wrong := notAuthorized("Incorrect username or password.")

	i.mu.Lock()
	var u *user
	hash := i.dummyHash
	if found := i.st.Users[strings.ToLower(username)]; found != nil {
		copied := *found
		u, hash = &copied, found.PasswordHash
	}
	i.mu.Unlock()
	// Hash either way: a missing user takes as long as a wrong password.
	ok := checkPassword(hash, password)
	switch {
	case u == nil || !ok:
		return nil, wrong
	case !u.Confirmed:
		return nil, badRequest("UserNotConfirmedException", "User is not confirmed.")
	}

	now := i.opts.Now()
	s := session{originJTI: newID(), authTime: now.Unix()}
	refresh := newRefreshToken()
	i.mu.Lock()
	i.st.RefreshTokens[tokenHash(refresh)] = &refreshToken{
		Sub: u.Sub, ClientID: i.opts.ClientID, OriginJTI: s.originJTI, AuthTime: s.authTime,
		ExpiresAt: now.Add(i.opts.RefreshTTL).UTC(),
	}
	i.save()
	i.mu.Unlock()
	return i.authenticated(u, s, now, refresh)
}

// authenticated answers a successful InitiateAuth with new ID and access tokens for u (and
// refresh, "" when refreshing: Cognito does not rotate refresh tokens by default).
func (i *Issuer) authenticated(u *user, s session, now time.Time, refresh string) (any, *apiError) {
	idToken, accessToken, err := i.mintTokens(u, s, now)
	if err != nil {
		return nil, &apiError{status: http.StatusInternalServerError, typ: "InternalErrorException", msg: err.Error()}
	}
	return initiateAuthOutput{
		AuthenticationResult: authResult{
			AccessToken: accessToken, IdToken: idToken, RefreshToken: refresh,
			ExpiresIn: int64(i.opts.TokenTTL / time.Second), TokenType: "Bearer",
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
	return i.authenticated(u, session{originJTI: rt.OriginJTI, authTime: rt.AuthTime}, now, "")
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

func (i *Issuer) revokeToken(body []byte) (any, *apiError) {
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
	if strings.Count(in.Token, ".") == 2 && strings.HasPrefix(in.Token, "eyJ") {
		return nil, badRequest("UnsupportedTokenTypeException", "Only refresh tokens can be revoked.")
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	// Unknown tokens are not an error (RFC 7009).
	if rt := i.st.RefreshTokens[tokenHash(in.Token)]; rt != nil && rt.ClientID == in.ClientId && !rt.Revoked {
		rt.Revoked = true
		i.save()
	}
	return struct{}{}, nil
}

func (i *Issuer) getUser(body []byte) (any, *apiError) {
	in, aerr := decode[struct{ AccessToken string }](body)
	if aerr != nil {
		return nil, aerr
	}
	if in.AccessToken == "" {
		return nil, missing("accessToken")
	}
	claims, aerr := i.parseAccessToken(in.AccessToken)
	if aerr != nil {
		return nil, aerr
	}
	sub, _ := claims["sub"].(string)
	origin, _ := claims["origin_jti"].(string)

	i.mu.Lock()
	defer i.mu.Unlock()
	for _, rt := range i.st.RefreshTokens {
		if rt.OriginJTI == origin && rt.Revoked {
			return nil, notAuthorized("Access Token has been revoked")
		}
	}
	u := i.userBySub(sub)
	if u == nil {
		return nil, notAuthorized("User does not exist.")
	}
	return struct {
		Username       string
		UserAttributes []attribute
	}{u.Sub, []attribute{
		{Name: "email", Value: u.Email},
		{Name: "email_verified", Value: "true"},
		{Name: "sub", Value: u.Sub},
	}}, nil
}
