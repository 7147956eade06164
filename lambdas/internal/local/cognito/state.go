package cognito

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxMessages bounds the mailbox; older messages are dropped.
const maxMessages = 500

// state is everything the Issuer keeps (see store).
type state struct {
	// SigningKey is the RSA private key, PKCS #8 PEM.
	SigningKey string
	// Users by lower-cased email.
	Users map[string]*user
	// RefreshTokens by hex SHA-256 of the token.
	RefreshTokens map[string]*refreshToken
	// Messages, oldest first.
	Messages []Message
}

type user struct {
	Sub          string
	Email        string
	PasswordHash string
	Confirmed    bool
	Code         string
	CodeSentAt   time.Time
	CreatedAt    time.Time

	// TOTP MFA: the verified secret (base32; "" until VerifySoftwareToken succeeds), a secret
	// associated but not verified yet, whether TOTP is enabled and preferred
	// (SetUserMFAPreference), the device name given at verification, and the last time step
	// whose code was accepted (a code of that step or an earlier one is refused as used).
	TOTPSecret    string
	TOTPPending   string
	TOTPEnabled   bool
	TOTPPreferred bool
	TOTPDevice    string
	TOTPLastStep  int64

	// The ForgotPassword code, when it was sent, and whether ConfirmForgotPassword used it.
	ResetCode   string
	ResetSentAt time.Time
	ResetUsed   bool
}

type refreshToken struct {
	Sub       string
	ClientID  string
	OriginJTI string
	AuthTime  int64
	ExpiresAt time.Time
	Revoked   bool
}

func newState() *state {
	return &state{
		Users:         map[string]*user{},
		RefreshTokens: map[string]*refreshToken{},
	}
}

// prune drops refresh tokens that expired and old messages.
func (s *state) prune(now time.Time) {
	for h, rt := range s.RefreshTokens {
		if now.After(rt.ExpiresAt) {
			delete(s.RefreshTokens, h)
		}
	}
	if n := len(s.Messages); n > maxMessages {
		s.Messages = append([]Message(nil), s.Messages[n-maxMessages:]...)
	}
}

func encodeKey(k *rsa.PrivateKey) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

func decodeKey(s string) (*rsa.PrivateKey, error) {
	blk, _ := pem.Decode([]byte(s))
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, errors.New("cognito: the kept signing key is not a PKCS #8 PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("cognito: the kept signing key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("cognito: the kept signing key is a %T, not RSA", k)
	}
	return rk, nil
}

// Password hashing: PBKDF2-HMAC-SHA256 (OWASP's 600,000 iterations), stored as
// "pbkdf2-sha256$<iterations>$<salt>$<hash>" so the count can change later.
var pbkdf2Iterations = 600_000

const hashScheme = "pbkdf2-sha256"

func hashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	dk, err := pbkdf2.Key(sha256.New, password, salt, pbkdf2Iterations, 32)
	if err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding
	return hashScheme + "$" + strconv.Itoa(pbkdf2Iterations) + "$" + enc.EncodeToString(salt) + "$" + enc.EncodeToString(dk), nil
}

// checkPassword reports whether password matches the stored hash.
func checkPassword(stored, password string) bool {
	parts := strings.Split(stored, "$")
	if len(parts) != 4 || parts[0] != hashScheme {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[2])
	want, err2 := enc.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, password, salt, iter, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

// tokenHash is how refresh tokens are stored: only their SHA-256.
func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}
