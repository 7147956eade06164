package apiwithauth_test

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/apiwithauth"
	"github.com/stratus-cdk/stratus/constructs/gofunction"
	"github.com/stratus-cdk/stratus/internal/synth/cdktest"
	"github.com/stratus-cdk/stratus/internal/synth/nag"
)

// One app for the package, four stacks covering the options; each jsii
// start costs seconds.
type fixture struct {
	stack  awscdk.Stack
	api    *apiwithauth.ApiWithAuth
	tpl    assertions.Template
	public map[string]bool // "GET /health" of the routes declared Public
	routes []apiwithauth.Route
}

var (
	outDir string
	// Default: only routes. Full: every option on. Lean: cost-saving
	// choices and a single CORS origin. Existing: a user pool brought in.
	// Minimal: two routes without body schemas, nothing else.
	def, full, lean, existing, minimal fixture
)

// itemSchema uses every draft-04 keyword the app's route table uses.
func itemSchema() *awsapigateway.JsonSchema {
	return &awsapigateway.JsonSchema{
		Type:                 awsapigateway.JsonSchemaType_OBJECT,
		Required:             jsii.Strings("title", "status"),
		AdditionalProperties: false,
		Properties: &map[string]*awsapigateway.JsonSchema{
			"title":    {Type: awsapigateway.JsonSchemaType_STRING, MinLength: jsii.Number(1), MaxLength: jsii.Number(200), Pattern: jsii.String(`^\S`)},
			"email":    {Type: awsapigateway.JsonSchemaType_STRING, Format: jsii.String("email")},
			"status":   {Type: awsapigateway.JsonSchemaType_STRING, Enum: &[]any{"open", "done"}},
			"priority": {Type: awsapigateway.JsonSchemaType_INTEGER, Minimum: jsii.Number(1), Maximum: jsii.Number(5)},
		},
	}
}

func appRoutes(fn awslambda.IFunction) []apiwithauth.Route {
	r := func(m, p string) apiwithauth.Route {
		return apiwithauth.Route{Method: jsii.String(m), Path: jsii.String(p), Handler: fn}
	}
	health := r("GET", "/health")
	health.Public = jsii.Bool(true)
	post, put := r("POST", "/items"), r("PUT", "/items/{id}")
	post.RequestSchema, put.RequestSchema = itemSchema(), itemSchema()
	list := r("GET", "/items")
	list.QueryParameters = map[string]bool{"status": false, "limit": false, "cursor": false}
	search := r("GET", "/search")
	search.QueryParameters = map[string]bool{"q": true}
	return []apiwithauth.Route{health, list, post, r("GET", "/items/{id}"), put,
		r("DELETE", "/items/{id}"), r("GET", "/me"), r("GET", "/"), search}
}

func newFixture(app awscdk.App, name string, props func(fn awslambda.IFunction) *apiwithauth.Props) fixture {
	stack := awscdk.NewStack(app, jsii.String(name), nil)
	nag.Check(stack, nag.AwsSolutions, nag.Serverless)
	// No suppression here: New excuses Serverless-LambdaDLQ on the handler.
	fn := gofunction.New(stack, "Handler", &gofunction.Props{Entry: jsii.String("../gofunction/testdata/hello")})
	p := props(fn)
	f := fixture{stack: stack, api: apiwithauth.New(stack, "Api", p), public: map[string]bool{}, routes: p.Routes}
	for _, r := range p.Routes {
		if r.Public != nil && *r.Public {
			f.public[*r.Method+" "+*r.Path] = true
		}
	}
	return f
}

func TestMain(m *testing.M) {
	cdktest.FastSynth()
	outDir, _ = os.MkdirTemp("", "apiwithauth-test")
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outDir)})

	def = newFixture(app, "Default", func(fn awslambda.IFunction) *apiwithauth.Props {
		return &apiwithauth.Props{Routes: appRoutes(fn)}
	})
	full = newFixture(app, "Full", func(fn awslambda.IFunction) *apiwithauth.Props {
		return &apiwithauth.Props{
			Routes: appRoutes(fn),
			Mfa:    awscognito.Mfa_REQUIRED,
			Email: awscognito.UserPoolEmail_WithSES(&awscognito.UserPoolSESOptions{
				FromEmail: jsii.String("no-reply@example.com"), SesRegion: jsii.String("eu-west-1"),
			}),
			SelfSignUp:           jsii.Bool(true),
			PasswordAuth:         jsii.Bool(true),
			CallbackUrls:         jsii.Strings("https://app.example.com/callback", "http://localhost:5173/callback"),
			LogoutUrls:           jsii.Strings("https://app.example.com/"),
			DomainPrefix:         jsii.String("stratus-full-test"),
			CorsOrigins:          jsii.Strings("https://app.example.com", "http://localhost:5173"),
			ThrottlingRateLimit:  jsii.Number(25),
			ThrottlingBurstLimit: jsii.Number(50),
			LogRetention:         awslogs.RetentionDays_THREE_MONTHS,
			LogEncryptionKey:     awskms.NewKey(fn.Stack(), jsii.String("LogsKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)}),
			MetricsEnabled:       jsii.Bool(true),
			WebAclRateLimit:      jsii.Number(500),
			StageName:            jsii.String("prod"),
			Domain: &apiwithauth.Domain{
				DomainName: jsii.String("api.example.com"),
				Certificate: awscertificatemanager.Certificate_FromCertificateArn(fn.Stack(), jsii.String("Cert"),
					jsii.String("arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-000000000000")),
				HostedZoneId: jsii.String("Z0123456789ABCDEFGHIJ"),
				ZoneName:     jsii.String("example.com"),
			},
		}
	})
	lean = newFixture(app, "Lean", func(fn awslambda.IFunction) *apiwithauth.Props {
		return &apiwithauth.Props{
			Routes:             appRoutes(fn),
			Mfa:                awscognito.Mfa_OFF,
			ThreatProtection:   awscognito.StandardThreatProtectionMode_NO_ENFORCEMENT,
			DeletionProtection: jsii.Bool(false),
			RemovalPolicy:      awscdk.RemovalPolicy_DESTROY,
			CorsOrigins:        jsii.Strings("https://app.example.com"),
			WebAcl:             jsii.Bool(false),
			CloudWatchRole:     jsii.Bool(true),
			ExecutionLogLevel:  awsapigateway.MethodLoggingLevel_INFO,
		}
	})
	existing = newFixture(app, "Existing", func(fn awslambda.IFunction) *apiwithauth.Props {
		return &apiwithauth.Props{
			Routes: appRoutes(fn),
			ExistingUserPool: awscognito.UserPool_FromUserPoolArn(fn.Stack(), jsii.String("Pool"),
				jsii.String("arn:aws:cognito-idp:eu-west-1:111111111111:userpool/eu-west-1_AbCdEfGhI")),
			CallbackUrls: jsii.Strings("https://app.example.com/callback"),
			DomainPrefix: jsii.String("stratus-existing-test"),
		}
	})
	minimal = newFixture(app, "Minimal", func(fn awslambda.IFunction) *apiwithauth.Props {
		return &apiwithauth.Props{Routes: []apiwithauth.Route{
			{Method: jsii.String("GET"), Path: jsii.String("/items"), Handler: fn},
			{Method: jsii.String("GET"), Path: jsii.String("/items/{id}"), Handler: fn},
		}}
	})
	app.Synth(nil)
	for _, f := range []*fixture{&def, &full, &lean, &existing, &minimal} {
		f.tpl = assertions.Template_FromStack(f.stack, nil)
	}

	code := m.Run()
	os.RemoveAll(outDir)
	jsii.Close()
	os.Exit(code)
}

func all() map[string]*fixture {
	return map[string]*fixture{"Default": &def, "Full": &full, "Lean": &lean, "Existing": &existing, "Minimal": &minimal}
}

// resources returns the template's resources of one type, by logical id.
func resources(tpl assertions.Template, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range *tpl.FindResources(jsii.String(typ), nil) {
		out[id] = *r
	}
	return out
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// methodPaths maps each AWS::ApiGateway::Method's logical id to
// "METHOD /full/path", rebuilt from the resources' PathPart chain.
func methodPaths(t *testing.T, tpl assertions.Template) map[string]string {
	t.Helper()
	res := resources(tpl, "AWS::ApiGateway::Resource")
	var pathOf func(ref any) string
	pathOf = func(ref any) string {
		m, _ := ref.(map[string]any)
		if id, ok := m["Ref"].(string); ok {
			r, ok := res[id]
			if !ok {
				t.Fatalf("resource %s not in template", id)
			}
			parent := pathOf(props(r)["ParentId"])
			return strings.TrimSuffix(parent, "/") + "/" + props(r)["PathPart"].(string)
		}
		if _, ok := m["Fn::GetAtt"]; ok { // the API's RootResourceId
			return "/"
		}
		t.Fatalf("unexpected resource reference %v", ref)
		return ""
	}
	out := map[string]string{}
	for id, m := range resources(tpl, "AWS::ApiGateway::Method") {
		p := props(m)
		out[id] = p["HttpMethod"].(string) + " " + pathOf(p["ResourceId"])
	}
	return out
}

// Every non-public, non-OPTIONS method uses the Cognito authorizer of the
// stack's user pool, public routes use none, and every route is there.
func TestEveryPrivateMethodUsesCognitoAuthorizer(t *testing.T) {
	for name, f := range all() {
		t.Run(name, func(t *testing.T) {
			authorizers := resources(f.tpl, "AWS::ApiGateway::Authorizer")
			if len(authorizers) != 1 {
				t.Fatalf("want 1 authorizer, got %d", len(authorizers))
			}
			var authorizerID string
			for id, a := range authorizers {
				authorizerID = id
				if typ := props(a)["Type"]; typ != "COGNITO_USER_POOLS" {
					t.Errorf("authorizer type %v, want COGNITO_USER_POOLS", typ)
				}
			}
			paths := methodPaths(t, f.tpl)
			seen := map[string]bool{}
			for id, m := range resources(f.tpl, "AWS::ApiGateway::Method") {
				p, route := props(m), paths[id]
				seen[route] = true
				switch {
				case strings.HasPrefix(route, "OPTIONS "):
					if p["AuthorizationType"] != "NONE" || p["AuthorizerId"] != nil {
						t.Errorf("%s: preflight must need no token, got %v %v", route, p["AuthorizationType"], p["AuthorizerId"])
					}
				case f.public[route]:
					if p["AuthorizationType"] != "NONE" || p["AuthorizerId"] != nil {
						t.Errorf("%s is public but has authorization %v %v", route, p["AuthorizationType"], p["AuthorizerId"])
					}
				default:
					want := map[string]any{"Ref": authorizerID}
					if p["AuthorizationType"] != "COGNITO_USER_POOLS" || fmt.Sprint(p["AuthorizerId"]) != fmt.Sprint(want) {
						t.Errorf("%s: AuthorizationType %v AuthorizerId %v, want COGNITO_USER_POOLS %v",
							route, p["AuthorizationType"], p["AuthorizerId"], want)
					}
				}
			}
			for _, r := range f.routes {
				if key := *r.Method + " " + *r.Path; !seen[key] {
					t.Errorf("route %s has no method", key)
				}
			}
		})
	}
}

func TestAuthorizerTrustsThePool(t *testing.T) {
	full.tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Authorizer"), map[string]any{
		"Type":           "COGNITO_USER_POOLS",
		"IdentitySource": "method.request.header.Authorization",
		"ProviderARNs":   []any{map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^ApiUserPool")), "Arn"}}},
	})
	existing.tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Authorizer"), map[string]any{
		"ProviderARNs": []any{"arn:aws:cognito-idp:eu-west-1:111111111111:userpool/eu-west-1_AbCdEfGhI"},
	})
	existing.tpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPool"), jsii.Number(0))
}

func TestLambdaProxyIntegration(t *testing.T) {
	paths := methodPaths(t, def.tpl)
	for id, m := range resources(def.tpl, "AWS::ApiGateway::Method") {
		integ := props(m)["Integration"].(map[string]any)
		if integ["Type"] != "AWS_PROXY" || integ["IntegrationHttpMethod"] != "POST" {
			t.Errorf("%s: integration %v %v, want AWS_PROXY POST", paths[id], integ["Type"], integ["IntegrationHttpMethod"])
		}
	}
	// One invoke permission per method (no test-invoke duplicates).
	def.tpl.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(len(def.routes)))
}

func TestModelsAndValidators(t *testing.T) {
	tpl := full.tpl
	tpl.ResourceCountIs(jsii.String("AWS::ApiGateway::RequestValidator"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::RequestValidator"), map[string]any{
		"ValidateRequestBody": true, "ValidateRequestParameters": true,
	})
	tpl.ResourceCountIs(jsii.String("AWS::ApiGateway::Model"), jsii.Number(2))
	tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Model"), map[string]any{
		"ContentType": "application/json",
		"Schema": map[string]any{
			"$schema":              "http://json-schema.org/draft-04/schema#",
			"type":                 "object",
			"required":             []any{"title", "status"},
			"additionalProperties": false,
			"properties": map[string]any{
				"title":    map[string]any{"type": "string", "minLength": 1, "maxLength": 200, "pattern": `^\S`},
				"email":    map[string]any{"type": "string", "format": "email"},
				"status":   map[string]any{"type": "string", "enum": []any{"open", "done"}},
				"priority": map[string]any{"type": "integer", "minimum": 1, "maximum": 5},
			},
		},
	})

	models := resources(tpl, "AWS::ApiGateway::Model")
	withSchema := map[string]bool{"POST /items": true, "PUT /items/{id}": true}
	for route, p := range routeMethods(t, tpl) {
		rm, _ := p["RequestModels"].(map[string]any)
		if !withSchema[route] {
			if rm != nil {
				t.Errorf("%s has no schema but a model %v", route, rm)
			}
			continue
		}
		mref, _ := rm["application/json"].(map[string]any)
		if _, ok := models[fmt.Sprint(mref["Ref"])]; !ok {
			t.Errorf("%s: RequestModels %v do not name a model", route, p["RequestModels"])
		}
	}
}

// routeMethods are the properties of each method of a route (not the CORS
// preflights), by "METHOD /path".
func routeMethods(t *testing.T, tpl assertions.Template) map[string]map[string]any {
	t.Helper()
	paths := methodPaths(t, tpl)
	out := map[string]map[string]any{}
	for id, m := range resources(tpl, "AWS::ApiGateway::Method") {
		if p := props(m); p["HttpMethod"] != "OPTIONS" {
			out[paths[id]] = p
		}
	}
	return out
}

// Every method of every fixture, schema or not, is checked by the one
// validator that checks both the body and the parameters (cdk-nag's APIG2).
func TestEveryMethodHasTheRequestValidator(t *testing.T) {
	for name, f := range all() {
		validators := resources(f.tpl, "AWS::ApiGateway::RequestValidator")
		if len(validators) != 1 {
			t.Errorf("%s: %d request validators, want 1", name, len(validators))
		}
		for id, v := range validators {
			if p := props(v); p["ValidateRequestBody"] != true || p["ValidateRequestParameters"] != true {
				t.Errorf("%s: validator %s checks body %v, parameters %v; want both", name, id, p["ValidateRequestBody"], p["ValidateRequestParameters"])
			}
		}
		for route, p := range routeMethods(t, f.tpl) {
			ref, _ := p["RequestValidatorId"].(map[string]any)
			if _, ok := validators[fmt.Sprint(ref["Ref"])]; !ok {
				t.Errorf("%s: %s is not checked by the validator (RequestValidatorId %v)", name, route, p["RequestValidatorId"])
			}
		}
	}
}

// Path parameters are required; query parameters as the route declares
// them; a route with neither declares nothing.
func TestRequestParameters(t *testing.T) {
	want := map[string]map[string]any{
		"GET /items": {
			"method.request.querystring.status": false, "method.request.querystring.limit": false, "method.request.querystring.cursor": false,
		},
		"GET /items/{id}":    {"method.request.path.id": true},
		"PUT /items/{id}":    {"method.request.path.id": true},
		"DELETE /items/{id}": {"method.request.path.id": true},
		"GET /search":        {"method.request.querystring.q": true},
	}
	for route, p := range routeMethods(t, def.tpl) {
		got, _ := p["RequestParameters"].(map[string]any)
		if w := want[route]; !jsonEqual(got, w) && !(w == nil && got == nil) {
			t.Errorf("%s: RequestParameters %v, want %v", route, got, w)
		}
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestCorsPreflightOnlyForListedOrigins(t *testing.T) {
	def.tpl.ResourcePropertiesCountIs(jsii.String("AWS::ApiGateway::Method"),
		map[string]any{"HttpMethod": "OPTIONS"}, jsii.Number(0))

	// One preflight per resource path of the routes: /, /health, /items, /items/{id}, /me, /search.
	full.tpl.ResourcePropertiesCountIs(jsii.String("AWS::ApiGateway::Method"),
		map[string]any{"HttpMethod": "OPTIONS"}, jsii.Number(6))
	full.tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Method"), map[string]any{
		"HttpMethod":        "OPTIONS",
		"AuthorizationType": "NONE",
		"Integration": map[string]any{
			"Type": "MOCK",
			"IntegrationResponses": []any{map[string]any{
				"StatusCode": "204",
				"ResponseParameters": map[string]any{
					"method.response.header.Access-Control-Allow-Origin":  "'https://app.example.com'",
					"method.response.header.Access-Control-Allow-Headers": "'Content-Type,Authorization'",
					"method.response.header.Access-Control-Allow-Methods": "'DELETE,GET,OPTIONS,POST,PUT'",
					"method.response.header.Vary":                         "'Origin'",
				},
				// The second origin is echoed only when it is the request's Origin.
				"ResponseTemplates": map[string]any{"application/json": assertions.Match_StringLikeRegexp(
					jsii.String(`\$origin == "http://localhost:5173"`))},
			}},
		},
	})
}

func TestGatewayResponsesAreJSONWithCors(t *testing.T) {
	body := `{"error":{"code":"$context.error.responseType","message":$context.error.messageString}}`
	for _, typ := range []string{"DEFAULT_4XX", "DEFAULT_5XX"} {
		def.tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::GatewayResponse"), map[string]any{
			"ResponseType":       typ,
			"ResponseTemplates":  map[string]any{"application/json": body},
			"ResponseParameters": assertions.Match_Absent(),
		})
		lean.tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::GatewayResponse"), map[string]any{
			"ResponseType": typ,
			"ResponseParameters": map[string]any{
				"gatewayresponse.header.Access-Control-Allow-Origin":  "'https://app.example.com'",
				"gatewayresponse.header.Access-Control-Allow-Headers": "'Content-Type,Authorization'",
				"gatewayresponse.header.Vary":                         "'Origin'",
			},
		})
		full.tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::GatewayResponse"), map[string]any{
			"ResponseType": typ,
			"ResponseParameters": assertions.Match_ObjectLike(&map[string]any{
				"gatewayresponse.header.Access-Control-Allow-Origin": "method.request.header.Origin",
			}),
		})
	}
}

func TestStageThrottlingLoggingTracing(t *testing.T) {
	for _, c := range []struct {
		f            *fixture
		stage, level string
		rate, burst  int
		metrics      bool
	}{
		{&def, "v1", "ERROR", apiwithauth.DefaultThrottlingRateLimit, apiwithauth.DefaultThrottlingBurstLimit, false},
		{&full, "prod", "ERROR", 25, 50, true},
		{&lean, "v1", "INFO", 100, 200, false},
	} {
		c.f.tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Stage"), map[string]any{
			"StageName":      c.stage,
			"TracingEnabled": true,
			"MethodSettings": []any{map[string]any{
				"HttpMethod":           "*",
				"ResourcePath":         "/*",
				"LoggingLevel":         c.level,
				"DataTraceEnabled":     false,
				"ThrottlingRateLimit":  c.rate,
				"ThrottlingBurstLimit": c.burst,
				"MetricsEnabled":       c.metrics,
			}},
			"AccessLogSetting": map[string]any{
				"DestinationArn": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^ApiAccessLogs")), "Arn"}},
			},
		})
	}
}

func TestAccessLogIsJSONWithRetention(t *testing.T) {
	format := assertions.NewCapture(nil)
	def.tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Stage"), map[string]any{
		"AccessLogSetting": map[string]any{"Format": format},
	})
	var fields map[string]string
	if err := json.Unmarshal([]byte(*format.AsString()), &fields); err != nil {
		t.Fatalf("access log format is not JSON: %v\n%s", err, *format.AsString())
	}
	for k, v := range map[string]string{"requestId": "$context.requestId", "sub": "$context.authorizer.claims.sub",
		"status": "$context.status", "ip": "$context.identity.sourceIp"} {
		if fields[k] != v {
			t.Errorf("access log field %s = %q, want %q", k, fields[k], v)
		}
	}
	for k, v := range fields {
		if strings.Contains(strings.ToLower(v), "authorization") || strings.Contains(v, "$input") {
			t.Errorf("access log field %s logs %s: no tokens or bodies", k, v)
		}
	}
	def.tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"Properties": map[string]any{"RetentionInDays": 30}, "DeletionPolicy": "Retain",
	})
	full.tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 90})
	lean.tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]any{"DeletionPolicy": "Delete"})
}

// LogEncryptionKey encrypts the access log group, and the key lets
// CloudWatch Logs use it; without the prop the group has no KmsKeyId.
func TestAccessLogEncryption(t *testing.T) {
	full.tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"KmsKeyId": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^LogsKey")), "Arn"}},
	})
	full.tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{
		"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
			assertions.Match_ObjectLike(&map[string]any{"Sid": "CloudWatchLogsOfThisAccount"}),
		})},
	})
	def.tpl.ResourcePropertiesCountIs(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"KmsKeyId": assertions.Match_AnyValue(),
	}, jsii.Number(0))
}

func TestTLS12Minimum(t *testing.T) {
	for name, f := range all() {
		t.Run(name, func(t *testing.T) {
			f.tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::RestApi"), map[string]any{
				"SecurityPolicy":        "TLS_1_2",
				"EndpointConfiguration": map[string]any{"Types": []any{"REGIONAL"}},
			})
		})
	}
}

func TestWebAcl(t *testing.T) {
	full.tpl.HasResourceProperties(jsii.String("AWS::WAFv2::WebACL"), map[string]any{
		"Scope":         "REGIONAL",
		"DefaultAction": map[string]any{"Allow": map[string]any{}},
		"Rules": []any{
			// The body rules count (the routes with a request model carry users' text)...
			assertions.Match_ObjectLike(&map[string]any{"Name": "AWSManagedRulesCommonRuleSet", "Priority": 0,
				"OverrideAction": map[string]any{"None": map[string]any{}},
				"Statement": map[string]any{"ManagedRuleGroupStatement": map[string]any{
					"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet",
					"RuleActionOverrides": []any{
						map[string]any{"Name": "SizeRestrictions_BODY", "ActionToUse": map[string]any{"Count": map[string]any{}}},
						map[string]any{"Name": "CrossSiteScripting_BODY", "ActionToUse": map[string]any{"Count": map[string]any{}}},
						map[string]any{"Name": "GenericLFI_BODY", "ActionToUse": map[string]any{"Count": map[string]any{}}},
					}}}}),
			assertions.Match_ObjectLike(&map[string]any{"Name": "AWSManagedRulesKnownBadInputsRuleSet", "Priority": 1}),
			assertions.Match_ObjectLike(&map[string]any{"Name": "RateLimitPerIp", "Priority": 2,
				"Action": map[string]any{"Block": map[string]any{"CustomResponse": map[string]any{"ResponseCode": 429, "CustomResponseBodyKey": "rateLimited"}}},
				"Statement": map[string]any{"RateBasedStatement": map[string]any{
					"AggregateKeyType": "IP", "Limit": 500, "EvaluationWindowSec": 300}}}),
			// ...and block what they find off those routes, under the stage's path.
			assertions.Match_ObjectLike(&map[string]any{"Name": "TextBodyRulesOutsideTextPaths", "Priority": 3,
				"Action": map[string]any{"Block": map[string]any{"CustomResponse": map[string]any{"ResponseCode": 403, "CustomResponseBodyKey": "blocked"}}},
				"Statement": map[string]any{"AndStatement": map[string]any{"Statements": assertions.Match_ArrayWith(&[]any{
					assertions.Match_ObjectLike(&map[string]any{"NotStatement": map[string]any{"Statement": map[string]any{
						"ByteMatchStatement": assertions.Match_ObjectLike(&map[string]any{"SearchString": "/prod/items", "PositionalConstraint": "STARTS_WITH"}),
					}}}),
				})}}}),
		},
	})
	full.tpl.HasResourceProperties(jsii.String("AWS::WAFv2::LoggingConfiguration"), map[string]any{
		"ResourceArn":    map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^ApiWebAcl")), "Arn"}},
		"RedactedFields": []any{map[string]any{"SingleHeader": map[string]any{"Name": "authorization"}}, map[string]any{"SingleHeader": map[string]any{"Name": "cookie"}}},
		"LoggingFilter":  assertions.Match_ObjectLike(&map[string]any{"DefaultBehavior": "DROP"}),
	})
	full.tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"LogGroupName": "aws-waf-logs-Full-WebAcl", // named after its stack and ACL: unique in the account and region
	})
	def.tpl.HasResourceProperties(jsii.String("AWS::WAFv2::WebACL"), map[string]any{
		"Rules": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Statement": map[string]any{"RateBasedStatement": assertions.Match_ObjectLike(&map[string]any{
				"Limit": apiwithauth.DefaultWebAclRateLimit})}})}),
	})
	// Associated with the stage: its ARN names the API and the stage.
	arn := assertions.NewCapture(nil)
	full.tpl.HasResourceProperties(jsii.String("AWS::WAFv2::WebACLAssociation"), map[string]any{
		"ResourceArn": arn,
		"WebACLArn":   map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^ApiWebAcl")), "Arn"}},
	})
	s, _ := json.Marshal(arn.AsObject())
	if !strings.Contains(string(s), `/restapis/",{"Ref":"Api`) || !strings.Contains(string(s), `/stages/",{"Ref":"ApiDeploymentStageprod`) {
		t.Errorf("association ARN %s does not name the API's prod stage", s)
	}
	lean.tpl.ResourceCountIs(jsii.String("AWS::WAFv2::WebACL"), jsii.Number(0))
	lean.tpl.ResourceCountIs(jsii.String("AWS::WAFv2::WebACLAssociation"), jsii.Number(0))
	lean.tpl.ResourceCountIs(jsii.String("AWS::WAFv2::LoggingConfiguration"), jsii.Number(0))
	if full.api.WebAcl == nil || lean.api.WebAcl != nil {
		t.Error("WebAcl field must be set exactly when a web ACL is created")
	}
}

func TestCustomDomain(t *testing.T) {
	full.tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::DomainName"), map[string]any{
		"DomainName":             "api.example.com",
		"SecurityPolicy":         "TLS_1_2",
		"EndpointConfiguration":  map[string]any{"Types": []any{"REGIONAL"}},
		"RegionalCertificateArn": "arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-000000000000",
	})
	full.tpl.ResourceCountIs(jsii.String("AWS::ApiGateway::BasePathMapping"), jsii.Number(1))
	full.tpl.HasResourceProperties(jsii.String("AWS::Route53::RecordSet"), map[string]any{
		"Name":         "api.example.com.",
		"Type":         "A",
		"HostedZoneId": "Z0123456789ABCDEFGHIJ",
		"AliasTarget": map[string]any{
			"DNSName":      map[string]any{"Fn::GetAtt": []any{assertions.Match_AnyValue(), "RegionalDomainName"}},
			"HostedZoneId": map[string]any{"Fn::GetAtt": []any{assertions.Match_AnyValue(), "RegionalHostedZoneId"}},
		},
	})
	full.tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::RestApi"), map[string]any{"DisableExecuteApiEndpoint": true})
	if got := *full.api.Url(); got != "https://api.example.com/" {
		t.Errorf("Url() = %q, want the custom domain", got)
	}
	def.tpl.ResourceCountIs(jsii.String("AWS::ApiGateway::DomainName"), jsii.Number(0))
	def.tpl.ResourceCountIs(jsii.String("AWS::Route53::RecordSet"), jsii.Number(0))
}

func TestUserPool(t *testing.T) {
	full.tpl.HasResource(jsii.String("AWS::Cognito::UserPool"), map[string]any{
		"DeletionPolicy": "Retain",
		"Properties": map[string]any{
			"UsernameAttributes":     []any{"email"},
			"AutoVerifiedAttributes": []any{"email"},
			"MfaConfiguration":       "ON",
			"EnabledMfas":            []any{"SOFTWARE_TOKEN_MFA"},
			"DeletionProtection":     "ACTIVE",
			"UserPoolTier":           "PLUS",
			"UserPoolAddOns":         map[string]any{"AdvancedSecurityMode": "ENFORCED"},
			"AdminCreateUserConfig":  map[string]any{"AllowAdminCreateUserOnly": false},
			"AccountRecoverySetting": map[string]any{"RecoveryMechanisms": []any{map[string]any{"Name": "verified_email", "Priority": 1}}},
			"Policies": map[string]any{"PasswordPolicy": map[string]any{
				"MinimumLength": 12, "RequireLowercase": true, "RequireUppercase": true,
				"RequireNumbers": true, "RequireSymbols": true, "TemporaryPasswordValidityDays": 3,
			}},
			// Mail through SES, from the verified identity, at SES's quotas.
			"EmailConfiguration": map[string]any{
				"EmailSendingAccount": "DEVELOPER",
				"From":                "no-reply@example.com",
				"SourceArn": map[string]any{"Fn::Join": []any{"", []any{
					"arn:", map[string]any{"Ref": "AWS::Partition"}, ":ses:eu-west-1:", map[string]any{"Ref": "AWS::AccountId"},
					":identity/no-reply@example.com",
				}}},
			},
		},
	})
	def.tpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]any{
		"EmailConfiguration":    assertions.Match_Absent(),
		"MfaConfiguration":      "OPTIONAL",
		"UserPoolTier":          "PLUS",
		"AdminCreateUserConfig": map[string]any{"AllowAdminCreateUserOnly": true},
	})
	lean.tpl.HasResource(jsii.String("AWS::Cognito::UserPool"), map[string]any{
		"DeletionPolicy": "Delete",
		"Properties": map[string]any{
			"MfaConfiguration":   "OFF",
			"UserPoolTier":       "ESSENTIALS",
			"DeletionProtection": "INACTIVE",
			"UserPoolAddOns":     assertions.Match_Absent(),
		},
	})
}

func TestSpaClient(t *testing.T) {
	for name, f := range all() {
		t.Run(name, func(t *testing.T) {
			flows := []any{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
			if name == "Full" { // PasswordAuth on
				flows = []any{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
			}
			f.tpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]any{
				"GenerateSecret":             false,
				"ExplicitAuthFlows":          flows,
				"PreventUserExistenceErrors": "ENABLED",
				"EnableTokenRevocation":      true,
				"AccessTokenValidity":        60,
				"IdTokenValidity":            60,
				"RefreshTokenValidity":       43200,
				"TokenValidityUnits":         map[string]any{"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "minutes"},
				"SupportedIdentityProviders": []any{"COGNITO"},
			})
		})
	}
	full.tpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]any{
		"AllowedOAuthFlows":               []any{"code"},
		"AllowedOAuthFlowsUserPoolClient": true,
		"AllowedOAuthScopes":              []any{"openid", "email", "profile"},
		"CallbackURLs":                    []any{"https://app.example.com/callback", "http://localhost:5173/callback"},
		"LogoutURLs":                      []any{"https://app.example.com/"},
	})
	// Without callback URLs: no OAuth at all (CDK would otherwise register https://example.com).
	def.tpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]any{
		"AllowedOAuthFlows":               assertions.Match_Absent(),
		"AllowedOAuthFlowsUserPoolClient": false,
		"CallbackURLs":                    assertions.Match_Absent(),
	})
}

func TestManagedLoginDomain(t *testing.T) {
	full.tpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolDomain"), map[string]any{
		"Domain": "stratus-full-test", "ManagedLoginVersion": 2,
	})
	full.tpl.HasResourceProperties(jsii.String("AWS::Cognito::ManagedLoginBranding"), map[string]any{
		"UseCognitoProvidedValues": true,
		"ClientId":                 map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^ApiSpaClient"))},
	})
	existing.tpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolDomain"), map[string]any{
		"Domain": "stratus-existing-test", "UserPoolId": "eu-west-1_AbCdEfGhI", "ManagedLoginVersion": 1,
	})
	existing.tpl.ResourceCountIs(jsii.String("AWS::Cognito::ManagedLoginBranding"), jsii.Number(0))
	def.tpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPoolDomain"), jsii.Number(0))
	if full.api.LoginDomain == nil || def.api.LoginDomain != nil {
		t.Error("LoginDomain must be set exactly when DomainPrefix is")
	}
}

func TestOutputs(t *testing.T) {
	outputs := *def.tpl.FindOutputs(jsii.String("*"), nil)
	var names []string
	for id := range outputs {
		names = append(names, id)
	}
	sort.Strings(names)
	for _, want := range []string{"ApiUrl", "UserPoolId", "UserPoolClientId"} {
		found := false
		for _, n := range names {
			found = found || strings.HasPrefix(n, "Api"+want)
		}
		if !found {
			t.Errorf("no output %s in %v", want, names)
		}
	}
	if len(names) != 3 {
		t.Errorf("outputs %v, want exactly ApiUrl, UserPoolId and UserPoolClientId", names)
	}
	full.tpl.HasOutput(jsii.String("*"), map[string]any{"Value": "https://api.example.com/"})
	if n := len(*full.tpl.FindOutputs(jsii.String("*"), nil)); n != 4 {
		t.Errorf("Full has %d outputs, want 4 (with LoginUrl)", n)
	}
	s, _ := json.Marshal(outputs)
	if !strings.Contains(string(s), "execute-api") {
		t.Errorf("default ApiUrl output is not the stage URL: %s", s)
	}
}

func TestAlarmsAndMetrics(t *testing.T) {
	def.tpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(2))
	def.tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"MetricName": "5XXError", "Namespace": "AWS/ApiGateway", "Statistic": "Average", "Threshold": 0.05,
		// The stage by its name, not a Ref: the alarm depends on nothing the
		// stage does (it may roll back the alias the methods integrate with).
		"Dimensions": assertions.Match_ArrayWith(&[]any{map[string]any{"Name": "Stage", "Value": "v1"}}),
	})
	if def.api.ServerErrorsAlarm != def.api.Alarms[0] {
		t.Error("ServerErrorsAlarm is not the 5XX alarm of Alarms")
	}
	def.tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"MetricName": "Latency", "ExtendedStatistic": "p99", "Threshold": 5000,
	})
	if len(def.api.Alarms) != 2 {
		t.Errorf("Alarms has %d alarms, want 2", len(def.api.Alarms))
	}
	for want, m := range map[string]interface{ MetricName() *string }{
		"5XXError": def.api.MetricServerErrors(nil),
		"4XXError": def.api.MetricClientErrors(nil),
		"Latency":  def.api.MetricLatency(nil),
		"Count":    def.api.MetricCount(nil),
	} {
		if got := *m.MetricName(); got != want {
			t.Errorf("metric %s, want %s", got, want)
		}
	}
	// The caller's statistic and period reach the metric.
	opts := &awscloudwatch.MetricOptions{Statistic: jsii.String("p90"), Period: awscdk.Duration_Minutes(jsii.Number(1))}
	for name, m := range map[string]awscloudwatch.Metric{
		"MetricServerErrors": def.api.MetricServerErrors(opts),
		"MetricClientErrors": def.api.MetricClientErrors(opts),
		"MetricLatency":      def.api.MetricLatency(opts),
		"MetricCount":        def.api.MetricCount(opts),
	} {
		if *m.Statistic() != "p90" || *m.Period().ToMinutes(nil) != 1 {
			t.Errorf("%s: statistic %s, period %v min; want the options' p90 and 1", name, *m.Statistic(), *m.Period().ToMinutes(nil))
		}
	}
}

func TestCloudWatchRoleOnlyWhenAsked(t *testing.T) {
	def.tpl.ResourceCountIs(jsii.String("AWS::ApiGateway::Account"), jsii.Number(0))
	def.tpl.ResourceCountIs(jsii.String("AWS::IAM::Role"), jsii.Number(1)) // the handler's
	lean.tpl.ResourceCountIs(jsii.String("AWS::ApiGateway::Account"), jsii.Number(1))
}

func TestNagClean(t *testing.T) {
	for name, f := range all() {
		t.Run(name, func(t *testing.T) {
			for _, e := range cdktest.NagErrors(f.stack) {
				t.Errorf("unsuppressed cdk-nag error: %s", e)
			}
		})
	}
}

// suppressed lists the cdk-nag rules suppressed on the resources of one
// type.
func suppressed(tpl assertions.Template, typ string) map[string]bool {
	out := map[string]bool{}
	for _, r := range resources(tpl, typ) {
		md, _ := r["Metadata"].(map[string]any)
		nagMd, _ := md["cdk_nag"].(map[string]any)
		rules, _ := nagMd["rules_to_suppress"].([]any)
		for _, rule := range rules {
			m := rule.(map[string]any)
			if reason, _ := m["reason"].(string); len(reason) < 40 {
				panic(fmt.Sprintf("suppression %v has no real reason", m))
			}
			out[m["id"].(string)] = true
		}
	}
	return out
}

// Suppressions follow the caller's choices: none for what the secure
// defaults satisfy.
func TestNagSuppressionsOnlyWhereChosen(t *testing.T) {
	for _, c := range []struct {
		f          *fixture
		typ        string
		rule       string
		suppressed bool
	}{
		{&def, "AWS::Cognito::UserPool", "AwsSolutions-COG2", true}, // MFA optional by default
		{&full, "AWS::Cognito::UserPool", "AwsSolutions-COG2", false},
		{&def, "AWS::Cognito::UserPool", "AwsSolutions-COG8", false},
		{&lean, "AWS::Cognito::UserPool", "AwsSolutions-COG8", true},
		{&def, "AWS::ApiGateway::Stage", "AwsSolutions-APIG3", false},
		{&lean, "AWS::ApiGateway::Stage", "AwsSolutions-APIG3", true},
		{&lean, "AWS::IAM::Role", "AwsSolutions-IAM4", true},
		{&def, "AWS::IAM::Role", "AwsSolutions-IAM4", false},
	} {
		if got := suppressed(c.f.tpl, c.typ)[c.rule]; got != c.suppressed {
			t.Errorf("%s %s: %s suppressed = %v, want %v", *c.f.stack.StackName(), c.typ, c.rule, got, c.suppressed)
		}
	}
	// Serverless-LambdaDLQ on the handler's function resource, by New, and
	// on nothing else (its role, its invoke permissions).
	for name, f := range all() {
		if !suppressed(f.tpl, "AWS::Lambda::Function")["Serverless-LambdaDLQ"] {
			t.Errorf("%s: the route's function is not excused from Serverless-LambdaDLQ", name)
		}
		for _, typ := range []string{"AWS::IAM::Role", "AWS::Lambda::Permission", "AWS::IAM::Policy"} {
			if suppressed(f.tpl, typ)["Serverless-LambdaDLQ"] {
				t.Errorf("%s: Serverless-LambdaDLQ suppressed on %s too", name, typ)
			}
		}
	}
	// APIG4/COG4 only on the public route's method.
	paths := methodPaths(t, def.tpl)
	for id, m := range resources(def.tpl, "AWS::ApiGateway::Method") {
		one := suppressed(assertions.Template_FromJSON(&map[string]any{"Resources": map[string]any{id: m}}, nil), "AWS::ApiGateway::Method")
		if want := def.public[paths[id]]; one["AwsSolutions-APIG4"] != want || one["AwsSolutions-COG4"] != want {
			t.Errorf("%s: APIG4/COG4 suppressed %v/%v, want %v", paths[id], one["AwsSolutions-APIG4"], one["AwsSolutions-COG4"], want)
		}
	}
}

// importedFn is a handler that needs no build, for validation tests.
func importedFn(stack awscdk.Stack) awslambda.IFunction {
	return awslambda.Function_FromFunctionArn(stack, jsii.String("Fn"),
		jsii.String("arn:aws:lambda:eu-west-1:111111111111:function:hello"))
}

func TestInvalidRoutesPanicOnceNamingEach(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Bad"), nil)
	fn := importedFn(stack)
	route := func(m, p string, h awslambda.IFunction) apiwithauth.Route {
		return apiwithauth.Route{Method: jsii.String(m), Path: jsii.String(p), Handler: h}
	}
	schemaOnGet := route("GET", "/search", fn)
	schemaOnGet.RequestSchema = itemSchema()
	badQuery := route("GET", "/find", fn)
	badQuery.QueryParameters = map[string]bool{"q q": true, "ok": false}
	msg := cdktest.Recover(func() {
		apiwithauth.New(stack, "Api", &apiwithauth.Props{Routes: []apiwithauth.Route{
			route("GET", "/items", fn),           // 0: fine
			route("GET", "/items", fn),           // 1: duplicate
			route("POST", "items", fn),           // 2: no leading slash
			route("FETCH", "/things", fn),        // 3: unknown method
			route("DELETE", "/items/{id}", nil),  // 4: nil handler
			route("PUT", "/items/{itemId}", fn),  // 5: sibling parameter conflict
			route("GET", "/a//b", fn),            // 6: empty segment
			route("GET", "/files/{p+}/x", fn),    // 7: greedy not last
			schemaOnGet,                          // 8: body schema on GET
			route("OPTIONS", "/items", fn),       // 9: reserved for preflight
			route("GET", "/fine/{id}/child", fn), // 10: fine
			badQuery,                             // 11: a query parameter name with a space
		}})
	})
	if msg == "" {
		t.Fatal("New did not panic")
	}
	for _, want := range []string{
		"apiwithauth.New Bad/Api: invalid props",
		`Routes[1] "GET /items": duplicate of Routes[0]`,
		`Routes[2] "POST items": Path "items" must start with "/"`,
		`Routes[3] "FETCH /things": unknown Method "FETCH"`,
		`Routes[4] "DELETE /items/{id}": Handler is required`,
		`Routes[5] "PUT /items/{itemId}": path parameter {itemId} under "/items" conflicts with {id} of Routes[4]`,
		`Routes[6] "GET /a//b": Path "/a//b" has an empty segment`,
		`Routes[7] "GET /files/{p+}/x": Path "/files/{p+}/x": greedy parameter {p+} must be the last segment`,
		`Routes[8] "GET /search": RequestSchema on GET`,
		`Routes[9] "OPTIONS /items": Method OPTIONS is reserved for the CORS preflight`,
		`Routes[11] "GET /find": QueryParameters name "q q" must be`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("panic does not contain %q:\n%s", want, msg)
		}
	}
	for _, fine := range []string{"- Routes[0] ", "- Routes[10] "} {
		if strings.Contains(msg, fine) {
			t.Errorf("panic names valid route %s:\n%s", fine, msg)
		}
	}
	if n := strings.Count(msg, "Routes[4]"); n != 2 { // its own line, and as the sibling of Routes[5]
		t.Errorf("Routes[4] named %d times, want 2:\n%s", n, msg)
	}
	if stack.Node().TryFindChild(jsii.String("Api")) != nil {
		t.Error("constructs were created before validation failed")
	}
}

func TestInvalidPropsPanicOnceNamingEach(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Bad"), nil)
	fn := importedFn(stack)
	pool := awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String("eu-west-1_AbCdEfGhI"))
	msg := cdktest.Recover(func() {
		apiwithauth.New(stack, "Api", &apiwithauth.Props{
			Routes:               []apiwithauth.Route{{Method: jsii.String("GET"), Path: jsii.String("/"), Handler: fn}},
			ExistingUserPool:     pool,
			Mfa:                  awscognito.Mfa_REQUIRED,
			Email:                awscognito.UserPoolEmail_WithCognito(nil),
			CorsOrigins:          jsii.Strings("*", "https://app.example.com/"),
			CallbackUrls:         jsii.Strings("http://evil.example.com/cb"),
			DomainPrefix:         jsii.String("my-cognito-login"),
			ThrottlingRateLimit:  jsii.Number(0),
			ThrottlingBurstLimit: jsii.Number(2.5),
			WebAclRateLimit:      jsii.Number(5),
			StageName:            jsii.String("my stage"),
			Domain:               &apiwithauth.Domain{DomainName: jsii.String("api.other.org"), ZoneName: jsii.String("example.com")},
		})
	})
	for _, want := range []string{
		`Mfa "REQUIRED": has no effect with ExistingUserPool`,
		`Email "set": has no effect with ExistingUserPool`,
		`CorsOrigins[0] "*": list the allowed origins`,
		`CorsOrigins[1] "https://app.example.com/": must be https://host[:port]`,
		`CallbackUrls[0] "http://evil.example.com/cb": must be an https URL`,
		`DomainPrefix "my-cognito-login": must not contain the reserved word "cognito"`,
		"ThrottlingRateLimit 0: must be greater than 0",
		"ThrottlingBurstLimit 2.5: must be a whole number",
		"WebAclRateLimit 5: must be a whole number from 10",
		`StageName "my stage": must be 1-128`,
		"Domain.Certificate (unset): required",
		"Domain.HostedZoneId (unset): required",
		`Domain.DomainName "api.other.org": not in Domain.ZoneName "example.com"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("panic does not contain %q:\n%s", want, msg)
		}
	}
}

func TestNoRoutesIsAnError(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Bad"), nil)
	msg := cdktest.Recover(func() { apiwithauth.New(stack, "Api", nil) })
	if !strings.Contains(msg, "Routes []: at least one route is required") {
		t.Errorf("panic %q does not ask for routes", msg)
	}
}

func TestTokensAreNotValidated(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Tokens"), nil)
	fn := importedFn(stack)
	origin := awscdk.NewCfnParameter(stack, jsii.String("Origin"), nil).ValueAsString()
	rate := awscdk.NewCfnParameter(stack, jsii.String("Rate"), &awscdk.CfnParameterProps{Type: jsii.String("Number")}).ValueAsNumber()
	msg := cdktest.Recover(func() {
		apiwithauth.New(stack, "Api", &apiwithauth.Props{
			Routes:              []apiwithauth.Route{{Method: jsii.String("GET"), Path: jsii.String("/x"), Handler: fn}},
			CorsOrigins:         &[]*string{origin},
			ThrottlingRateLimit: rate,
			WebAcl:              jsii.Bool(false),
		})
	})
	if msg != "" {
		t.Errorf("tokens were validated: %s", msg)
	}
}

// Behind a CDN (OriginSecret), the web ACL requires the secret's header, has no per-IP rate rule
// (every address would be the CDN's), and keeps the header out of its logs; without the web ACL, or
// with a rate limit, OriginSecret is refused.
func TestOriginSecret(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("BehindCdn"), nil)
	fn := importedFn(stack)
	secret := awssecretsmanager.NewSecret(stack, jsii.String("Origin"), nil)
	routes := []apiwithauth.Route{{Method: jsii.String("GET"), Path: jsii.String("/health"), Handler: fn, Public: jsii.Bool(true)}}
	apiwithauth.New(stack, "Api", &apiwithauth.Props{Routes: routes, OriginSecret: secret})
	tpl := assertions.Template_FromStack(stack, nil)
	tpl.HasResourceProperties(jsii.String("AWS::WAFv2::WebACL"), map[string]any{
		"Rules": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Name":   "OriginHeaderRequired",
			"Action": map[string]any{"Block": assertions.Match_AnyValue()},
			"Statement": map[string]any{"NotStatement": map[string]any{"Statement": map[string]any{"ByteMatchStatement": assertions.Match_ObjectLike(&map[string]any{
				"FieldToMatch":         map[string]any{"SingleHeader": map[string]any{"Name": "x-origin-verify"}},
				"PositionalConstraint": "EXACTLY",
				"SearchString":         assertions.Match_AnyValue(),
			})}}},
		})}),
	})
	acls := tpl.FindResources(jsii.String("AWS::WAFv2::WebACL"), nil)
	for _, acl := range *acls {
		raw, _ := json.Marshal(acl)
		if strings.Contains(string(raw), "RateBasedStatement") {
			t.Errorf("a per-IP rate rule behind a CDN: %s", raw)
		}
		if !strings.Contains(string(raw), `resolve:secretsmanager:`) {
			t.Errorf("the header rule does not resolve the secret at deploy time: %s", raw)
		}
	}
	tpl.HasResourceProperties(jsii.String("AWS::WAFv2::LoggingConfiguration"), map[string]any{
		"RedactedFields": assertions.Match_ArrayWith(&[]any{map[string]any{"SingleHeader": map[string]any{"Name": "x-origin-verify"}}}),
	})

	bad := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Bad"), nil)
	msg := cdktest.Recover(func() {
		apiwithauth.New(bad, "Api", &apiwithauth.Props{
			Routes:       []apiwithauth.Route{{Method: jsii.String("GET"), Path: jsii.String("/health"), Handler: importedFn(bad), Public: jsii.Bool(true)}},
			OriginSecret: awssecretsmanager.NewSecret(bad, jsii.String("Origin"), nil), WebAcl: jsii.Bool(false), WebAclRateLimit: jsii.Number(100),
		})
	})
	for _, want := range []string{`OriginSecret "a secret": needs the web ACL`, "WebAclRateLimit 100: has no effect with OriginSecret"} {
		if !strings.Contains(msg, want) {
			t.Errorf("panic does not contain %q:\n%s", want, msg)
		}
	}
}
