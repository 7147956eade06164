package apiwithauth

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// config is Props with defaults applied and strings dereferenced.
type config struct {
	routes           []route
	stageName        string
	rateLimit        float64
	burstLimit       float64
	logRetention     awslogs.RetentionDays
	logLevel         awsapigateway.MethodLoggingLevel
	cloudWatchRole   bool
	webAcl           bool
	webAclRateLimit  float64
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
		logLevel:         p.ExecutionLogLevel,
		cloudWatchRole:   boolean(p.CloudWatchRole, false),
		webAcl:           boolean(p.WebAcl, true),
		webAclRateLimit:  num(p.WebAclRateLimit, DefaultWebAclRateLimit),
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
	stageName     = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)
	origin        = regexp.MustCompile(`^(https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?|http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?)$`)
	redirectURL   = regexp.MustCompile(`^(https://[a-zA-Z0-9.-]+(:[0-9]{1,5})?|http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?)(/[^#\s]*)?$`)
	domainPrefix  = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	hostName      = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	reservedWords = []string{"aws", "amazon", "cognito"}
)

// validate returns every problem of the props, each naming the prop and
// its bad value.
func validate(p *Props, c *config) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	problems = append(problems, validateRoutes(c.routes)...)

	if !unresolvedNum(p.ThrottlingRateLimit) && !(c.rateLimit > 0) {
		add("ThrottlingRateLimit %v must be greater than 0", c.rateLimit)
	}
	if !unresolvedNum(p.ThrottlingBurstLimit) && !(c.burstLimit > 0 && c.burstLimit == math.Trunc(c.burstLimit)) {
		add("ThrottlingBurstLimit %v must be a whole number greater than 0", c.burstLimit)
	}
	if !unresolvedNum(p.WebAclRateLimit) && !(c.webAclRateLimit >= 10 && c.webAclRateLimit <= 2e9 && c.webAclRateLimit == math.Trunc(c.webAclRateLimit)) {
		add("WebAclRateLimit %v must be a whole number from 10 to 2000000000 (requests per IP in 5 minutes)", c.webAclRateLimit)
	}
	if !unresolved(p.StageName) && !stageName.MatchString(c.stageName) {
		add("StageName %q must be 1-128 letters, digits, '-' or '_'", c.stageName)
	}
	for _, o := range c.corsOrigins {
		if o == "*" {
			add("CorsOrigins %q: list the allowed origins, a wildcard is not accepted", o)
		} else if !isToken(o) && !origin.MatchString(o) {
			add("CorsOrigins %q must be https://host[:port] (or http://localhost[:port]) without path or trailing slash", o)
		}
	}
	for _, list := range []struct {
		name string
		urls []string
	}{{"CallbackUrls", c.callbackUrls}, {"LogoutUrls", c.logoutUrls}} {
		for _, u := range list.urls {
			if !isToken(u) && !redirectURL.MatchString(u) {
				add("%s %q must be an https URL (or http://localhost) without a fragment", list.name, u)
			}
		}
	}
	if len(c.logoutUrls) > 0 && len(c.callbackUrls) == 0 {
		add("LogoutUrls %v need CallbackUrls: logout URLs are used by the OAuth flow only", c.logoutUrls)
	}
	if p.DomainPrefix != nil && !unresolved(p.DomainPrefix) {
		dp := *p.DomainPrefix
		if !domainPrefix.MatchString(dp) {
			add("DomainPrefix %q must be 1-63 lowercase letters, digits or '-', not starting or ending with '-'", dp)
		}
		for _, w := range reservedWords {
			if strings.Contains(dp, w) {
				add("DomainPrefix %q must not contain the reserved word %q", dp, w)
			}
		}
		if len(c.callbackUrls) == 0 {
			add("DomainPrefix %q needs CallbackUrls: managed login redirects back to one of them", dp)
		}
	}
	if p.ExistingUserPool != nil {
		if p.Mfa != "" {
			add("Mfa %q has no effect with ExistingUserPool", p.Mfa)
		}
		if p.DeletionProtection != nil {
			add("DeletionProtection %v has no effect with ExistingUserPool", *p.DeletionProtection)
		}
		if p.ThreatProtection != "" {
			add("ThreatProtection %q has no effect with ExistingUserPool", p.ThreatProtection)
		}
		if p.SelfSignUp != nil {
			add("SelfSignUp %v has no effect with ExistingUserPool", *p.SelfSignUp)
		}
	}
	if d := p.Domain; d != nil {
		problems = append(problems, validateDomain(d)...)
	}
	return problems
}

func validateDomain(d *Domain) []string {
	var problems []string
	name, zone := str(d.DomainName, ""), strings.TrimSuffix(str(d.ZoneName, ""), ".")
	if name == "" {
		problems = append(problems, "Domain.DomainName is required")
	} else if !isToken(name) && !hostName.MatchString(name) {
		problems = append(problems, fmt.Sprintf("Domain.DomainName %q is not a lowercase DNS name", name))
	}
	if d.Certificate == nil {
		problems = append(problems, "Domain.Certificate is required (an ACM certificate for the domain, in the stack's region)")
	}
	if str(d.HostedZoneId, "") == "" {
		problems = append(problems, "Domain.HostedZoneId is required")
	}
	if zone == "" {
		problems = append(problems, "Domain.ZoneName is required")
	} else if name != "" && !isToken(name) && !isToken(zone) && name != zone && !strings.HasSuffix(name, "."+zone) {
		problems = append(problems, fmt.Sprintf("Domain.DomainName %q is not in Domain.ZoneName %q", name, zone))
	}
	return problems
}

// validateRoutes names every bad route once, with all its problems.
func validateRoutes(routes []route) []string {
	if len(routes) == 0 {
		return []string{"Routes: at least one route is required (API Gateway rejects a REST API without methods)"}
	}
	byProblems := make([][]string, len(routes))
	seen := map[string]int{}
	// variable names a parent path's children use: "/items" -> "{id}" from Routes[i]
	siblings := map[string]struct {
		part string
		i    int
	}{}
	for i, r := range routes {
		add := func(s string) { byProblems[i] = append(byProblems[i], s) }
		if r.Method == nil {
			add("Method is required")
		} else if r.method == "OPTIONS" {
			add("Method OPTIONS is reserved for the CORS preflight (see CorsOrigins)")
		} else if !isToken(r.method) && !methods[r.method] {
			add(fmt.Sprintf("unknown Method %q (want GET, HEAD, POST, PUT, PATCH or DELETE)", *r.Method))
		}
		if r.Handler == nil {
			add("Handler is nil")
		}
		if r.RequestSchema != nil && (r.method == "GET" || r.method == "HEAD") {
			add(fmt.Sprintf("RequestSchema on %s: such requests have no body to validate", r.method))
		}
		pathOK := r.Path != nil
		if r.Path == nil {
			add("Path is required")
		} else if !isToken(r.path) {
			for _, p := range pathProblems(r.path) {
				add(p)
				pathOK = false
			}
		}
		if !pathOK || r.Method == nil {
			continue
		}
		key := r.method + " " + r.path
		if j, dup := seen[key]; dup {
			add(fmt.Sprintf("duplicate of Routes[%d]", j))
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
				add(fmt.Sprintf("path parameter %s under %q conflicts with %s of Routes[%d]: API Gateway allows one parameter name per level", part, parent, s.part, s.i))
			} else if !ok {
				siblings[parent] = struct {
					part string
					i    int
				}{part, i}
			}
		}
	}
	var problems []string
	for i, ps := range byProblems {
		if len(ps) == 0 {
			continue
		}
		r := routes[i]
		problems = append(problems, fmt.Sprintf("Routes[%d] %q: %s", i,
			strings.TrimSpace(str(r.Method, "<nil>")+" "+str(r.Path, "<nil>")), strings.Join(ps, "; ")))
	}
	return problems
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

func formatProblems(id string, problems []string) string {
	sort.SliceStable(problems, func(i, j int) bool {
		return strings.HasPrefix(problems[i], "Routes") && !strings.HasPrefix(problems[j], "Routes")
	})
	return fmt.Sprintf("apiwithauth %s: invalid props:\n  - %s", id, strings.Join(problems, "\n  - "))
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

// isToken reports whether s holds a CDK token (resolved at deploy time),
// which validation skips. Strings encode tokens as "${Token[...]}".
func isToken(s string) bool {
	return strings.Contains(s, "${Token[") && *awscdk.Token_IsUnresolved(s)
}

func unresolved(s *string) bool { return s != nil && isToken(*s) }

// unresolvedNum: numbers encode tokens as large negative doubles.
func unresolvedNum(n *float64) bool {
	return n != nil && *n < -1e289 && *awscdk.Token_IsUnresolved(*n)
}
