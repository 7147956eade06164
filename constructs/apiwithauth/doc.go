// Package apiwithauth is the front door of a serverless backend: a regional
// API Gateway REST API built from a route table, whose routes are
// authorized by a Cognito user pool, with a public client for a single-page
// app.
//
//	api := apiwithauth.New(stack, "Api", &apiwithauth.Props{
//		Routes: []apiwithauth.Route{
//			{Method: jsii.String("GET"), Path: jsii.String("/health"), Handler: fn, Public: jsii.Bool(true)},
//			{Method: jsii.String("GET"), Path: jsii.String("/items"), Handler: fn,
//				QueryParameters: map[string]bool{"cursor": false}}, // optional
//			{Method: jsii.String("GET"), Path: jsii.String("/items/{id}"), Handler: fn}, // id required
//			{Method: jsii.String("POST"), Path: jsii.String("/items"), Handler: fn, RequestSchema: itemSchema},
//		},
//		CorsOrigins: jsii.Strings("https://app.example.com"),
//	})
//	api.Alarms[0].AddAlarmAction(awscloudwatchactions.NewSnsAction(alarmTopic))
//
// # What a route gets
//
// Each route becomes one method with a Lambda proxy integration: the
// handler receives an events.APIGatewayProxyRequest. Unless the route is
// Public, the method uses a Cognito user-pools authorizer: the client sends
// the user's ID token in the Authorization header, and the handler finds its
// claims (sub, email, …) in requestContext.authorizer.claims.
//
// Every method is checked by the API's request validator (body and
// parameters) before the function runs:
//
//   - Parameters, always: each {parameter} of the path is declared required,
//     and each of Route.QueryParameters as declared (name → required). A
//     request without a required query parameter is answered 400
//     BAD_REQUEST_PARAMETERS; optional ones are documented in the API's
//     definition and exports without being enforced.
//   - The body, where the route has a RequestSchema (JSON Schema draft-04:
//     type, properties, required, additionalProperties, minLength/maxLength,
//     enum, format, pattern, minimum/maximum, …): it becomes the method's
//     model for application/json, and a body that does not match is
//     answered 400 BAD_REQUEST_BODY. API Gateway checks a body only against
//     a model for the request's Content-Type, so a route without a schema
//     passes its body on, and the handler should still check what it reads.
//
// Validation happens before anything is created: a duplicate method and
// path, a path without a leading "/", an unknown method, a nil handler (and
// every other bad prop) are reported together in one panic that names the
// construct path, each prop and its value.
//
// # Secure defaults
//
//   - User pool: email sign-in (case-insensitive), 12-character passwords
//     with upper and lower case, digits and symbols, email-only account
//     recovery, TOTP MFA (optional by default), deletion protection,
//     RETAIN on stack deletion, self sign-up off.
//   - Threat protection (Props.ThreatProtection) FULL_FUNCTION on the PLUS
//     feature plan. Cost: PLUS is billed for every monthly active user with
//     no free tier, ESSENTIALS (chosen with NO_ENFORCEMENT) has 10,000 free
//     MAUs; see https://aws.amazon.com/cognito/pricing/.
//   - SPA client: no secret, SRP sign-in, no password flow, ID and access
//     tokens valid 1 hour, refresh tokens 30 days, token revocation,
//     user-existence errors hidden. With CallbackUrls, the OAuth 2.0
//     authorization-code grant (scopes openid, email, profile) is enabled;
//     the implicit grant never is. Cognito has no setting that forces PKCE;
//     it verifies the code_verifier whenever the authorize request carried a
//     code_challenge, so the SPA must use a library that always sends one.
//     DomainPrefix adds the managed-login domain.
//   - API: regional endpoint, TLS 1.2 minimum (the execute-api endpoint and
//     the custom domain), stage throttling (100 rps, burst 200), JSON access
//     logs (request id, caller IP, user sub, status, latencies, error, WAF
//     status; never tokens or bodies) to a log group with retention (and a
//     customer managed key with LogEncryptionKey), execution logs at ERROR
//     without request/response data, X-Ray tracing. MetricsEnabled (default
//     off) adds per-method detailed metrics, billed as CloudWatch custom
//     metrics: five per method that receives traffic, about 0.30 USD each a
//     month.
//   - API Gateway's own 4XX/5XX responses (bad token, invalid body,
//     throttling, integration failure) are JSON,
//     {"error":{"code":"<responseType>","message":"..."}}, with CORS headers,
//     so a browser can read them.
//   - CORS only for CorsOrigins (default none): an OPTIONS preflight without
//     authorization on every resource. The handler's own responses must carry
//     Access-Control-Allow-Origin themselves (Lambda proxy integration).
//   - A regional WAFv2 web ACL on the stage (Props.WebAcl, default on): AWS
//     managed common and known-bad-inputs rule sets and a per-IP rate limit
//     (429 RATE_LIMITED in the error shape above). On the routes with a
//     RequestSchema, whose JSON bodies API Gateway validates, the common rule
//     set's body rules (over 8 KB, cross-site scripting, LFI) count instead of
//     blocking, so users' free text gets through; a rule of its own blocks what
//     they find on every other path (403 REQUEST_BLOCKED). It logs what it
//     blocks or counts to aws-waf-logs-<stack>-WebAcl (LogRetention,
//     LogEncryptionKey), with the authorization and cookie headers redacted
//     (WebAclLogGroup). See package internal/synth/waf for the reasoning. Cost:
//     about 5 USD a month for the web ACL, 1 USD per rule or managed group,
//     0.60 USD per million requests, and the logs' ingestion.
//   - Alarms on the 5XX rate and p99 latency (Alarms, without actions) and
//     Metric… methods for dashboards.
//   - CloudFormation outputs: API URL, user pool id, client id (and the
//     managed-login URL).
//
// # The account's CloudWatch Logs role
//
// API Gateway writes access and execution logs with one role per account
// and region (AWS::ApiGateway::Account). It is off by default
// (Props.CloudWatchRole): set it once per account and region, in exactly one
// stack (CloudWatchRole: true) or outside CDK, before the first deployment;
// otherwise the stage fails with "CloudWatch Logs role ARN must be set in
// account settings to enable logging".
//
// # cdk-nag
//
// A stack holding this construct with minimal props passes the AwsSolutions
// and Serverless packs. Suppressions, each next to its resource: COG2 when
// MFA is not required and COG8 when threat protection is off (both the
// caller's choice), APIG4/COG4 on routes declared Public, APIG3 when WebAcl
// is off, IAM4 on CDK's CloudWatch role (AWS's managed policy for it) when
// CloudWatchRole is on.
//
// Serverless-LambdaDLQ is excused on each route's function, by New, on the
// function resource only (not its role, security group or permissions),
// with the reason of nag.NoDLQSynchronous: API Gateway invokes it
// synchronously and the caller receives every error, while a Lambda
// dead-letter queue only ever receives failed asynchronous invocations. The
// suppression belongs to the function, not to one way of invoking it: if the
// same function is also invoked asynchronously elsewhere (an EventBridge
// rule, an S3 or SNS notification, InvokeAsync), that use would still need a
// dead-letter queue or an on-failure destination, and cdk-nag would no longer
// say so. Give such a function a DeadLetterQueue (or an EventInvokeConfig
// with OnFailure) yourself, or serve the asynchronous events with a function
// of their own. An imported handler (awslambda.Function_FromFunctionArn) has
// no resource in the app and gets nothing.
package apiwithauth
