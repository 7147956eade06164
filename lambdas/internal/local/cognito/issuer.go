package cognito

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Defaults of Options.
const (
	DefaultPoolID   = "local_stratus"
	DefaultClientID = "stratus-local-client"
)

// Options configure an Issuer.
type Options struct {
	// BaseURL is the public URL where the Issuer is mounted, e.g.
	// "http://127.0.0.1:8080/cognito/": the web app's Cognito endpoint, and
	// the prefix of the tokens' issuer ("<BaseURL>/<PoolID>"). Required.
	BaseURL string
	// PoolID names the pool in the issuer and the JWKS path.
	// Default: DefaultPoolID.
	PoolID string
	// ClientID is the only app client (no secret).
	// Default: DefaultClientID.
	ClientID string
	// DB keeps users, the signing key, refresh tokens and the mailbox across
	// restarts, in tables of the schema `local` that NewIssuer creates; each
	// change is committed before it is answered.
	// Default: nil - everything is kept in memory only.
	DB *pgxpool.Pool
	// Settings are the pool's and the client's settings the Issuer enforces: password policy, MFA,
	// account recovery, auth flows, token and session validities, user-existence errors, token
	// revocation (see Settings).
	// Default: DefaultSettings(), when Settings.MFA is "" (a zero Settings).
	Settings Settings
	// SigningKey signs the tokens; when set it replaces the key in DB.
	// Default: - the key in DB, else a new 2048-bit key.
	SigningKey *rsa.PrivateKey
	// PasswordChecksPerSecond and PasswordCheckBurst limit the pool's password
	// checks (sign-ins with a password, and sign-ups, which hash one) with a
	// token bucket: over it, Cognito's TooManyRequestsException. Each check
	// costs about a fifth of a second of CPU; the limit keeps a burst of wrong
	// passwords from starving the API on the same machine.
	// Default: DefaultPasswordChecksPerSecond, DefaultPasswordCheckBurst.
	PasswordChecksPerSecond float64
	PasswordCheckBurst      int
	// Now is the clock.
	// Default: time.Now.
	Now func() time.Time
	// Logger receives one line per "sent" confirmation code and per failure
	// to save the state. Tokens and passwords are never logged.
	// Default: slog.Default().
	Logger *slog.Logger
}

// Issuer is a local Cognito user pool: an http.Handler serving, relative to
// Options.BaseURL,
//
//	POST /                                   the Cognito user pool JSON API
//	GET  /<PoolID>/.well-known/jwks.json     the signing key as a JWKS
//	GET  /<PoolID>/.well-known/openid-configuration
//
// with CORS headers on every answer. Mount it at BaseURL's path, with or
// without http.StripPrefix. It is safe for concurrent use.
type Issuer struct {
	opts     Options
	issuer   string // <BaseURL without trailing slash>/<PoolID>
	basePath string // BaseURL's path without trailing slash, "" for the root
	key      *rsa.PrivateKey
	kid      string
	jwks     []byte
	// dummyHash is checked against when the user does not exist, so that a
	// failed sign-in takes as long either way.
	dummyHash string

	store    store
	throttle *throttle

	mu sync.Mutex
	st *state
	// challenges are the open challenge sessions by id, spent the ids of sessions answered or
	// replaced (until they would have expired): both in memory only, as a sign-in in progress
	// may be lost on a restart.
	challenges map[string]*challenge
	spent      map[string]time.Time
}

var poolIDPattern = regexp.MustCompile(`^[\w-]{1,55}$`)

// NewIssuer makes an Issuer, with the state kept in Options.DB when set.
func NewIssuer(o Options) (*Issuer, error) {
	var problems []string
	u, err := url.Parse(o.BaseURL)
	if o.BaseURL == "" {
		problems = append(problems, "BaseURL is required")
	} else if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		problems = append(problems, fmt.Sprintf("BaseURL %q is not an absolute http(s) URL without query", o.BaseURL))
	}
	if o.PoolID == "" {
		o.PoolID = DefaultPoolID
	} else if !poolIDPattern.MatchString(o.PoolID) {
		problems = append(problems, fmt.Sprintf("PoolID %q must be 1-55 letters, digits, '_' or '-'", o.PoolID))
	}
	if o.ClientID == "" {
		o.ClientID = DefaultClientID
	}
	if o.Settings.MFA == "" {
		o.Settings = DefaultSettings()
	}
	problems = append(problems, o.Settings.problems()...)
	if o.SigningKey != nil && o.SigningKey.N.BitLen() < 2048 {
		problems = append(problems, fmt.Sprintf("SigningKey has %d bits, want at least 2048", o.SigningKey.N.BitLen()))
	}
	switch {
	case o.PasswordChecksPerSecond < 0:
		problems = append(problems, fmt.Sprintf("PasswordChecksPerSecond %v is negative", o.PasswordChecksPerSecond))
	case o.PasswordChecksPerSecond == 0:
		o.PasswordChecksPerSecond = DefaultPasswordChecksPerSecond
	}
	switch {
	case o.PasswordCheckBurst < 0:
		problems = append(problems, fmt.Sprintf("PasswordCheckBurst %d is negative", o.PasswordCheckBurst))
	case o.PasswordCheckBurst == 0:
		o.PasswordCheckBurst = DefaultPasswordCheckBurst
	}
	if len(problems) > 0 {
		return nil, errors.New("cognito: invalid Options: " + strings.Join(problems, "; "))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}

	i := &Issuer{
		opts:     o,
		issuer:   strings.TrimSuffix(o.BaseURL, "/") + "/" + o.PoolID,
		basePath: strings.TrimSuffix(u.Path, "/"),

		challenges: map[string]*challenge{},
		spent:      map[string]time.Time{},
	}
	i.throttle = newThrottle(o.Now, o.PasswordChecksPerSecond, o.PasswordCheckBurst)
	if err := i.loadOrInit(); err != nil {
		return nil, err
	}
	i.kid = keyID(&i.key.PublicKey)
	if i.jwks, err = json.Marshal(jwkSet{Keys: []jwk{publicJWK(&i.key.PublicKey, i.kid)}}); err != nil {
		return nil, err
	}
	if i.dummyHash, err = hashPassword(rand.Text()); err != nil {
		return nil, err
	}
	return i, nil
}

func (i *Issuer) loadOrInit() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	i.store = memoryStore{}
	if i.opts.DB != nil {
		s, err := newPGStore(ctx, i.opts.DB)
		if err != nil {
			return err
		}
		i.store = s
	}
	st, err := i.store.load(ctx)
	if err != nil {
		return err
	}
	switch {
	case i.opts.SigningKey != nil:
		i.key = i.opts.SigningKey
		pemKey, err := encodeKey(i.key)
		if err != nil {
			return err
		}
		if pemKey != st.SigningKey {
			st.SigningKey = pemKey
			err = i.store.saveKey(ctx, pemKey)
		}
		if err != nil {
			return fmt.Errorf("cognito: saving the signing key: %w", err)
		}
	case st.SigningKey != "":
		k, err := decodeKey(st.SigningKey)
		if err != nil {
			return err
		}
		i.key = k
	default:
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return err
		}
		pemKey, err := encodeKey(k)
		if err != nil {
			return err
		}
		if err := i.store.saveKey(ctx, pemKey); err != nil {
			return fmt.Errorf("cognito: saving the signing key: %w", err)
		}
		i.key, st.SigningKey = k, pemKey
	}
	i.st = st
	return nil
}

// IssuerURL is the tokens' iss claim: "<BaseURL without trailing slash>/<PoolID>".
func (i *Issuer) IssuerURL() string { return i.issuer }

// JWKSURL is where the Issuer publishes its public key: IssuerURL + "/.well-known/jwks.json".
func (i *Issuer) JWKSURL() string { return i.issuer + "/.well-known/jwks.json" }

// ClientID is the app client id, the ID tokens' aud.
func (i *Issuer) ClientID() string { return i.opts.ClientID }

// PoolID is the user pool id.
func (i *Issuer) PoolID() string { return i.opts.PoolID }

// VerifierOptions are the options of a Verifier that accepts this Issuer's
// ID tokens, fetching the JWKS over HTTP from JWKSURL as API Gateway does,
// on the Issuer's clock:
//
//	v, err := cognito.NewVerifier(issuer.VerifierOptions())
func (i *Issuer) VerifierOptions() VerifierOptions {
	return VerifierOptions{JWKSURL: i.JWKSURL(), Issuer: i.issuer, ClientIDs: []string{i.opts.ClientID}, Now: i.opts.Now}
}

// ServeHTTP implements http.Handler.
func (i *Issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setCORS(w, r)
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	wellKnown := "/" + i.opts.PoolID + "/.well-known/"
	switch rel := i.relPath(r.URL.Path); rel {
	case "", "/":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST, OPTIONS")
			writeAPIError(w, &apiError{status: http.StatusMethodNotAllowed, typ: "UnknownOperationException",
				msg: "The Cognito API takes POST requests with an X-Amz-Target header."})
			return
		}
		i.serveAPI(w, r)
	case wellKnown + "jwks.json":
		i.serveStatic(w, r, i.jwks)
	case wellKnown + "openid-configuration":
		b, _ := json.Marshal(map[string]any{
			"issuer":                                i.issuer,
			"jwks_uri":                              i.JWKSURL(),
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"subject_types_supported":               []string{"public"},
			"response_types_supported":              []string{"code", "token"},
		})
		i.serveStatic(w, r, b)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not found"})
	}
}

// relPath is the request path relative to BaseURL's path; it accepts paths
// that http.StripPrefix already shortened.
func (i *Issuer) relPath(p string) string {
	if i.basePath == "" {
		return p
	}
	if p == i.basePath || strings.HasPrefix(p, i.basePath+"/") {
		return p[len(i.basePath):]
	}
	return p
}

func (i *Issuer) serveStatic(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"message": "Method not allowed"})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

// corsAllowHeaders are the request headers browsers may send: those of the
// web app's client and of the AWS SDK for JavaScript.
const corsAllowHeaders = "content-type, x-amz-target, x-amz-user-agent, authorization, " +
	"amz-sdk-invocation-id, amz-sdk-request, x-amz-date, x-amz-security-token, cache-control"

func setCORS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	origin := r.Header.Get("Origin")
	if origin == "" {
		origin = "*"
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Allow-Methods", "POST, GET, OPTIONS")
	h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
	h.Set("Access-Control-Expose-Headers", "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage")
	h.Set("Access-Control-Max-Age", "600")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"cannot encode the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// internalError answers a change the store refused: nothing was changed.
func (i *Issuer) internalError(what string, err error) *apiError {
	i.opts.Logger.Error("cognito: cannot save the state", "change", what, "err", err)
	return &apiError{status: http.StatusInternalServerError, typ: "InternalErrorException", msg: "The change could not be saved; try again."}
}
