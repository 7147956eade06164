package mapping

import (
	"errors"
	"sort"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/local/cognito"
)

// Cognito is the user pool and app client the local Cognito stands in for.
type Cognito struct {
	Pool, Client *Resource
	Settings     cognito.Settings
}

var cognitoEmulation = emulation{
	service: "Cognito user pool and app client", file: "cognito.go",
	reads: map[string][]string{
		"AWS::Cognito::UserPool": {"Policies.PasswordPolicy", "MfaConfiguration", "EnabledMfas", "AccountRecoverySetting"},
		"AWS::Cognito::UserPoolClient": {"ExplicitAuthFlows", "AccessTokenValidity", "IdTokenValidity", "RefreshTokenValidity",
			"TokenValidityUnits", "AuthSessionValidity", "PreventUserExistenceErrors", "EnableTokenRevocation"},
	},
	// Names, messages and schema the stand-in already matches, or the deployed service's own
	// business (deletion protection, the feature plan, the sender).
	inert: map[string][]string{
		"AWS::Cognito::UserPool": {"Policies", "UsernameAttributes", "UsernameConfiguration", "AutoVerifiedAttributes", "Schema",
			"AdminCreateUserConfig", "UserAttributeUpdateSettings", "VerificationMessageTemplate", "EmailVerificationMessage",
			"EmailVerificationSubject", "SmsVerificationMessage", "DeletionProtection", "UserPoolTier", "EmailConfiguration"},
		"AWS::Cognito::UserPoolClient": {"UserPoolId", "GenerateSecret", "SupportedIdentityProviders", "AllowedOAuthFlowsUserPoolClient"},
	},
	locally: "`/cognito/`, the Cognito JSON API the web app calls, with the pool's password policy, MFA (TOTP enrolment and codes), recovery, the client's flows and token lifetimes; RS256 tokens and a JWKS (`lambdas/internal/local/cognito`); codes go to `/_local/mail`",
}

// readCognito reads the stage's user pool and the client that belongs to it.
func readCognito(a *Assembly) (Cognito, []string, error) {
	pool, err := one(a, "AWS::Cognito::UserPool", "the user pool users sign in to", nil)
	if err != nil {
		return Cognito{}, nil, err
	}
	client, err := one(a, "AWS::Cognito::UserPoolClient", "the app client of "+pool.LogicalID, func(r *Resource) bool {
		return r.refersTo(r.Prop("UserPoolId"), pool)
	})
	if err != nil {
		return Cognito{}, nil, err
	}
	s := cognito.DefaultSettings()

	p := &reader{r: pool}
	if pool.Prop("Policies", "PasswordPolicy") != nil {
		// A policy in the template: its booleans default to false, its length to 8.
		s.Password = cognito.PasswordPolicy{
			MinimumLength:    p.integer(8, "Policies", "PasswordPolicy", "MinimumLength"),
			RequireLowercase: p.boolean(false, "Policies", "PasswordPolicy", "RequireLowercase"),
			RequireUppercase: p.boolean(false, "Policies", "PasswordPolicy", "RequireUppercase"),
			RequireNumbers:   p.boolean(false, "Policies", "PasswordPolicy", "RequireNumbers"),
			RequireSymbols:   p.boolean(false, "Policies", "PasswordPolicy", "RequireSymbols"),
		}
	}
	s.MFA = p.str(s.MFA, "MfaConfiguration")
	if s.MFA != "OFF" && s.MFA != "ON" && s.MFA != "OPTIONAL" {
		p.fail([]string{"MfaConfiguration"}, "is %q, not OFF, ON or OPTIONAL", s.MFA)
	}
	s.EnabledMFAs = p.strings(nil, "EnabledMfas")
	if v := pool.Prop("AccountRecoverySetting", "RecoveryMechanisms"); v != nil {
		s.RecoveryMechanisms = recoveryMechanisms(p, v)
	}

	c := &reader{r: client}
	s.AuthFlows = c.strings(s.AuthFlows, "ExplicitAuthFlows")
	s.AccessTokenTTL = validity(c, s.AccessTokenTTL, "AccessTokenValidity", "AccessToken", time.Hour)
	s.IDTokenTTL = validity(c, s.IDTokenTTL, "IdTokenValidity", "IdToken", time.Hour)
	s.RefreshTokenTTL = validity(c, s.RefreshTokenTTL, "RefreshTokenValidity", "RefreshToken", 24*time.Hour)
	s.AuthSessionTTL = time.Duration(c.integer(int(s.AuthSessionTTL/time.Minute), "AuthSessionValidity")) * time.Minute
	s.PreventUserExistenceErrors = c.str("LEGACY", "PreventUserExistenceErrors") == "ENABLED"
	s.TokenRevocation = c.boolean(s.TokenRevocation, "EnableTokenRevocation")
	if c.boolean(false, "GenerateSecret") {
		c.fail([]string{"GenerateSecret"}, "is true: the local Cognito serves public clients only, as the web app is one")
	}

	if err := errors.Join(p.err(), c.err()); err != nil {
		return Cognito{}, nil, err
	}
	notes := append(unemulated(pool, cognitoEmulation.known(pool.Type)...), unemulated(client, cognitoEmulation.known(client.Type)...)...)
	return Cognito{Pool: pool, Client: client, Settings: s}, notes, nil
}

// validity reads a token validity in its TokenValidityUnits unit (def's unit where the template
// leaves the unit out, as CloudFormation does).
func validity(c *reader, def time.Duration, prop, unitProp string, defUnit time.Duration) time.Duration {
	if c.r.Prop(prop) == nil {
		return def
	}
	n := c.integer(0, prop)
	unit := defUnit
	switch u := c.str("", "TokenValidityUnits", unitProp); u {
	case "":
	case "seconds":
		unit = time.Second
	case "minutes":
		unit = time.Minute
	case "hours":
		unit = time.Hour
	case "days":
		unit = 24 * time.Hour
	default:
		c.fail([]string{"TokenValidityUnits", unitProp}, "is %q, not seconds, minutes, hours or days", u)
	}
	return time.Duration(n) * unit
}

// recoveryMechanisms orders AccountRecoverySetting.RecoveryMechanisms by priority.
func recoveryMechanisms(p *reader, v any) []string {
	list, ok := v.([]any)
	type mech struct {
		name     string
		priority float64
	}
	var ms []mech
	for _, e := range list {
		m, isMap := e.(map[string]any)
		name, nameOK := m["Name"].(string)
		prio, prioOK := m["Priority"].(float64)
		if !isMap || !nameOK || !prioOK {
			ok = false
			break
		}
		ms = append(ms, mech{name, prio})
	}
	if !ok {
		p.fail([]string{"AccountRecoverySetting", "RecoveryMechanisms"}, "is %s, not a list of {Name, Priority}", describe(v))
		return nil
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].priority < ms[j].priority })
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.name
	}
	return out
}
