package mapping

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// API is a REST API's deployed stage: its throttles and its gateway responses, and the function
// its methods integrate with.
type API struct {
	RestAPI, Stage *Resource
	Function       Function
	// ThrottleRate and ThrottleBurst are the stage-wide MethodSettings (HttpMethod "*", ResourcePath
	// "/*") ThrottlingRateLimit and ThrottlingBurstLimit; API Gateway's account defaults
	// (10,000 requests per second, burst 5,000) where the stage sets none.
	ThrottleRate  float64
	ThrottleBurst int
	// Methods are the API's methods with their paths and request models.
	Methods []Method
	// responses are the API's gateway responses by ResponseType.
	responses map[string]gatewayResponse
}

type gatewayResponse struct {
	status   int // 0: the response type's own
	template string
}

var apiEmulation = emulation{
	service: "API Gateway REST API", file: "apigateway.go",
	reads: map[string][]string{
		"AWS::ApiGateway::Stage":            {"MethodSettings (stage-wide ThrottlingRateLimit, ThrottlingBurstLimit)"},
		"AWS::ApiGateway::Method":           {"HttpMethod", "ResourceId", "AuthorizationType", "RequestModels", "RequestValidatorId", "Integration.Uri"},
		"AWS::ApiGateway::Resource":         {"PathPart", "ParentId"},
		"AWS::ApiGateway::Model":            {"Schema"},
		"AWS::ApiGateway::RequestValidator": {"ValidateRequestBody"},
		"AWS::ApiGateway::GatewayResponse":  {"ResponseType", "StatusCode", "ResponseTemplates"},
	},
	inert: map[string][]string{
		"AWS::ApiGateway::Stage": {"RestApiId", "DeploymentId", "StageName", "MethodSettings", "AccessLogSetting", "TracingEnabled"},
	},
	locally: "the API under `/v1/`: the stage's throttle (a token bucket, answered with the API's THROTTLED response, 429), the authorizer (each ID token's RS256 signature checked against the JWKS, with its expiry, issuer, audience and `token_use`: API Gateway's 401), the request models (its BAD_REQUEST_BODY response, 400), then the handler within the 29 s integration timeout (its INTEGRATION_TIMEOUT response, 504)",
}

// API Gateway's account-level throttle, which applies where a stage sets none.
const (
	accountThrottleRate  = 10000
	accountThrottleBurst = 5000
)

// readAPI reads the one REST API with a stage.
func readAPI(a *Assembly) (API, []string, error) {
	stage, err := one(a, "AWS::ApiGateway::Stage", "the REST API's stage", nil)
	if err != nil {
		return API{}, nil, err
	}
	rd := &reader{r: stage}
	api := API{Stage: stage, ThrottleRate: accountThrottleRate, ThrottleBurst: accountThrottleBurst, responses: map[string]gatewayResponse{}}
	api.RestAPI = stage.Target(stage.Prop("RestApiId"))
	if api.RestAPI == nil {
		rd.fail([]string{"RestApiId"}, "does not refer to an AWS::ApiGateway::RestApi of its stack")
	}
	var notes []string
	list := stage.List("MethodSettings")
	for i, s := range list {
		m, _ := s.(map[string]any)
		if m["HttpMethod"] != "*" || m["ResourcePath"] != "/*" {
			notes = append(notes, fmt.Sprintf("%s: MethodSettings[%d] for %v %v (only the stage-wide throttle is emulated)", stage, i, m["HttpMethod"], m["ResourcePath"]))
			continue
		}
		if v, ok := m["ThrottlingRateLimit"].(float64); ok {
			api.ThrottleRate = v
		}
		if v, ok := m["ThrottlingBurstLimit"].(float64); ok {
			api.ThrottleBurst = int(v)
		}
	}
	var ferr error
	for _, m := range a.OfType("AWS::ApiGateway::Method") {
		uri := m.Prop("Integration", "Uri")
		if fn := invokedFunction(m, uri); fn != nil {
			if api.Function.Resource != nil && api.Function.Resource != fn {
				ferr = fmt.Errorf("%s integrates with %s, and another method with %s: the local stack runs one API function", m, fn, api.Function.Resource)
				break
			}
			if api.Function.Resource == nil {
				api.Function, ferr = readFunction(fn)
			}
		}
	}
	if api.Function.Resource == nil && ferr == nil {
		ferr = fmt.Errorf("assembly %s: no AWS::ApiGateway::Method integrates with a Lambda function", a.Dir)
	}
	methods, merr := readMethods(a, api.RestAPI)
	api.Methods = methods
	ferr = errors.Join(ferr, merr)
	for _, g := range a.OfType("AWS::ApiGateway::GatewayResponse") {
		gr := &reader{r: g}
		typ := gr.str("", "ResponseType")
		status := gr.integer(0, "StatusCode")
		tmpl := gr.str("", "ResponseTemplates", "application/json")
		api.responses[typ] = gatewayResponse{status: status, template: tmpl}
		rd.errs = append(rd.errs, gr.errs...)
	}
	if err := errors.Join(rd.err(), ferr); err != nil {
		return API{}, nil, err
	}
	notes = append(notes, unemulated(stage, apiEmulation.known(stage.Type)...)...)
	return api, notes, nil
}

// The status of each gateway response type the local stack answers, and its DEFAULT_ family.
var responseStatus = map[string]int{
	"THROTTLED":           http.StatusTooManyRequests,
	"INTEGRATION_TIMEOUT": http.StatusGatewayTimeout,
	"BAD_REQUEST_BODY":    http.StatusBadRequest,
	"UNAUTHORIZED":        http.StatusUnauthorized,
	"WAF_FILTERED":        http.StatusForbidden,
}

// GatewayResponse is what API Gateway answers for responseType with message (its
// $context.error.message): the API's gateway response for that type, else its DEFAULT_4XX or
// DEFAULT_5XX one, else API Gateway's own {"message": ...}.
func (api API) GatewayResponse(responseType, message string) (status int, body []byte) {
	status = responseStatus[responseType]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	family := "DEFAULT_4XX"
	if status >= 500 {
		family = "DEFAULT_5XX"
	}
	tmpl := `{"message":$context.error.messageString}`
	for _, typ := range []string{responseType, family} {
		if g, ok := api.responses[typ]; ok && g.template != "" {
			tmpl = g.template
			if g.status != 0 {
				status = g.status
			}
			break
		}
	}
	quoted, _ := json.Marshal(message)
	body = []byte(strings.NewReplacer(
		"$context.error.messageString", string(quoted),
		"$context.error.message", message,
		"$context.error.responseType", responseType,
	).Replace(tmpl))
	return status, body
}

// Method is one method of the REST API, as API Gateway checks a request before its integration runs.
type Method struct {
	Resource *Resource
	// HTTPMethod and Path ("/items/{id}") are the method's, from its resource's PathPart chain.
	HTTPMethod, Path string
	// Model is the JSON Schema (draft 4) of the method's RequestModels["application/json"], nil
	// without one; ValidateBody is its request validator's ValidateRequestBody.
	Model        []byte
	ValidateBody bool
	// Authorization is its AuthorizationType (NONE, COGNITO_USER_POOLS, ...).
	Authorization string
}

// readMethods reads the methods of api, with their paths, models and validators.
func readMethods(a *Assembly, api *Resource) ([]Method, error) {
	if api == nil {
		return nil, nil
	}
	var out []Method
	var errs []error
	for _, m := range a.OfType("AWS::ApiGateway::Method") {
		if m.Target(m.Prop("RestApiId")) != api {
			continue
		}
		rd := &reader{r: m}
		method := Method{Resource: m, HTTPMethod: rd.str("", "HttpMethod"), Authorization: rd.str("NONE", "AuthorizationType")}
		path, err := resourcePath(m, m.Prop("ResourceId"), api)
		if err != nil {
			rd.fail([]string{"ResourceId"}, "%v", err)
		}
		method.Path = path
		if model := m.Target(m.Prop("RequestModels", "application/json")); model != nil {
			if method.Model, err = json.Marshal(model.Prop("Schema")); err != nil || model.Prop("Schema") == nil {
				rd.fail([]string{"RequestModels", "application/json"}, "names %s, which has no Schema", model)
			}
		}
		if v := m.Target(m.Prop("RequestValidatorId")); v != nil {
			vr := &reader{r: v}
			method.ValidateBody = vr.boolean(false, "ValidateRequestBody")
			rd.errs = append(rd.errs, vr.errs...)
		}
		errs = append(errs, rd.err())
		out = append(out, method)
	}
	return out, errors.Join(errs...)
}

// resourcePath is the path of the resource that id points at: its PathParts up to the API's root.
func resourcePath(r *Resource, id any, api *Resource) (string, error) {
	var parts []string
	for depth := 0; depth < 64; depth++ {
		ref, _ := id.(map[string]any)
		if att, ok := ref["Fn::GetAtt"].([]any); ok && len(att) == 2 && att[1] == "RootResourceId" && r.Target(id) == api {
			path := "/" + strings.Join(parts, "/")
			return path, nil
		}
		res := r.Target(id)
		if res == nil || res.Type != "AWS::ApiGateway::Resource" {
			return "", fmt.Errorf("is %s, not a resource of the API %s", describe(id), api.LogicalID)
		}
		part, _ := res.Prop("PathPart").(string)
		parts = append([]string{part}, parts...)
		id = res.Prop("ParentId")
	}
	return "", fmt.Errorf("is nested deeper than 64 resources")
}
