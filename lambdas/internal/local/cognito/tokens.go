package cognito

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// jwkSet and jwk are the JSON Web Key Set (RFC 7517) that Cognito publishes.
type jwkSet struct {
	Keys []jwk `json:"keys"`
}

type jwk struct {
	Alg string `json:"alg,omitempty"`
	E   string `json:"e"`
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	N   string `json:"n"`
	Use string `json:"use,omitempty"`
}

var b64 = base64.RawURLEncoding

func publicJWK(k *rsa.PublicKey, kid string) jwk {
	return jwk{
		Alg: "RS256",
		E:   b64.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
		Kid: kid,
		Kty: "RSA",
		N:   b64.EncodeToString(k.N.Bytes()),
		Use: "sig",
	}
}

// keyID is the RFC 7638 thumbprint of the public key.
func keyID(k *rsa.PublicKey) string {
	j := publicJWK(k, "")
	h := sha256.Sum256([]byte(`{"e":"` + j.E + `","kty":"RSA","n":"` + j.N + `"}`))
	return b64.EncodeToString(h[:])
}

// rsaKey decodes an RSA signing key of a JWKS; other keys give an error.
func (j jwk) rsaKey() (*rsa.PublicKey, error) {
	if j.Kty != "RSA" {
		return nil, fmt.Errorf("kty %q is not RSA", j.Kty)
	}
	if j.Use != "" && j.Use != "sig" {
		return nil, fmt.Errorf("use %q is not sig", j.Use)
	}
	if j.Alg != "" && j.Alg != "RS256" {
		return nil, fmt.Errorf("alg %q is not RS256", j.Alg)
	}
	nb, err := b64.DecodeString(j.N)
	if err != nil {
		return nil, fmt.Errorf("n: %w", err)
	}
	eb, err := b64.DecodeString(j.E)
	if err != nil {
		return nil, fmt.Errorf("e: %w", err)
	}
	n, e := new(big.Int).SetBytes(nb), new(big.Int).SetBytes(eb)
	if n.BitLen() < 2048 {
		return nil, fmt.Errorf("modulus has %d bits, want at least 2048", n.BitLen())
	}
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
		return nil, errors.New("exponent is not an odd number between 3 and 2^31-1")
	}
	return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
}

// newID is a random (version 4) UUID, like Cognito's sub, jti and event_id.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// session is what the tokens of one sign-in share.
type session struct {
	originJTI string // the sign-in's id, kept by refreshed tokens
	authTime  int64  // the sign-in's time, kept by refreshed tokens
}

// mintTokens signs an ID token and an access token for u, with Cognito's claims.
func (i *Issuer) mintTokens(u *user, s session, now time.Time) (idToken, accessToken string, err error) {
	iat := now.Unix()
	st := i.opts.Settings
	idToken, err = i.sign(jwt.MapClaims{
		"sub":              u.Sub,
		"email_verified":   true,
		"iss":              i.issuer,
		"cognito:username": u.Sub,
		"origin_jti":       s.originJTI,
		"aud":              i.opts.ClientID,
		"event_id":         newID(),
		"token_use":        "id",
		"auth_time":        s.authTime,
		"exp":              now.Add(st.IDTokenTTL).Unix(),
		"iat":              iat,
		"jti":              newID(),
		"email":            u.Email,
	})
	if err != nil {
		return "", "", err
	}
	accessToken, err = i.sign(jwt.MapClaims{
		"sub":        u.Sub,
		"iss":        i.issuer,
		"client_id":  i.opts.ClientID,
		"origin_jti": s.originJTI,
		"event_id":   newID(),
		"token_use":  "access",
		"scope":      "aws.cognito.signin.user.admin",
		"auth_time":  s.authTime,
		"exp":        now.Add(st.AccessTokenTTL).Unix(),
		"iat":        iat,
		"jti":        newID(),
		"username":   u.Sub,
	})
	return idToken, accessToken, err
}

func (i *Issuer) sign(c jwt.MapClaims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	t.Header["kid"] = i.kid
	return t.SignedString(i.key)
}

// newRefreshToken is an opaque random token (Cognito's are encrypted JWTs,
// which clients treat as opaque too).
func newRefreshToken() string {
	b := make([]byte, 48)
	_, _ = rand.Read(b)
	return b64.EncodeToString(b)
}

// parseAccessToken checks an access token this Issuer signed; the error
// message is Cognito's.
func (i *Issuer) parseAccessToken(token string) (jwt.MapClaims, *apiError) {
	claims := jwt.MapClaims{}
	_, err := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
		jwt.WithTimeFunc(i.opts.Now),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(i.issuer),
	).ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return &i.key.PublicKey, nil })
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, notAuthorized("Access Token has expired")
	case err != nil || claims["token_use"] != "access" || claims["client_id"] != i.opts.ClientID:
		return nil, notAuthorized("Invalid Access Token")
	}
	return claims, nil
}
