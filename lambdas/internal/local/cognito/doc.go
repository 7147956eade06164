// Package cognito is a small local stand-in for the Amazon Cognito user pool
// that guards the deployed API, for the local dev server (make dev) and the
// browser end-to-end tests.
//
// It has two halves:
//
//   - Issuer answers the subset of the Cognito user pool JSON API that the web
//     app calls (web/src/auth/cognito.ts): POST with
//     X-Amz-Target: AWSCognitoIdentityProviderService.<Operation> for SignUp,
//     ConfirmSignUp, ResendConfirmationCode, InitiateAuth (USER_PASSWORD_AUTH
//     and REFRESH_TOKEN_AUTH), RevokeToken and GetUser, with Cognito's error
//     shapes ({"__type": "NotAuthorizedException", "message": ...} on a 400)
//     and messages. It enforces the deployed pool's settings: email as the
//     user name (case-insensitive), a 12-character password with lower case,
//     upper case, digit and symbol, one-hour ID and access tokens, 30-day
//     refresh tokens, token revocation, and no user-existence errors on sign-in.
//     It signs RS256 JWTs with the claims Cognito puts in them and publishes
//     the public key at <BaseURL>/<PoolID>/.well-known/jwks.json, as Cognito
//     does at https://cognito-idp.<region>.amazonaws.com/<PoolID>/.well-known/jwks.json.
//     With Options.DB set, users, the signing key, refresh tokens (as hashes)
//     and the mailbox live in PostgreSQL tables (schema `local`), each change
//     committed before it is answered, so a restarted dev server keeps users
//     signed in.
//
//     Sign-ins are throttled as Cognito throttles them: after five failed
//     password sign-ins for a user name (existing or not) it is locked out for
//     2^(n-5) seconds, up to 15 minutes (NotAuthorizedException "Password
//     attempts exceeded"), and password checks, which cost a fifth of a second
//     of CPU each, share a token bucket (TooManyRequestsException "Rate
//     exceeded"; Options.PasswordChecksPerSecond).
//
//   - Verifier checks an ID token the way API Gateway's Cognito user pool
//     authorizer does (JWKS fetched over HTTP and cached, RS256 only, expiry,
//     issuer, token_use "id", audience = an app client id) and returns the
//     claims in the form API Gateway hands them to the Lambda in
//     requestContext.authorizer.claims: every value a string, with exp and iat
//     written as dates ("Mon Jan 02 15:04:05 UTC 2006"), as API Gateway does.
//     Its Authenticate method is an httpapi.Authenticator.
//
// Instead of sending email, the Issuer appends each confirmation code to a
// mailbox (and logs it): Issuer.Messages lists it and Issuer.Mailbox serves
// it as JSON for the end-to-end tests.
//
// Not emulated: SRP (USER_SRP_AUTH) and the other auth flows and challenges,
// MFA, the hosted UI / managed login and its OAuth endpoints, forgotten-password
// and attribute-change flows, admin operations,
// groups, Lambda triggers, client secrets, rate limits other than on password
// checks, and real email. Lockouts are kept in memory: a restart forgets them. Refresh tokens are opaque random strings
// rather than Cognito's encrypted JWTs. It is for local use only: it listens
// wherever the dev server mounts it and logs confirmation codes.
package cognito
