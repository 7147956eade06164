package cognito

import "time"

// Settings are the user pool's and its app client's settings that the Issuer enforces. The local
// stack reads them from the synthesized AWS::Cognito::UserPool and AWS::Cognito::UserPoolClient
// (package mapping), so that it signs users in as that stage's pool would; nothing here copies a
// stage's value. The Issuer enforces them as given: start from [DefaultSettings], Cognito's own
// defaults for a property a template leaves out, and override what the template sets.
type Settings struct {
	// Password is the pool's Policies.PasswordPolicy.
	Password PasswordPolicy
	// MFA is the pool's MfaConfiguration: "OFF", "OPTIONAL" or "ON".
	MFA string
	// EnabledMFAs is the pool's EnabledMfas, e.g. ["SOFTWARE_TOKEN_MFA"].
	EnabledMFAs []string
	// RecoveryMechanisms are the pool's AccountRecoverySetting.RecoveryMechanisms names in priority
	// order ("verified_email", "verified_phone_number", "admin_only").
	RecoveryMechanisms []string
	// AuthFlows is the client's ExplicitAuthFlows, e.g. ["ALLOW_USER_PASSWORD_AUTH",
	// "ALLOW_REFRESH_TOKEN_AUTH"].
	AuthFlows []string
	// AccessTokenTTL, IDTokenTTL and RefreshTokenTTL are the client's token validities.
	AccessTokenTTL, IDTokenTTL, RefreshTokenTTL time.Duration
	// AuthSessionTTL is the client's AuthSessionValidity: how long a challenge's session lasts.
	AuthSessionTTL time.Duration
	// PreventUserExistenceErrors is the client's PreventUserExistenceErrors == "ENABLED".
	PreventUserExistenceErrors bool
	// TokenRevocation is the client's EnableTokenRevocation.
	TokenRevocation bool
}

// PasswordPolicy is a pool's Policies.PasswordPolicy.
type PasswordPolicy struct {
	MinimumLength    int
	RequireLowercase bool
	RequireUppercase bool
	RequireNumbers   bool
	RequireSymbols   bool
}

// DefaultSettings are Cognito's defaults for a pool and client whose template sets none of these
// properties (the CloudFormation resource reference of AWS::Cognito::UserPool and
// AWS::Cognito::UserPoolClient): MFA off, an 8-character password with every class of character,
// recovery by phone then email, SRP, custom and refresh-token flows, tokens of 1 hour, 1 hour and
// 30 days, 3-minute challenge sessions, user-existence errors and token revocation on.
func DefaultSettings() Settings {
	return Settings{
		Password: PasswordPolicy{MinimumLength: 8, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true},
		MFA:      "OFF",
		// Cognito's default when AccountRecoverySetting is left out.
		RecoveryMechanisms: []string{"verified_phone_number", "verified_email"},
		AuthFlows:          []string{"ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
		AccessTokenTTL:     time.Hour,
		IDTokenTTL:         time.Hour,
		RefreshTokenTTL:    30 * 24 * time.Hour,
		AuthSessionTTL:     3 * time.Minute,
		TokenRevocation:    true,
	}
}
