package cognito

import (
	"context"
	"crypto/subtle"
	"strings"
	"time"
)

// resetCodeTTL is how long a ForgotPassword code lasts: "The recovery code is valid for one
// hour" (the developer guide's "Recovering user accounts").
const resetCodeTTL = time.Hour

// errNoRecovery is Cognito's answer when it has nowhere to send a reset code.
func errNoRecovery() *apiError {
	return invalidParameter("Cannot reset password for the user as there is no registered/verified email or phone_number")
}

// --- ForgotPassword ------------------------------------------------------

// forgotPassword mails the user a reset code, if the pool's AccountRecoverySetting lets users
// recover by email (the stand-in's users have no phone number).
func (i *Issuer) forgotPassword(ctx context.Context, body []byte) (any, *apiError) {
	in, aerr := decode[struct{ ClientId, Username string }](body)
	if aerr != nil {
		return nil, aerr
	}
	if in.Username == "" {
		return nil, missing("username")
	}
	if aerr := i.checkClient(in.ClientId); aerr != nil {
		return nil, aerr
	}
	if aerr := i.throttle.allowReset(in.Username); aerr != nil {
		return nil, aerr
	}
	// Before looking the user up, so that the answer tells nothing about who has an account.
	if !i.opts.Settings.emailRecovery() {
		return nil, errNoRecovery()
	}

	i.mu.Lock()
	defer i.mu.Unlock()
	u := i.st.Users[strings.ToLower(in.Username)]
	switch {
	case u == nil && i.opts.Settings.PreventUserExistenceErrors:
		// Cognito's simulated answer: as if a code went out.
		return map[string]codeDelivery{"CodeDeliveryDetails": delivery(in.Username)}, nil
	case u == nil:
		return nil, userNotFound()
	case !u.Confirmed:
		// The email is verified by confirming the sign-up: until then there is no verified address.
		return nil, errNoRecovery()
	}
	next := *u
	m := newResetCode(&next, i.opts.Now())
	if err := i.store.saveUser(ctx, &next, &m); err != nil {
		return nil, i.internalError("forgot password", err)
	}
	*u = next
	i.deliver(m)
	return map[string]codeDelivery{"CodeDeliveryDetails": delivery(u.Email)}, nil
}

// newResetCode gives u a new password-reset code (the previous one dies) and returns the email
// that "sends" it.
func newResetCode(u *user, now time.Time) Message {
	m := mailedCode(u.Email, "Your password reset code", "Your password reset code is ", now)
	u.ResetCode, u.ResetSentAt, u.ResetUsed = m.Code, now.UTC(), false
	return m
}

// --- ConfirmForgotPassword -----------------------------------------------

// confirmForgotPassword sets a new password with a reset code: a wrong code is
// CodeMismatchException, the right one expired or used already ExpiredCodeException. Nothing
// else changes: MFA is still required where it was, and signed-in sessions stay.
func (i *Issuer) confirmForgotPassword(ctx context.Context, body []byte) (any, *apiError) {
	in, aerr := decode[struct{ ClientId, Username, ConfirmationCode, Password string }](body)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := required(member{"username", in.Username}, member{"confirmationCode", in.ConfirmationCode}, member{"password", in.Password}); aerr != nil {
		return nil, aerr
	}
	if aerr := i.checkClient(in.ClientId); aerr != nil {
		return nil, aerr
	}
	if aerr := checkPasswordPolicy(in.Password, i.opts.Settings.Password, "password"); aerr != nil {
		return nil, aerr
	}
	if aerr := i.throttle.allowReset(in.Username); aerr != nil {
		return nil, aerr
	}
	mismatch := badRequest("CodeMismatchException", "Invalid verification code provided, please try again.")
	key := strings.ToLower(in.Username)

	check := func(u *user) *apiError {
		switch {
		case u == nil && i.opts.Settings.PreventUserExistenceErrors:
			return mismatch
		case u == nil:
			return userNotFound()
		case u.ResetCode == "" || subtle.ConstantTimeCompare([]byte(u.ResetCode), []byte(in.ConfirmationCode)) != 1:
			return mismatch
		case u.ResetUsed || i.opts.Now().Sub(u.ResetSentAt) > resetCodeTTL:
			return badRequest("ExpiredCodeException", "Invalid code provided, please request a code again.")
		}
		return nil
	}
	i.mu.Lock()
	aerr = check(i.st.Users[key])
	i.mu.Unlock()
	if aerr != nil {
		return nil, aerr
	}
	// Hashing costs a fifth of a second of CPU: outside the lock, rate-limited like a sign-in.
	if aerr := i.throttle.allowPasswordCheck(); aerr != nil {
		return nil, aerr
	}
	hash, err := hashPassword(in.Password)
	if err != nil {
		return nil, internalError(err)
	}

	i.mu.Lock()
	defer i.mu.Unlock()
	u := i.st.Users[key]
	if aerr := check(u); aerr != nil { // the code may have been used meanwhile
		return nil, aerr
	}
	next := *u
	next.PasswordHash, next.ResetUsed = hash, true
	if err := i.store.saveUser(ctx, &next, nil); err != nil {
		return nil, i.internalError("confirm forgot password", err)
	}
	*u = next
	return struct{}{}, nil
}

// --- ChangePassword ------------------------------------------------------

func (i *Issuer) changePassword(ctx context.Context, body []byte) (any, *apiError) {
	in, aerr := decode[struct{ AccessToken, PreviousPassword, ProposedPassword string }](body)
	if aerr != nil {
		return nil, aerr
	}
	// Every user of the stand-in has a password, so Cognito requires the previous one.
	if aerr := required(member{"accessToken", in.AccessToken}, member{"proposedPassword", in.ProposedPassword}, member{"previousPassword", in.PreviousPassword}); aerr != nil {
		return nil, aerr
	}
	i.mu.Lock()
	u, aerr := i.accessUser(in.AccessToken)
	var sub, oldHash string
	if u != nil {
		sub, oldHash = u.Sub, u.PasswordHash
	}
	i.mu.Unlock()
	if aerr != nil {
		return nil, aerr
	}
	if aerr := checkPasswordPolicy(in.ProposedPassword, i.opts.Settings.Password, "proposedPassword"); aerr != nil {
		return nil, aerr
	}
	// Checking the old password and hashing the new one: rate-limited like a sign-in, and
	// outside the lock.
	if aerr := i.throttle.allowPasswordCheck(); aerr != nil {
		return nil, aerr
	}
	if !checkPassword(oldHash, in.PreviousPassword) {
		return nil, notAuthorized("Incorrect username or password.")
	}
	hash, err := hashPassword(in.ProposedPassword)
	if err != nil {
		return nil, internalError(err)
	}

	i.mu.Lock()
	defer i.mu.Unlock()
	u = i.userBySub(sub)
	if u == nil || u.PasswordHash != oldHash { // gone, or changed meanwhile: check again
		return nil, notAuthorized("Incorrect username or password.")
	}
	next := *u
	next.PasswordHash = hash
	if err := i.store.saveUser(ctx, &next, nil); err != nil {
		return nil, i.internalError("change password", err)
	}
	*u = next
	return struct{}{}, nil
}
