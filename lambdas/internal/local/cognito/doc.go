// Package cognito is a small local stand-in for the Amazon Cognito user pool
// that guards the deployed API, for the local dev server (make dev) and the
// browser end-to-end tests.
//
// It has two halves:
//
//   - Issuer answers the subset of the Cognito user pool JSON API that the web
//     app calls: POST with X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>
//     for SignUp, ConfirmSignUp, ResendConfirmationCode, InitiateAuth
//     (USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH), RespondToAuthChallenge
//     (MFA_SETUP and SOFTWARE_TOKEN_MFA), AssociateSoftwareToken,
//     VerifySoftwareToken, SetUserMFAPreference, GetUser, ForgotPassword,
//     ConfirmForgotPassword, ChangePassword, RevokeToken and GlobalSignOut,
//     with Cognito's request and response shapes, error shapes
//     ({"__type": "NotAuthorizedException", "message": ...} on a 400) and
//     messages; any other operation answers UnknownOperationException. The
//     AWS SDK for Go v2 client drives every one of them in the tests.
//
//     It enforces the pool and client settings it is given (Options.Settings,
//     which the local stack reads from the stage's synthesized
//     AWS::Cognito::UserPool and UserPoolClient): the password policy, MFA
//     OFF, OPTIONAL or ON with TOTP (SOFTWARE_TOKEN_MFA), the account recovery
//     mechanisms, the client's explicit auth flows (a flow it does not allow
//     gets Cognito's "<FLOW> flow not enabled for this client"), the ID, access
//     and refresh token validities, the challenge session validity
//     (AuthSessionValidity), PreventUserExistenceErrors and token revocation.
//     A setting it cannot emulate (an MFA factor other than TOTP) makes
//     NewIssuer fail, naming it. User names are emails (case-insensitive).
//
//     MFA: with MFA ON a password sign-in without an authenticator answers the
//     MFA_SETUP challenge (ChallengeParameters MFAS_CAN_SETUP
//     `["SOFTWARE_TOKEN_MFA"]` and USER_ID_FOR_SRP); AssociateSoftwareToken
//     with its Session answers a base32 SecretCode and a new Session,
//     VerifySoftwareToken with that Session answers SUCCESS and the Session
//     that RespondToAuthChallenge(MFA_SETUP) completes the sign-in with. Once
//     enrolled (with MFA OPTIONAL: once the user also turned TOTP on with
//     SetUserMFAPreference), sign-ins answer SOFTWARE_TOKEN_MFA
//     (FRIENDLY_DEVICE_NAME, USER_ID_FOR_SRP). Codes are RFC 6238 (SHA-1,
//     30-second steps, six digits) with one step of clock skew; a code whose
//     step was already accepted is refused (ExpiredCodeException "Your
//     software token has already been used once."), a wrong one is
//     CodeMismatchException and may be retried within the session, and wrong
//     codes count towards the sign-in lockout. Each session lasts
//     AuthSessionValidity and is spent once answered or replaced. Signed-in
//     users enrol with AssociateSoftwareToken and VerifySoftwareToken by
//     access token; a verified authenticator stays in use until a newly
//     associated one is verified. In a pool with MFA ON, SetUserMFAPreference
//     turning TOTP off succeeds and changes nothing.
//
//     Forgotten passwords: ForgotPassword mails a code valid for an hour (when
//     the recovery mechanisms include email), at most five requests or
//     confirmation attempts per user name an hour (LimitExceededException);
//     ConfirmForgotPassword applies the password policy, and a wrong code is
//     CodeMismatchException, an expired or used one ExpiredCodeException.
//     GlobalSignOut revokes every refresh token of the user, and the user
//     operations (GetUser, ChangePassword, …) refuse access tokens of the
//     sign-ins before it ("Access Token has been revoked"). ID tokens stay
//     valid for the API's authorizer until they expire, as in AWS.
//
//     It signs RS256 JWTs with the claims Cognito puts in them and publishes
//     the public key at <BaseURL>/<PoolID>/.well-known/jwks.json, as Cognito
//     does at https://cognito-idp.<region>.amazonaws.com/<PoolID>/.well-known/jwks.json.
//     With Options.DB set, users (with their TOTP enrolment, MFA preference,
//     last accepted TOTP step and password-reset code), the signing key,
//     refresh tokens (as hashes) and the mailbox live in PostgreSQL tables
//     (schema `local`), each change committed before it is answered, so a
//     restarted dev server keeps users signed in and enrolled. Challenge
//     sessions live in memory: a restart ends sign-ins in progress.
//
//     Sign-ins are throttled as Cognito throttles them: after five failed
//     password sign-ins or MFA codes for a user name (existing or not) it is
//     locked out for 2^(n-5) seconds, up to 15 minutes (NotAuthorizedException
//     "Password attempts exceeded"), and password checks, which cost a fifth
//     of a second of CPU each, share a token bucket (TooManyRequestsException
//     "Rate exceeded"; Options.PasswordChecksPerSecond).
//
//   - Verifier checks an ID token the way API Gateway's Cognito user pool
//     authorizer does (JWKS fetched over HTTP and cached, RS256 only, expiry,
//     issuer, token_use "id", audience = an app client id) and returns the
//     claims in the form API Gateway hands them to the Lambda in
//     requestContext.authorizer.claims: every value a string, with exp and iat
//     written as dates ("Mon Jan 02 15:04:05 UTC 2006"), as API Gateway does.
//     Its Authenticate method is a gateway.Authenticator.
//
// Instead of sending email, the Issuer appends each confirmation and
// password-reset code to a mailbox (and logs it): Issuer.Messages lists it and
// Issuer.Mailbox serves it as JSON for the end-to-end tests.
//
// Not emulated: SRP (USER_SRP_AUTH) and the other auth flows (USER_AUTH,
// CUSTOM_AUTH, the admin flows) and challenges (SMS_MFA, EMAIL_OTP,
// SELECT_MFA_TYPE, NEW_PASSWORD_REQUIRED, passkeys), phone numbers, device
// tracking, the hosted UI / managed login and its OAuth endpoints,
// attribute-change flows, admin operations, groups, Lambda triggers, client
// secrets, threat protection, rate limits other than on password checks, MFA
// codes and password resets, and real email. Lockouts and reset attempt counts
// are kept in memory: a restart forgets them. Refresh tokens are opaque random
// strings rather than Cognito's encrypted JWTs, and sessions opaque random
// strings. It is for local use only: it listens wherever the dev server mounts
// it and logs confirmation codes.
package cognito
