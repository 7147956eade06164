package cognito

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"math/big"
	"net/http"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

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

func (i *Issuer) signUp(ctx context.Context, body []byte) (any, *apiError) {
	in, aerr := decode[struct {
		ClientId       string
		Username       string
		Password       string
		UserAttributes []attribute
	}](body)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := required(member{"username", in.Username}, member{"password", in.Password}); aerr != nil {
		return nil, aerr
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
	if aerr := checkPasswordPolicy(in.Password, i.opts.Settings.Password, "password"); aerr != nil {
		return nil, aerr
	}
	// Hashing costs a fifth of a second of CPU: it is rate-limited like a sign-in.
	if aerr := i.throttle.allowPasswordCheck(); aerr != nil {
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
	m := newCode(u, now)
	if err := i.store.saveUser(ctx, u, &m); err != nil {
		return nil, i.internalError("sign-up", err)
	}
	i.st.Users[key] = u
	i.deliver(m)
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

// newCode gives u a new confirmation code and returns the email that "sends" it.
func newCode(u *user, now time.Time) Message {
	m := mailedCode(u.Email, "Your verification code", "Your confirmation code is ", now)
	u.Code, u.CodeSentAt = m.Code, now.UTC()
	return m
}

// mailedCode draws a six-digit code and writes the email that "sends" it to email: the subject,
// then text followed by the code.
func mailedCode(email, subject, text string, now time.Time) Message {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	code := fmt.Sprintf("%06d", n.Int64())
	return Message{To: email, Subject: subject, Body: text + code, Code: code, SentAt: now.UTC()}
}

// --- ConfirmSignUp and ResendConfirmationCode ----------------------------

func (i *Issuer) confirmSignUp(ctx context.Context, body []byte) (any, *apiError) {
	in, aerr := decode[struct {
		ClientId         string
		Username         string
		ConfirmationCode string
	}](body)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := required(member{"username", in.Username}, member{"confirmationCode", in.ConfirmationCode}); aerr != nil {
		return nil, aerr
	}
	if aerr := i.checkClient(in.ClientId); aerr != nil {
		return nil, aerr
	}
	mismatch := badRequest("CodeMismatchException", "Invalid verification code provided, please try again.")

	i.mu.Lock()
	defer i.mu.Unlock()
	u := i.st.Users[strings.ToLower(in.Username)]
	switch {
	case u == nil && i.opts.Settings.PreventUserExistenceErrors:
		// No UserNotFoundException: an unknown user looks like a wrong code.
		return nil, mismatch
	case u == nil:
		return nil, userNotFound()
	case u.Confirmed:
		return nil, notAuthorized("User cannot be confirmed. Current status is CONFIRMED")
	case u.Code == "" || subtle.ConstantTimeCompare([]byte(u.Code), []byte(in.ConfirmationCode)) != 1:
		return nil, mismatch
	case i.opts.Now().Sub(u.CodeSentAt) > codeTTL:
		return nil, badRequest("ExpiredCodeException", "Invalid code provided, please request a code again.")
	}
	next := *u
	next.Confirmed, next.Code, next.CodeSentAt = true, "", time.Time{}
	if err := i.store.saveUser(ctx, &next, nil); err != nil {
		return nil, i.internalError("confirm sign-up", err)
	}
	*u = next
	return struct{}{}, nil
}

func (i *Issuer) resendConfirmationCode(ctx context.Context, body []byte) (any, *apiError) {
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
	case u == nil && i.opts.Settings.PreventUserExistenceErrors:
		// Pretend a code went out.
		return map[string]codeDelivery{"CodeDeliveryDetails": delivery(in.Username)}, nil
	case u == nil:
		return nil, userNotFound()
	case u.Confirmed:
		return nil, invalidParameter("User is already confirmed.")
	}
	next := *u
	m := newCode(&next, i.opts.Now())
	if err := i.store.saveUser(ctx, &next, &m); err != nil {
		return nil, i.internalError("resend code", err)
	}
	*u = next
	i.deliver(m)
	return map[string]codeDelivery{"CodeDeliveryDetails": delivery(u.Email)}, nil
}
