package cognito

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Why the Verifier turned a request away; errors from Authenticate and Verify
// wrap one of these (errors.Is) along with the detail.
var (
	ErrNoToken     = errors.New("no token in the Authorization header")
	ErrMalformed   = errors.New("malformed token")
	ErrUnknownKey  = errors.New("token signed with a key that is not in the JWKS")
	ErrSignature   = errors.New("invalid token signature")
	ErrExpired     = errors.New("token expired")
	ErrNotYetValid = errors.New("token used before it was issued")
	ErrIssuer      = errors.New("token from another issuer")
	ErrTokenUse    = errors.New("not an ID token")
	ErrAudience    = errors.New("token for another app client")
	ErrJWKS        = errors.New("cannot get the JWKS")
)

// Defaults of VerifierOptions.
const (
	DefaultRefetchInterval = 5 * time.Second
	DefaultLeeway          = time.Second
)

// VerifierOptions configure a Verifier. Issuer.VerifierOptions fills them
// for a local Issuer.
type VerifierOptions struct {
	// JWKSURL is where the signing keys are, e.g.
	// "https://cognito-idp.<region>.amazonaws.com/<poolId>/.well-known/jwks.json". Required.
	JWKSURL string
	// Issuer is the expected iss claim, e.g.
	// "https://cognito-idp.<region>.amazonaws.com/<poolId>". Required.
	Issuer string
	// ClientIDs are the app clients whose ID tokens are accepted (aud). Required.
	ClientIDs []string
	// HTTPClient fetches the JWKS.
	// Default: a client with a 5-second timeout.
	HTTPClient *http.Client
	// RefetchInterval is the least time between two fetches of the JWKS, which
	// is fetched at first use and again when a token names an unknown key.
	// Default: DefaultRefetchInterval.
	RefetchInterval time.Duration
	// Leeway is the clock skew allowed on exp and iat.
	// Default: DefaultLeeway (1 second).
	Leeway time.Duration
	// Now is the clock.
	// Default: time.Now.
	Now func() time.Time
}

// Verifier checks Cognito ID tokens the way API Gateway's Cognito user pool
// authorizer does. It is safe for concurrent use.
type Verifier struct {
	opts   VerifierOptions
	parser *jwt.Parser

	mu        sync.Mutex
	keys      map[string]*rsa.PublicKey
	fetchedAt time.Time // of the last fetch attempt; zero before the first
}

// NewVerifier makes a Verifier; it fetches the JWKS at first use.
func NewVerifier(o VerifierOptions) (*Verifier, error) {
	var problems []string
	if u, err := url.Parse(o.JWKSURL); o.JWKSURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Sprintf("JWKSURL %q is not an absolute http(s) URL", o.JWKSURL))
	}
	if o.Issuer == "" {
		problems = append(problems, "Issuer is required")
	}
	if len(o.ClientIDs) == 0 || slices.Contains(o.ClientIDs, "") {
		problems = append(problems, "ClientIDs must name at least one app client, none empty")
	}
	if o.RefetchInterval < 0 || o.Leeway < 0 {
		problems = append(problems, "RefetchInterval and Leeway cannot be negative")
	}
	if len(problems) > 0 {
		return nil, errors.New("cognito: invalid VerifierOptions: " + strings.Join(problems, "; "))
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	if o.RefetchInterval == 0 {
		o.RefetchInterval = DefaultRefetchInterval
	}
	if o.Leeway == 0 {
		o.Leeway = DefaultLeeway
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.ClientIDs = slices.Clone(o.ClientIDs)
	return &Verifier{
		opts: o,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
			jwt.WithJSONNumber(),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(o.Leeway),
			jwt.WithTimeFunc(o.Now),
			jwt.WithStrictDecoding(),
		),
	}, nil
}

// Authenticate verifies the ID token in the request's Authorization header
// (the raw token, as API Gateway takes it, or "Bearer <token>") and returns
// its claims as API Gateway passes them to the Lambda. It is a
// gateway.Authenticator.
func (v *Verifier) Authenticate(r *http.Request) (map[string]any, error) {
	token := strings.TrimSpace(r.Header.Get("Authorization"))
	if scheme, rest, ok := strings.Cut(token, " "); ok && strings.EqualFold(scheme, "Bearer") {
		token = strings.TrimSpace(rest)
	} else if strings.EqualFold(token, "Bearer") {
		token = ""
	}
	if token == "" {
		return nil, fmt.Errorf("cognito: %w", ErrNoToken)
	}
	return v.Verify(r.Context(), token)
}

// Verify checks an ID token: RS256 signature by a key of the JWKS, exp and
// iat, iss, token_use "id" and aud. It returns the claims as API Gateway's
// Cognito authorizer passes them (requestContext.authorizer.claims): all
// values strings, numbers in decimal, booleans "true"/"false", exp and iat as
// dates like "Mon Jan 02 15:04:05 UTC 2006", arrays joined with commas.
func (v *Verifier) Verify(ctx context.Context, token string) (map[string]any, error) {
	claims := jwt.MapClaims{}
	_, err := v.parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, fmt.Errorf("%w: the token has no kid", ErrUnknownKey)
		}
		return v.key(ctx, kid)
	})
	if err != nil {
		return nil, fmt.Errorf("cognito: %w", classify(err))
	}
	if iss, _ := claims["iss"].(string); iss != v.opts.Issuer {
		return nil, fmt.Errorf("cognito: %w: iss %q, want %q", ErrIssuer, iss, v.opts.Issuer)
	}
	if use, _ := claims["token_use"].(string); use != "id" {
		return nil, fmt.Errorf("cognito: %w: token_use %q", ErrTokenUse, use)
	}
	aud, _ := claims.GetAudience()
	if !slices.ContainsFunc(aud, func(a string) bool { return slices.Contains(v.opts.ClientIDs, a) }) {
		return nil, fmt.Errorf("cognito: %w: aud %q", ErrAudience, []string(aud))
	}
	if sub, _ := claims["sub"].(string); sub == "" {
		return nil, fmt.Errorf("cognito: %w: no sub", ErrMalformed)
	}
	return apiGatewayClaims(claims), nil
}

// classify maps the JWT library's errors onto the package's.
func classify(err error) error {
	for _, known := range []error{ErrJWKS, ErrUnknownKey, ErrSignature} {
		if errors.Is(err, known) {
			return err
		}
	}
	var kind error
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed), errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		kind = ErrMalformed
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		kind = ErrSignature
	case errors.Is(err, jwt.ErrTokenExpired):
		kind = ErrExpired
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued), errors.Is(err, jwt.ErrTokenNotValidYet):
		kind = ErrNotYetValid
	default:
		kind = ErrMalformed
	}
	return fmt.Errorf("%w: %w", kind, err)
}

// key returns the JWKS key kid, fetching the JWKS at first use and when kid
// is unknown, at most once per RefetchInterval.
func (v *Verifier) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if k := v.keys[kid]; k != nil {
		return k, nil
	}
	now := v.opts.Now()
	if !v.fetchedAt.IsZero() && now.Sub(v.fetchedAt) < v.opts.RefetchInterval && now.Sub(v.fetchedAt) >= 0 {
		return nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, kid)
	}
	v.fetchedAt = now
	keys, err := v.fetch(ctx)
	if err != nil {
		return nil, err
	}
	v.keys = keys
	if k := keys[kid]; k != nil {
		return k, nil
	}
	return nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, kid)
}

func (v *Verifier) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.opts.JWKSURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJWKS, err)
	}
	req.Header.Set("Accept", "application/json")
	res, err := v.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJWKS, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: GET %s: %s", ErrJWKS, v.opts.JWKSURL, res.Status)
	}
	var set jwkSet
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("%w: GET %s: %w", ErrJWKS, v.opts.JWKSURL, err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, j := range set.Keys {
		if j.Kid == "" {
			continue
		}
		if k, err := j.rsaKey(); err == nil {
			keys[j.Kid] = k
		}
	}
	return keys, nil
}

// javaDate is how API Gateway writes exp and iat into the claims.
const javaDate = "Mon Jan 02 15:04:05 UTC 2006"

// apiGatewayClaims turns verified claims into what API Gateway's Cognito
// authorizer passes in requestContext.authorizer.claims.
func apiGatewayClaims(c jwt.MapClaims) map[string]any {
	out := make(map[string]any, len(c))
	for k, val := range c {
		if n, ok := val.(json.Number); ok && (k == "exp" || k == "iat") {
			if secs, err := n.Int64(); err == nil {
				out[k] = time.Unix(secs, 0).UTC().Format(javaDate)
				continue
			}
		}
		out[k] = claimString(val)
	}
	return out
}

func claimString(val any) string {
	switch x := val.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	case nil:
		return ""
	case []any:
		parts := make([]string, len(x))
		for k, e := range x {
			parts[k] = claimString(e)
		}
		return strings.Join(parts, ",")
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}
