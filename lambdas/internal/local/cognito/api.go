package cognito

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
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

// userNotFound is Cognito's answer for an unknown user name where the client does not prevent
// user-existence errors.
func userNotFound() *apiError {
	return badRequest("UserNotFoundException", "Username/client id combination not found.")
}

func internalError(err error) *apiError {
	return &apiError{status: http.StatusInternalServerError, typ: "InternalErrorException", msg: err.Error()}
}

// missing is Cognito's message for a required member left out.
// member is a request member Cognito requires: its name as its errors spell it, and its value.
type member struct{ name, value string }

// required answers as Cognito does for the first of members that is empty (its checks run in
// that order), or nil when every one is given.
func required(members ...member) *apiError {
	for _, m := range members {
		if m.value == "" {
			return missing(m.name)
		}
	}
	return nil
}

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

type operation func(i *Issuer, ctx context.Context, body []byte) (any, *apiError)

var operations = map[string]operation{
	"SignUp":                 (*Issuer).signUp,
	"ConfirmSignUp":          (*Issuer).confirmSignUp,
	"ResendConfirmationCode": (*Issuer).resendConfirmationCode,
	"InitiateAuth":           (*Issuer).initiateAuth,
	"RevokeToken":            (*Issuer).revokeToken,
	"GetUser":                (*Issuer).getUser,
	"RespondToAuthChallenge": (*Issuer).respondToAuthChallenge,
	"AssociateSoftwareToken": (*Issuer).associateSoftwareToken,
	"VerifySoftwareToken":    (*Issuer).verifySoftwareToken,
	"SetUserMFAPreference":   (*Issuer).setUserMFAPreference,
	"ForgotPassword":         (*Issuer).forgotPassword,
	"ConfirmForgotPassword":  (*Issuer).confirmForgotPassword,
	"ChangePassword":         (*Issuer).changePassword,
	"GlobalSignOut":          (*Issuer).globalSignOut,
}

// operationNames lists the operations answered, for the UnknownOperationException message.
func operationNames() string {
	names := make([]string, 0, len(operations))
	for n := range operations {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, "|")
}

func (i *Issuer) serveAPI(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	op := operations[name]
	if !ok || op == nil {
		writeAPIError(w, badRequest("UnknownOperationException",
			"Unknown or unsupported operation %q: the local Cognito stand-in answers X-Amz-Target %s<%s>",
			r.Header.Get("X-Amz-Target"), targetPrefix, operationNames()))
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
	out, aerr := op(i, r.Context(), body)
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
