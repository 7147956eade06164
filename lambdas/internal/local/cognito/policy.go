package cognito

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// softwareTokenMFA is the one MFA factor the stand-in emulates (TOTP, RFC 6238).
const softwareTokenMFA = "SOFTWARE_TOKEN_MFA"

// problems lists what is wrong with s, or what of it the stand-in cannot emulate, one phrase each:
// NewIssuer refuses to start on any, so a stage whose pool issues something not emulated fails at
// start-up, naming it, rather than signing users in differently from the deployed pool.
func (s Settings) problems() []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf("Settings."+format, args...)) }
	switch s.MFA {
	case "OFF":
	case "ON", "OPTIONAL":
		if len(s.EnabledMFAs) == 0 {
			add("EnabledMFAs is empty with MFA %s: name the factors (the local Cognito emulates %s)", s.MFA, softwareTokenMFA)
		}
	default:
		add("MFA %q is not OFF, ON or OPTIONAL", s.MFA)
	}
	for _, f := range s.EnabledMFAs {
		if f != softwareTokenMFA {
			add("EnabledMFAs has %s, which the local Cognito does not emulate (only %s)", f, softwareTokenMFA)
		}
	}
	// Cognito's own bounds (the CloudFormation resource reference of the pool and the client).
	if p := s.Password.MinimumLength; p < 6 || p > 99 {
		add("Password.MinimumLength %d is not between 6 and 99", p)
	}
	for _, m := range s.RecoveryMechanisms {
		if m != "verified_email" && m != "verified_phone_number" && m != "admin_only" {
			add("RecoveryMechanisms has %q, not verified_email, verified_phone_number or admin_only", m)
		}
	}
	if slices.Contains(s.RecoveryMechanisms, "admin_only") && len(s.RecoveryMechanisms) > 1 {
		add("RecoveryMechanisms has admin_only with other mechanisms, which Cognito refuses")
	}
	for _, b := range []struct {
		name     string
		v        time.Duration
		min, max time.Duration
	}{
		{"AccessTokenTTL", s.AccessTokenTTL, 5 * time.Minute, 24 * time.Hour},
		{"IDTokenTTL", s.IDTokenTTL, 5 * time.Minute, 24 * time.Hour},
		{"RefreshTokenTTL", s.RefreshTokenTTL, time.Hour, 3650 * 24 * time.Hour},
		{"AuthSessionTTL", s.AuthSessionTTL, 3 * time.Minute, 15 * time.Minute},
	} {
		if b.v < b.min || b.v > b.max {
			add("%s %v is not between %v and %v", b.name, b.v, b.min, b.max)
		}
	}
	return out
}

// totpEnabled reports whether the pool offers TOTP MFA at all.
func (s Settings) totpEnabled() bool {
	return s.MFA != "OFF" && slices.Contains(s.EnabledMFAs, softwareTokenMFA)
}

// allowsFlow reports whether the client's ExplicitAuthFlows allow an InitiateAuth AuthFlow.
// Both spellings CloudFormation accepts count: ALLOW_USER_PASSWORD_AUTH and the legacy
// USER_PASSWORD_AUTH. A client with legacy names only always allows refreshing, as Cognito does.
func (s Settings) allowsFlow(flow string) bool {
	if flow == "REFRESH_TOKEN" {
		flow = "REFRESH_TOKEN_AUTH"
	}
	legacy := false
	for _, f := range s.AuthFlows {
		if f == "ALLOW_"+flow || f == flow {
			return true
		}
		legacy = legacy || !strings.HasPrefix(f, "ALLOW_")
	}
	return flow == "REFRESH_TOKEN_AUTH" && legacy
}

// emailRecovery reports whether ForgotPassword may send its code by email: the pool's
// RecoveryMechanisms name verified_email (or are left to Cognito's default, which ends with it).
func (s Settings) emailRecovery() bool {
	return len(s.RecoveryMechanisms) == 0 || slices.Contains(s.RecoveryMechanisms, "verified_email")
}

// cognitoSymbols are the characters Cognito counts as symbols.
const cognitoSymbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

// checkPasswordPolicy applies the pool's password policy with Cognito's messages; member is the
// request member the password came in ("password", "proposedPassword").
func checkPasswordPolicy(p string, policy PasswordPolicy, member string) *apiError {
	if utf8.RuneCountInString(p) > 256 {
		return invalidParameter("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to 256", member)
	}
	if first, _ := utf8.DecodeRuneInString(p); unicode.IsSpace(first) || strings.TrimRightFunc(p, unicode.IsSpace) != p {
		return invalidParameter(`1 validation error detected: Value at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\S]+.*[\S]+$`, member)
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
	case utf8.RuneCountInString(p) < policy.MinimumLength:
		return badRequest("InvalidPasswordException", prefix+"Password not long enough")
	case policy.RequireLowercase && !lower:
		return badRequest("InvalidPasswordException", prefix+"Password must have lowercase characters")
	case policy.RequireUppercase && !upper:
		return badRequest("InvalidPasswordException", prefix+"Password must have uppercase characters")
	case policy.RequireNumbers && !digit:
		return badRequest("InvalidPasswordException", prefix+"Password must have numeric characters")
	case policy.RequireSymbols && !symbol:
		return badRequest("InvalidPasswordException", prefix+"Password must have symbol characters")
	}
	return nil
}
