package apiwithauth

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/nag"
)

// corsMethods are the preflight's allowed methods: those of the routes.
func corsMethods(routes []route) []string {
	set := map[string]bool{"OPTIONS": true}
	for _, r := range routes {
		set[r.method] = true
	}
	out := make([]string, 0, len(set))
	for m := range set {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// addRoutes adds one Lambda-proxy method per route: Cognito-authorized
// unless public, checked by the API's request validator (its parameters
// always, its body against a model when it has a schema).
func (a *ApiWithAuth) addRoutes(c *config) {
	var authorizer awsapigateway.CognitoUserPoolsAuthorizer
	// One validator for every method: API Gateway checks the body only of
	// a method with a model for the request's content type, so a method
	// without a schema gets its parameters checked and its body passed on.
	validator := a.Api.AddRequestValidator(jsii.String("Validator"), &awsapigateway.RequestValidatorOptions{
		ValidateRequestBody:       jsii.Bool(true),
		ValidateRequestParameters: jsii.Bool(true),
	})
	a.suppressSynchronousDLQ(c.routes)
	ids := map[string]int{}
	for _, r := range c.routes {
		id := routeID(r.method, r.path)
		if n := ids[id]; n > 0 {
			id = fmt.Sprintf("%s%d", id, n+1)
		}
		ids[id]++

		opts := &awsapigateway.MethodOptions{
			RequestValidator:  validator,
			RequestParameters: requestParameters(r),
		}
		if r.public {
			opts.AuthorizationType = awsapigateway.AuthorizationType_NONE
		} else {
			if authorizer == nil {
				// Created only when a route uses it: an authorizer attached
				// to no method fails synthesis.
				authorizer = awsapigateway.NewCognitoUserPoolsAuthorizer(a.Construct, jsii.String("Authorizer"),
					&awsapigateway.CognitoUserPoolsAuthorizerProps{
						CognitoUserPools: &[]awscognito.IUserPool{a.UserPool},
					})
			}
			opts.AuthorizationType = awsapigateway.AuthorizationType_COGNITO
			opts.Authorizer = authorizer
		}
		if r.RequestSchema != nil {
			schema := *r.RequestSchema
			if schema.Schema == "" {
				schema.Schema = awsapigateway.JsonSchemaVersion_DRAFT4
			}
			model := a.Api.AddModel(jsii.String(id+"Model"), &awsapigateway.ModelOptions{
				ContentType: jsii.String("application/json"),
				Description: jsii.String("Request body of " + r.method + " " + r.path),
				Schema:      &schema,
			})
			opts.RequestModels = &map[string]awsapigateway.IModel{"application/json": model}
		}
		integration := awsapigateway.NewLambdaIntegration(r.Handler, &awsapigateway.LambdaIntegrationOptions{
			// The console's test button needs a second permission per
			// method; leave it out.
			AllowTestInvoke: jsii.Bool(false),
		})
		resource := a.Api.Root()
		if r.path != "/" {
			resource = a.Api.Root().ResourceForPath(jsii.String(r.path))
		}
		method := resource.AddMethod(jsii.String(r.method), integration, opts)
		if r.public {
			reason := fmt.Sprintf("%s %s is declared Public in the route table: it serves callers that are not signed in.", r.method, r.path)
			nag.Suppress(method,
				nag.Rule("AwsSolutions-APIG4", reason),
				nag.Rule("AwsSolutions-COG4", reason))
		}
	}
}

// requestParameters declares the route's parameters to API Gateway, which
// the validator then checks: every path parameter is required, each query
// parameter as the route declares it. Nil when there are none.
func requestParameters(r route) *map[string]*bool {
	params := map[string]*bool{}
	for _, name := range pathParameters(r.path) {
		params["method.request.path."+name] = jsii.Bool(true)
	}
	for name, required := range r.QueryParameters {
		params["method.request.querystring."+name] = jsii.Bool(required)
	}
	if len(params) == 0 {
		return nil
	}
	return &params
}

// pathParameters are the names of a path's {parameters}, "{name+}" as "name".
func pathParameters(path string) []string {
	var out []string
	for _, part := range strings.Split(path, "/") {
		if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
			out = append(out, strings.TrimSuffix(strings.Trim(part, "{}"), "+"))
		}
	}
	return out
}

// suppressSynchronousDLQ excuses Serverless-LambdaDLQ on each handler's
// function resource, and nothing else: API Gateway invokes it synchronously,
// the caller gets every error, and a Lambda dead-letter queue only ever
// receives failed asynchronous invocations. An imported function has no
// resource in this app, so nothing to excuse.
func (a *ApiWithAuth) suppressSynchronousDLQ(routes []route) {
	done := map[string]bool{}
	for _, r := range routes {
		res := functionResource(r.Handler)
		if res == nil || done[*res.Node().Path()] {
			continue
		}
		done[*res.Node().Path()] = true
		nag.Suppress(res, nag.NoDLQSynchronous())
	}
}

// functionResource is the AWS::Lambda::Function behind fn (through an alias
// or a version), or nil for an imported function.
func functionResource(fn awslambda.IFunction) constructs.IConstruct {
	for {
		switch f := fn.(type) {
		case awslambda.IAlias:
			fn = f.Version()
		case awslambda.IVersion:
			fn = f.Lambda()
		default:
			res := fn.Node().DefaultChild()
			if res == nil || !*awscdk.CfnResource_IsCfnResource(res) {
				return nil
			}
			return res
		}
	}
}

// routeID turns "POST /items/{id}" into "PostItemsId".
func routeID(method, path string) string {
	var b strings.Builder
	upper := true
	for _, r := range strings.ToLower(method) + "/" + path {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if upper {
				b.WriteRune(unicode.ToUpper(r))
			} else {
				b.WriteRune(r)
			}
			upper = false
		} else {
			upper = true
		}
	}
	if path == "/" {
		b.WriteString("Root")
	}
	return b.String()
}
