package apiwithauth

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stratus-cdk/stratus/internal/synth/nag"
)

// Token lifetimes of the SPA client.
const (
	accessTokenHours = 1
	idTokenHours     = 1
	refreshTokenDays = 30
)

// createUserPool makes the pool users sign in to: email as user name, a
// strong password policy, email-only recovery, TOTP MFA, threat protection.
func (a *ApiWithAuth) createUserPool(p *Props, c *config) {
	if p.ExistingUserPool != nil {
		a.UserPool = p.ExistingUserPool
		return
	}
	plan := awscognito.FeaturePlan_PLUS
	if c.threatProtection == awscognito.StandardThreatProtectionMode_NO_ENFORCEMENT {
		plan = awscognito.FeaturePlan_ESSENTIALS
	}
	up := &awscognito.UserPoolProps{
		SignInAliases:       &awscognito.SignInAliases{Email: jsii.Bool(true)},
		SignInCaseSensitive: jsii.Bool(false),
		AutoVerify:          &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		KeepOriginal:        &awscognito.KeepOriginalAttrs{Email: jsii.Bool(true)},
		StandardAttributes: &awscognito.StandardAttributes{
			Email: &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
		},
		SelfSignUpEnabled: jsii.Bool(c.selfSignUp),
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:            jsii.Number(12),
			RequireLowercase:     jsii.Bool(true),
			RequireUppercase:     jsii.Bool(true),
			RequireDigits:        jsii.Bool(true),
			RequireSymbols:       jsii.Bool(true),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
		},
		AccountRecovery:    awscognito.AccountRecovery_EMAIL_ONLY,
		Email:              p.Email,
		Mfa:                c.mfa,
		DeletionProtection: jsii.Bool(c.deletion),
		FeaturePlan:        plan,
		RemovalPolicy:      c.removal,
	}
	if c.mfa != awscognito.Mfa_OFF {
		// TOTP only: SMS would need an SNS role, spend limits and carries
		// SIM-swap risk.
		up.MfaSecondFactor = &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)}
	}
	if plan == awscognito.FeaturePlan_PLUS {
		up.StandardThreatProtectionMode = c.threatProtection
	}
	pool := awscognito.NewUserPool(a.Construct, jsii.String("UserPool"), up)
	a.UserPool = pool

	var rules []*cdknag.NagPackSuppression
	if c.mfa != awscognito.Mfa_REQUIRED {
		rules = append(rules, nag.Rule("AwsSolutions-COG2",
			"MFA is "+string(c.mfa)+" by the caller's choice (Props.Mfa): users may enrol a TOTP authenticator; "+
				"requiring it is a product decision that this construct leaves to the stack."))
	}
	if plan != awscognito.FeaturePlan_PLUS {
		rules = append(rules, nag.Rule("AwsSolutions-COG8",
			"Threat protection was turned off by the caller (Props.ThreatProtection NO_ENFORCEMENT), "+
				"which keeps the pool on the ESSENTIALS plan: the PLUS plan bills every monthly active user with no free tier."))
	}
	if len(rules) > 0 {
		nag.Suppress(pool, rules...)
	}
}

// createClient adds the SPA's public client: no secret, SRP sign-in (and
// password sign-in with PasswordAuth), and
// the authorization-code grant when callback URLs are given. Cognito has no
// switch that requires PKCE: it checks the code_verifier whenever the
// authorize request carried a code_challenge, which OIDC libraries for
// browsers (oidc-client-ts) always send.
func (a *ApiWithAuth) createClient(p *Props) {
	cp := &awscognito.UserPoolClientProps{
		UserPool:                   a.UserPool,
		GenerateSecret:             jsii.Bool(false),
		AuthFlows:                  &awscognito.AuthFlow{UserSrp: jsii.Bool(true), UserPassword: jsii.Bool(p.PasswordAuth != nil && *p.PasswordAuth)},
		AccessTokenValidity:        awscdk.Duration_Hours(jsii.Number(accessTokenHours)),
		IdTokenValidity:            awscdk.Duration_Hours(jsii.Number(idTokenHours)),
		RefreshTokenValidity:       awscdk.Duration_Days(jsii.Number(refreshTokenDays)),
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		SupportedIdentityProviders: &[]awscognito.UserPoolClientIdentityProvider{
			awscognito.UserPoolClientIdentityProvider_COGNITO(),
		},
	}
	if p.CallbackUrls == nil || len(*p.CallbackUrls) == 0 {
		// Without callback URLs CDK would register https://example.com.
		cp.DisableOAuth = jsii.Bool(true)
	} else {
		oauth := &awscognito.OAuthSettings{
			Flows: &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true)},
			Scopes: &[]awscognito.OAuthScope{
				awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL(), awscognito.OAuthScope_PROFILE(),
			},
			CallbackUrls: p.CallbackUrls,
		}
		if p.LogoutUrls != nil && len(*p.LogoutUrls) > 0 {
			oauth.LogoutUrls = p.LogoutUrls
		}
		cp.OAuth = oauth
	}
	a.Client = awscognito.NewUserPoolClient(a.Construct, jsii.String("SpaClient"), cp)
}

// createLoginDomain adds the managed-login domain: the newer managed login
// (with Cognito's default branding) on a new pool, whose ESSENTIALS or PLUS
// plan supports it; the classic hosted UI on an existing pool, whose plan
// is unknown.
func (a *ApiWithAuth) createLoginDomain(p *Props, c *config) {
	if p.DomainPrefix == nil {
		return
	}
	version := awscognito.ManagedLoginVersion_NEWER_MANAGED_LOGIN
	if p.ExistingUserPool != nil {
		version = awscognito.ManagedLoginVersion_CLASSIC_HOSTED_UI
	}
	a.LoginDomain = awscognito.NewUserPoolDomain(a.Construct, jsii.String("LoginDomain"), &awscognito.UserPoolDomainProps{
		UserPool:            a.UserPool,
		CognitoDomain:       &awscognito.CognitoDomainOptions{DomainPrefix: p.DomainPrefix},
		ManagedLoginVersion: version,
	})
	if version == awscognito.ManagedLoginVersion_NEWER_MANAGED_LOGIN {
		awscognito.NewCfnManagedLoginBranding(a.Construct, jsii.String("LoginBranding"), &awscognito.CfnManagedLoginBrandingProps{
			UserPoolId:               a.UserPool.UserPoolId(),
			ClientId:                 a.Client.UserPoolClientId(),
			UseCognitoProvidedValues: jsii.Bool(true),
		})
	}
}
