package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stratus-cdk/stratus/stacks"
)

// supportedSignIn is what the web app implements of Cognito sign-in: web/src/auth/supported.json,
// which the app's own tests hold its code to.
type supportedSignIn struct {
	AuthFlows          []string `json:"authFlows"`
	Challenges         []string `json:"challenges"`
	MFAFactors         []string `json:"mfaFactors"`
	FirstFactors       []string `json:"firstFactors"`
	RecoveryMechanisms []string `json:"recoveryMechanisms"`
}

func readSupportedSignIn(t *testing.T) supportedSignIn {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("web", "src", "auth", "supported.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s supportedSignIn
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("web/src/auth/supported.json: %v", err)
	}
	return s
}

// signInGaps lists what a user pool and its app client can ask of a user signing in that the web
// app does not implement: a challenge the pool can issue (from its MFA configuration and factors,
// and NEW_PASSWORD_REQUIRED where only administrators create users), a first factor other than a
// password (passkeys, one-time codes: a user who has no password cannot sign in with one), an
// account-recovery mechanism, and an auth flow the app uses that the client does not allow.
func signInGaps(pool, client resource, app supportedSignIn) []string {
	var gaps []string
	lacks := func(list []string, v, what string) {
		if !slices.Contains(list, v) {
			gaps = append(gaps, fmt.Sprintf("%s %s, which the web app does not implement", what, v))
		}
	}
	str := func(v any) string { s, _ := v.(string); return s }
	strs := func(v any) []string {
		var out []string
		list, _ := v.([]any)
		for _, e := range list {
			out = append(out, str(e))
		}
		return out
	}

	mfa := str(property(pool, "MfaConfiguration"))
	if mfa == "" {
		mfa = "OFF"
	}
	factors := strs(property(pool, "EnabledMfas"))
	if mfa != "OFF" {
		if len(factors) == 0 {
			// CloudFormation's default second factor is SMS.
			factors = []string{"SMS_MFA"}
		}
		for _, f := range factors {
			lacks(app.MFAFactors, f, "the MFA factor")
			// Each factor's sign-in challenge has the factor's name (EMAIL_OTP, SMS_MFA, SOFTWARE_TOKEN_MFA).
			lacks(app.Challenges, f, "the challenge")
		}
		if len(factors) > 1 {
			lacks(app.Challenges, "SELECT_MFA_TYPE", "the challenge")
		}
	}
	if mfa == "ON" {
		// A user without a second factor enrols at sign-in.
		lacks(app.Challenges, "MFA_SETUP", "the challenge")
	}
	if adminOnly, _ := property(pool, "AdminCreateUserConfig", "AllowAdminCreateUserOnly").(bool); adminOnly {
		lacks(app.Challenges, "NEW_PASSWORD_REQUIRED", "the challenge (users created by an administrator)")
	}
	for _, f := range strs(property(pool, "Policies", "SignInPolicy", "AllowedFirstAuthFactors")) {
		lacks(app.FirstFactors, f, "the first sign-in factor")
	}
	recovery := []string{"verified_phone_number", "verified_email"} // CloudFormation's default
	if list, ok := property(pool, "AccountRecoverySetting", "RecoveryMechanisms").([]any); ok {
		recovery = nil
		for _, m := range list {
			recovery = append(recovery, str(m.(map[string]any)["Name"]))
		}
	}
	for _, m := range recovery {
		lacks(app.RecoveryMechanisms, m, "the account recovery mechanism")
	}

	flows := strs(property(client, "ExplicitAuthFlows"))
	if flows == nil {
		flows = []string{"ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"} // CloudFormation's default
	}
	for _, f := range app.AuthFlows {
		if !slices.Contains(flows, "ALLOW_"+f) {
			gaps = append(gaps, fmt.Sprintf("the client does not allow ALLOW_%s, which the web app signs in with", f))
		}
	}
	return gaps
}

// Every stage's pool and client ask nothing of a user signing in that the web app cannot answer:
// a configuration change (an EMAIL_OTP factor, passkeys, SMS recovery) fails here, not in front of
// a locked-out user.
func TestSignInGuard(t *testing.T) {
	app := readSupportedSignIn(t)
	for name, stage := range map[string]*stacks.Stage{"Dev": built.Dev, "Staging": built.Staging, "Prod": built.Prod} {
		t.Run(name, func(t *testing.T) {
			st := loadStage(t, stage)
			_, client := st.app.one(t, "AWS::Cognito::UserPoolClient", "Api")
			for _, gap := range signInGaps(st.userPool(t), client, app) {
				t.Errorf("%s's user pool can require %s", name, gap)
			}
		})
	}
}

// The guard fails where it should: Prod's pool with another factor (EMAIL_OTP, SMS), passkeys as a first factor,
// SMS recovery, an invitation-only pool, and a client without password sign-in.
func TestSignInGuardFailsOnWhatTheAppLacks(t *testing.T) {
	app := readSupportedSignIn(t)
	st := loadStage(t, built.Prod)
	_, client := st.app.one(t, "AWS::Cognito::UserPoolClient", "Api")
	pool := st.userPool(t)
	changed := func(r resource, edit func(props map[string]any)) resource {
		b, _ := json.Marshal(r)
		var c resource
		_ = json.Unmarshal(b, &c)
		edit(c.Properties)
		return c
	}
	for _, tc := range []struct {
		name       string
		pool, cli  resource
		wantInGaps string
	}{
		{"an EMAIL_OTP factor", changed(pool, func(p map[string]any) {
			p["EnabledMfas"] = []any{"SOFTWARE_TOKEN_MFA", "EMAIL_OTP"}
		}), client, "the MFA factor EMAIL_OTP"},
		{"an SMS factor", changed(pool, func(p map[string]any) {
			p["EnabledMfas"] = []any{"SOFTWARE_TOKEN_MFA", "SMS_MFA"}
		}), client, "the MFA factor SMS_MFA"},
		{"passkeys", changed(pool, func(p map[string]any) {
			p["Policies"].(map[string]any)["SignInPolicy"] = map[string]any{"AllowedFirstAuthFactors": []any{"PASSWORD", "WEB_AUTHN"}}
		}), client, "the first sign-in factor WEB_AUTHN"},
		{"SMS recovery", changed(pool, func(p map[string]any) { delete(p, "AccountRecoverySetting") }), client,
			"the account recovery mechanism verified_phone_number"},
		{"invitation only", changed(pool, func(p map[string]any) {
			p["AdminCreateUserConfig"] = map[string]any{"AllowAdminCreateUserOnly": true}
		}), client, "the challenge (users created by an administrator) NEW_PASSWORD_REQUIRED"},
		{"no password flow", pool, changed(client, func(p map[string]any) {
			p["ExplicitAuthFlows"] = []any{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
		}), "ALLOW_USER_PASSWORD_AUTH"},
	} {
		gaps := strings.Join(signInGaps(tc.pool, tc.cli, app), "\n")
		if !strings.Contains(gaps, tc.wantInGaps) {
			t.Errorf("%s: the guard reports %q, want it to name %q", tc.name, gaps, tc.wantInGaps)
		}
	}
	if gaps := signInGaps(pool, client, app); len(gaps) > 0 {
		t.Errorf("the unchanged Prod pool (the control) has gaps: %v", gaps)
	}
}
