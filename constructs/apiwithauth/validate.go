package apiwithauth

import (
	"fmt"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/stratus-cdk/stratus/internal/propcheck"
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
		stageName:        str(p.StageName, DefaultStageName),
		rateLimit:        num(p.ThrottlingRateLimit, DefaultThrottlingRateLimit),
		burstLimit:       num(p.ThrottlingBurstLimit, DefaultThrottlingBurstLimit),
		logRetention:     p.LogRetention,
		logKey:           p.LogEncryptionKey,
		metrics:          boolean(p.MetricsEnabled, false),
		logLevel:         p.ExecutionLogLevel,
		cloudWatchRole:   boolean(p.CloudWatchRole, false),
		webAcl:           boolean(p.WebAcl, true),
		webAclRateLimit:  num(p.WebAclRateLimit, DefaultWebAclRateLimit),
		originSecret:     p.OriginSecret,
		mfa:              p.Mfa,
		deletion:         boolean(p.DeletionProtection, true),
		threatProtection: p.ThreatProtection,
		selfSignUp:       boolean(p.SelfSignUp, false),
		removal:          p.RemovalPolicy,
		corsOrigins:      strs(p.CorsOrigins),
		callbackUrls:     strs(p.CallbackUrls),
		logoutUrls:       strs(p.LogoutUrls),
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
			method: strings.ToUpper(strings.TrimSpace(str(r.Method, ""))),
			path:   str(r.Path, ""),
			public: boolean(r.Public, false),
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

// validate records every problem of the props, each naming the prop and its
// bad value; the routes' come first.
func validate(c *propcheck.Problems, p *Props, cfg *config) {
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
}

func validateDomain(c *propcheck.Problems, d *Domain) {
	name, zone := str(d.DomainName, ""), strings.TrimSuffix(str(d.ZoneName, ""), ".")
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
		label := strings.TrimSpace(str(r.Method, "<nil>") + " " + str(r.Path, "<nil>"))
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
		for _, name := range sortedKeys(r.QueryParameters) {
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

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func str(s *string, def string) string {
	if s == nil {
		return def
	}
	return *s
}

func num(n *float64, def float64) float64 {
	if n == nil {
		return def
	}
	return *n
}

func boolean(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

func strs(in *[]*string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, 0, len(*in))
	for _, s := range *in {
		if s != nil {
			out = append(out, *s)
		}
	}
	return out
}
