package apiwithauth

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
)

// Route is one method of the API: an HTTP method on a path, the function
// that serves it (Lambda proxy integration) and how its requests are checked.
type Route struct {
	// Method is the HTTP method: GET, HEAD, POST, PUT, PATCH or DELETE
	// (OPTIONS is reserved for the CORS preflight).
	Method *string
	// Path starts with "/"; path parameters are written "{name}", a greedy
	// one "{name+}", e.g. "/items/{id}".
	Path *string
	// Handler receives an events.APIGatewayProxyRequest; behind the
	// authorizer the caller's ID-token claims are in
	// requestContext.authorizer.claims.
	Handler awslambda.IFunction
	// RequestSchema is the JSON Schema (draft-04) of the request body; a
	// request whose body does not match gets 400 BAD_REQUEST_BODY from API
	// Gateway before the handler runs.
	// Default: - the body is not validated.
	RequestSchema *awsapigateway.JsonSchema
	// QueryParameters declares the route's query-string parameters, name →
	// required. API Gateway answers a request without a required one 400
	// BAD_REQUEST_PARAMETERS before the handler runs; optional ones are
	// documented in the API's definition (and its exports). Path parameters
	// need no declaration: every one in Path is required.
	// Default: - none declared.
	QueryParameters map[string]bool
	// Public routes need no signed-in user (e.g. GET /health).
	// Default: false (the Cognito authorizer checks an ID token).
	Public *bool
}

// Domain serves the API on a custom domain name.
type Domain struct {
	// DomainName, e.g. "api.example.com".
	DomainName *string
	// Certificate for DomainName, in the stack's region.
	Certificate awscertificatemanager.ICertificate
	// HostedZoneId and ZoneName of the public hosted zone that gets an A
	// alias record for DomainName (no lookup: both are given).
	HostedZoneId *string
	ZoneName     *string
}

// Props configures ApiWithAuth. Only Routes is required.
type Props struct {
	// Routes of the API, one per method and path.
	Routes []Route

	// ExistingUserPool authorizes the API instead of a new pool. The SPA
	// client (and the managed-login domain, when DomainPrefix is set) is
	// added to it; Mfa, Email, DeletionProtection, ThreatProtection and
	// SelfSignUp must then be left unset.
	// Default: - a new user pool.
	ExistingUserPool awscognito.IUserPool
	// Mfa of the new user pool; second factor: TOTP authenticator apps
	// (no SMS, so no SNS role or SMS cost).
	// Default: awscognito.Mfa_OPTIONAL.
	Mfa awscognito.Mfa
	// Email sends the new user pool's mail (sign-up and password-reset
	// codes): awscognito.UserPoolEmail_WithSES for production, from an
	// identity verified in Amazon SES, at SES's quotas.
	// Default: - Cognito's own sender, whose small daily quota is meant for
	// testing.
	Email awscognito.UserPoolEmail
	// DeletionProtection of the new user pool.
	// Default: true.
	DeletionProtection *bool
	// ThreatProtection of the new user pool. FULL_FUNCTION or AUDIT_ONLY put
	// the pool on the PLUS feature plan (adaptive authentication,
	// compromised-credential checks; billed per monthly active user with no
	// free tier); NO_ENFORCEMENT keeps it on ESSENTIALS (10,000 MAU free).
	// Default: awscognito.StandardThreatProtectionMode_FULL_FUNCTION.
	ThreatProtection awscognito.StandardThreatProtectionMode
	// SelfSignUp lets anyone create an account in the new user pool.
	// Default: false (users are invited by an administrator).
	SelfSignUp *bool
	// PasswordAuth lets the SPA client sign in with USER_PASSWORD_AUTH
	// (InitiateAuth with the password over TLS) besides SRP: the flow a
	// small client, or a local issuer standing in for Cognito, can speak
	// without the SRP math. Cognito's threat protection still applies.
	// Default: false (SRP only).
	PasswordAuth *bool
	// CallbackUrls allowed after sign-in through the OAuth 2.0
	// authorization-code grant (https, or http://localhost for development).
	// Default: - no OAuth flows; the SPA signs in with SRP only.
	CallbackUrls *[]*string
	// LogoutUrls allowed after sign-out (same rules as CallbackUrls).
	// Default: - none.
	LogoutUrls *[]*string
	// DomainPrefix of the Cognito managed-login domain
	// (https://<prefix>.auth.<region>.amazoncognito.com).
	// Default: - no managed login.
	DomainPrefix *string

	// CorsOrigins allowed to call the API from a browser, e.g.
	// "https://app.example.com" (no "*", no trailing slash).
	// Default: - none: no preflight methods and no CORS headers.
	CorsOrigins *[]*string
	// ThrottlingRateLimit is the stage's steady-state requests per second.
	// Default: 100.
	ThrottlingRateLimit *float64
	// ThrottlingBurstLimit is the stage's burst of requests.
	// Default: 200.
	ThrottlingBurstLimit *float64
	// LogRetention of the access log group.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
	// LogEncryptionKey encrypts the access log group with a customer managed
	// key. New adds the statement CloudWatch Logs needs to the key's policy
	// (this account's log groups may use it); an imported key's policy must
	// already allow it.
	// Default: - CloudWatch Logs' own encryption, with a key AWS owns.
	LogEncryptionKey awskms.IKey
	// MetricsEnabled turns on the stage's detailed CloudWatch metrics: Count,
	// 4XXError, 5XXError, Latency and IntegrationLatency per method (resource
	// and HTTP method), besides the per-API metrics API Gateway always
	// publishes. CloudWatch bills them as custom metrics, for each metric
	// and hour that receives data: five per method with traffic.
	// Default: false.
	MetricsEnabled *bool
	// ExecutionLogLevel of API Gateway's execution logs (request and
	// response data are never logged).
	// Default: awsapigateway.MethodLoggingLevel_ERROR (the access log
	// already records every request).
	ExecutionLogLevel awsapigateway.MethodLoggingLevel
	// CloudWatchRole creates the account-wide role API Gateway uses to write
	// logs (AWS::ApiGateway::Account). It is one setting per account and
	// region: let exactly one stack own it, or set it up once outside CDK.
	// Default: false.
	CloudWatchRole *bool
	// WebAcl associates a new regional WAFv2 web ACL with the stage: AWS
	// managed common and known-bad-inputs rules plus a per-IP rate limit,
	// with the body rules counting on routes with a RequestSchema, and logs
	// of what it blocks or counts (see the package doc).
	// Default: true.
	WebAcl *bool
	// WebAclRateLimit is the number of requests one IP may send in 5
	// minutes before the web ACL blocks it. Not with OriginSecret.
	// Default: 1000 (none with OriginSecret).
	WebAclRateLimit *float64
	// OriginSecret puts the API behind a CDN: the web ACL blocks every request
	// that does not carry the header OriginHeaderName with the secret's value,
	// which the CDN adds on its way to the origin (CloudFront's origin custom
	// header; CloudFront replaces a viewer's header of that name), so the
	// execute-api endpoint cannot be called past the CDN's own web ACL. The
	// per-IP rate rule is then left out: every address this web ACL sees is
	// the CDN's, so rate-limit per client on the CDN's web ACL, which sees the
	// viewer's. Needs WebAcl. The value is resolved by CloudFormation at
	// deploy time (never in the template) and redacted from the web ACL's
	// logs. It is not rotated by the construct: a rotation must let the web
	// ACL accept the old and the new value while the CDN deploys the new one.
	// Default: - direct calls are allowed.
	OriginSecret awssecretsmanager.ISecret
	// Domain serves the API on a custom domain (TLS 1.2 minimum) and turns
	// off the default execute-api endpoint.
	// Default: - the execute-api endpoint only.
	Domain *Domain
	// StageName of the deployment stage.
	// Default: "v1".
	StageName *string
	// RemovalPolicy of the new user pool and the access log group.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Defaults documented on Props.
const (
	DefaultThrottlingRateLimit  = 100
	DefaultThrottlingBurstLimit = 200
	DefaultWebAclRateLimit      = 1000
	// OriginHeaderName carries OriginSecret's value from the CDN to the API.
	OriginHeaderName    = "X-Origin-Verify"
	DefaultStageName    = "v1"
	DefaultLogRetention = awslogs.RetentionDays_ONE_MONTH
)

// config is Props with defaults applied and strings dereferenced.
type config struct {
	routes           []route
	stageName        string
	rateLimit        float64
	burstLimit       float64
	logRetention     awslogs.RetentionDays
	logKey           awskms.IKey
	metrics          bool
	logLevel         awsapigateway.MethodLoggingLevel
	cloudWatchRole   bool
	webAcl           bool
	webAclRateLimit  float64
	originSecret     awssecretsmanager.ISecret
	mfa              awscognito.Mfa
	deletion         bool
	threatProtection awscognito.StandardThreatProtectionMode
	selfSignUp       bool
	removal          awscdk.RemovalPolicy
	corsOrigins      []string
	callbackUrls     []string
	logoutUrls       []string
}

// route is a Route with its method and path as plain strings.
type route struct {
	Route
	method, path string
	public       bool
}

func resolve(p *Props) *config {
	c := &config{
		stageName:        propcheck.Or(p.StageName, DefaultStageName),
		rateLimit:        propcheck.Or(p.ThrottlingRateLimit, DefaultThrottlingRateLimit),
		burstLimit:       propcheck.Or(p.ThrottlingBurstLimit, DefaultThrottlingBurstLimit),
		logRetention:     p.LogRetention,
		logKey:           p.LogEncryptionKey,
		metrics:          propcheck.Or(p.MetricsEnabled, false),
		logLevel:         p.ExecutionLogLevel,
		cloudWatchRole:   propcheck.Or(p.CloudWatchRole, false),
		webAcl:           propcheck.Or(p.WebAcl, true),
		webAclRateLimit:  propcheck.Or(p.WebAclRateLimit, DefaultWebAclRateLimit),
		originSecret:     p.OriginSecret,
		mfa:              p.Mfa,
		deletion:         propcheck.Or(p.DeletionProtection, true),
		threatProtection: p.ThreatProtection,
		selfSignUp:       propcheck.Or(p.SelfSignUp, false),
		removal:          p.RemovalPolicy,
		corsOrigins:      propcheck.Present(p.CorsOrigins),
		callbackUrls:     propcheck.Present(p.CallbackUrls),
		logoutUrls:       propcheck.Present(p.LogoutUrls),
	}
	if c.logRetention == "" {
		c.logRetention = DefaultLogRetention
	}
	if c.logLevel == "" {
		c.logLevel = awsapigateway.MethodLoggingLevel_ERROR
	}
	if c.mfa == "" {
		c.mfa = awscognito.Mfa_OPTIONAL
	}
	if c.threatProtection == "" {
		c.threatProtection = awscognito.StandardThreatProtectionMode_FULL_FUNCTION
	}
	if c.removal == "" {
		c.removal = awscdk.RemovalPolicy_RETAIN
	}
	for _, r := range p.Routes {
		c.routes = append(c.routes, route{
			Route:  r,
			method: strings.ToUpper(strings.TrimSpace(propcheck.Or(r.Method, ""))),
			path:   propcheck.Or(r.Path, ""),
			public: propcheck.Or(r.Public, false),
		})
	}
	return c
}

var (
	methods       = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true}
	literalPart   = regexp.MustCompile(`^[a-zA-Z0-9._:-]+$`)
	variablePart  = regexp.MustCompile(`^\{[a-zA-Z0-9._-]+\+?\}$`)
	queryName     = regexp.MustCompile(`^[a-zA-Z0-9._~-]{1,128}$`)
	stageName     = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)
	origin        = regexp.MustCompile(`^(https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?|http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?)$`)
	redirectURL   = regexp.MustCompile(`^(https://[a-zA-Z0-9.-]+(:[0-9]{1,5})?|http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?)(/[^#\s]*)?$`)
	domainPrefix  = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	hostName      = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	reservedWords = []string{"aws", "amazon", "cognito"}
)

// validate records every problem of p, each naming the prop and its bad
// value (the routes' first), and returns p with its defaults applied.
func validate(c *propcheck.Problems, scope constructs.Construct, p *Props) *config {
	cfg := resolve(p)
	validateRoutes(c, cfg.routes)

	if propcheck.Known(p.ThrottlingRateLimit) && !(cfg.rateLimit > 0) {
		c.Add("ThrottlingRateLimit", cfg.rateLimit, "must be greater than 0")
	}
	if propcheck.Known(p.ThrottlingBurstLimit) && !(cfg.burstLimit > 0 && cfg.burstLimit == math.Trunc(cfg.burstLimit)) {
		c.Add("ThrottlingBurstLimit", cfg.burstLimit, "must be a whole number greater than 0")
	}
	if propcheck.Known(p.WebAclRateLimit) && !(cfg.webAclRateLimit >= 10 && cfg.webAclRateLimit <= 2e9 && cfg.webAclRateLimit == math.Trunc(cfg.webAclRateLimit)) {
		c.Add("WebAclRateLimit", cfg.webAclRateLimit, "must be a whole number from 10 to 2000000000 (requests per IP in 5 minutes)")
	}
	if p.OriginSecret != nil && !cfg.webAcl {
		c.Add("OriginSecret", "a secret", "needs the web ACL that checks it (WebAcl true)")
	}
	if p.OriginSecret != nil && propcheck.Known(p.WebAclRateLimit) {
		c.Add("WebAclRateLimit", cfg.webAclRateLimit, "has no effect with OriginSecret: behind a CDN every address is the CDN's; rate-limit on the CDN's web ACL")
	}
	if propcheck.Known(p.StageName) && !stageName.MatchString(cfg.stageName) {
		c.Add("StageName", cfg.stageName, "must be 1-128 letters, digits, '-' or '_'")
	}
	for i, o := range cfg.corsOrigins {
		prop := fmt.Sprintf("CorsOrigins[%d]", i)
		if o == "*" {
			c.Add(prop, o, "list the allowed origins, a wildcard is not accepted")
		} else if !propcheck.Unresolved(o) && !origin.MatchString(o) {
			c.Add(prop, o, "must be https://host[:port] (or http://localhost[:port]) without path or trailing slash")
		}
	}
	for _, list := range []struct {
		name string
		urls []string
	}{{"CallbackUrls", cfg.callbackUrls}, {"LogoutUrls", cfg.logoutUrls}} {
		for i, u := range list.urls {
			if !propcheck.Unresolved(u) && !redirectURL.MatchString(u) {
				c.Add(fmt.Sprintf("%s[%d]", list.name, i), u, "must be an https URL (or http://localhost) without a fragment")
			}
		}
	}
	if len(cfg.logoutUrls) > 0 && len(cfg.callbackUrls) == 0 {
		c.Add("LogoutUrls", cfg.logoutUrls, "need CallbackUrls: logout URLs are used by the OAuth flow only")
	}
	if propcheck.Known(p.DomainPrefix) {
		dp := *p.DomainPrefix
		if !domainPrefix.MatchString(dp) {
			c.Add("DomainPrefix", dp, "must be 1-63 lowercase letters, digits or '-', not starting or ending with '-'")
		}
		for _, w := range reservedWords {
			if strings.Contains(dp, w) {
				c.Add("DomainPrefix", dp, "must not contain the reserved word %q", w)
			}
		}
		if len(cfg.callbackUrls) == 0 {
			c.Add("DomainPrefix", dp, "needs CallbackUrls: managed login redirects back to one of them")
		}
	}
	if p.ExistingUserPool != nil {
		const noEffect = "has no effect with ExistingUserPool"
		if p.Mfa != "" {
			c.Add("Mfa", string(p.Mfa), noEffect)
		}
		if p.Email != nil {
			c.Add("Email", "set", noEffect)
		}
		if p.DeletionProtection != nil {
			c.Add("DeletionProtection", p.DeletionProtection, noEffect)
		}
		if p.ThreatProtection != "" {
			c.Add("ThreatProtection", string(p.ThreatProtection), noEffect)
		}
		if p.SelfSignUp != nil {
			c.Add("SelfSignUp", p.SelfSignUp, noEffect)
		}
	}
	if d := p.Domain; d != nil {
		validateDomain(c, d)
	}
	return cfg
}

func validateDomain(c *propcheck.Problems, d *Domain) {
	name, zone := propcheck.Or(d.DomainName, ""), strings.TrimSuffix(propcheck.Or(d.ZoneName, ""), ".")
	if c.Require("Domain.DomainName", d.DomainName, "the API's host name") && !propcheck.Unresolved(name) && !hostName.MatchString(name) {
		c.Add("Domain.DomainName", name, "not a lowercase DNS name")
	}
	c.Require("Domain.Certificate", d.Certificate, "an ACM certificate for the domain, in the stack's region")
	c.Require("Domain.HostedZoneId", d.HostedZoneId, "the hosted zone that gets the alias record")
	if c.Require("Domain.ZoneName", d.ZoneName, "the name of that hosted zone") &&
		name != "" && !propcheck.Unresolved(name) && !propcheck.Unresolved(zone) && name != zone && !strings.HasSuffix(name, "."+zone) {
		c.Add("Domain.DomainName", name, "not in Domain.ZoneName %q", zone)
	}
}

// validateRoutes names every bad route, one problem per line.
func validateRoutes(c *propcheck.Problems, routes []route) {
	if len(routes) == 0 {
		c.Add("Routes", propcheck.Shown("[]"), "at least one route is required (API Gateway rejects a REST API without methods)")
		return
	}
	seen := map[string]int{}
	// variable names a parent path's children use: "/items" -> "{id}" from Routes[i]
	siblings := map[string]struct {
		part string
		i    int
	}{}
	for i, r := range routes {
		prop := fmt.Sprintf("Routes[%d]", i)
		label := strings.TrimSpace(propcheck.Or(r.Method, "<nil>") + " " + propcheck.Or(r.Path, "<nil>"))
		add := func(format string, args ...any) { c.Add(prop, label, format, args...) }
		switch {
		case r.Method == nil:
			add("Method is required")
		case r.method == "OPTIONS":
			add("Method OPTIONS is reserved for the CORS preflight (see CorsOrigins)")
		case !propcheck.Unresolved(r.Method) && !methods[r.method]:
			add("unknown Method %q (want GET, HEAD, POST, PUT, PATCH or DELETE)", *r.Method)
		}
		if r.Handler == nil {
			add("Handler is required")
		}
		if r.RequestSchema != nil && (r.method == "GET" || r.method == "HEAD") {
			add("RequestSchema on %s: such requests have no body to validate", r.method)
		}
		for _, name := range slices.Sorted(maps.Keys(r.QueryParameters)) {
			if !queryName.MatchString(name) {
				add("QueryParameters name %q must be 1-128 letters, digits, '.', '_', '~' or '-'", name)
			}
		}
		pathOK := r.Path != nil
		if r.Path == nil {
			add("Path is required")
		} else if !propcheck.Unresolved(r.path) {
			for _, p := range pathProblems(r.path) {
				add("%s", p)
				pathOK = false
			}
		}
		if !pathOK || r.Method == nil {
			continue
		}
		key := r.method + " " + r.path
		if j, dup := seen[key]; dup {
			add("duplicate of Routes[%d]", j)
		} else {
			seen[key] = i
		}
		parts := strings.Split(strings.Trim(r.path, "/"), "/")
		for k, part := range parts {
			if !strings.HasPrefix(part, "{") {
				continue
			}
			parent := "/" + strings.Join(parts[:k], "/")
			if s, ok := siblings[parent]; ok && s.part != part {
				add("path parameter %s under %q conflicts with %s of Routes[%d]: API Gateway allows one parameter name per level", part, parent, s.part, s.i)
			} else if !ok {
				siblings[parent] = struct {
					part string
					i    int
				}{part, i}
			}
		}
	}
}

func pathProblems(path string) []string {
	if path == "/" {
		return nil
	}
	if !strings.HasPrefix(path, "/") {
		return []string{fmt.Sprintf("Path %q must start with \"/\"", path)}
	}
	if strings.HasSuffix(path, "/") {
		return []string{fmt.Sprintf("Path %q must not end with \"/\"", path)}
	}
	var problems []string
	parts := strings.Split(path[1:], "/")
	for k, part := range parts {
		switch {
		case part == "":
			problems = append(problems, fmt.Sprintf("Path %q has an empty segment", path))
		case variablePart.MatchString(part):
			if strings.HasSuffix(part, "+}") && k != len(parts)-1 {
				problems = append(problems, fmt.Sprintf("Path %q: greedy parameter %s must be the last segment", path, part))
			}
		case !literalPart.MatchString(part):
			problems = append(problems, fmt.Sprintf("Path %q: segment %q may hold only letters, digits, '.', '_', ':', '-', or be a {parameter}", path, part))
		}
	}
	return problems
}
