package stacks

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/apiwithauth"
	"github.com/stratus-cdk/stratus/contract"
)

// apiRoutes turns the application's route table (contract, the one
// the handler and the local server use too) into the API's routes, all
// served by handler.
func apiRoutes(handler awslambda.IFunction) []apiwithauth.Route {
	routes := contract.Routes()
	out := make([]apiwithauth.Route, 0, len(routes))
	for _, r := range routes {
		route := apiwithauth.Route{
			Method:  jsii.String(r.Method),
			Path:    jsii.String(r.Path),
			Handler: handler,
			Public:  jsii.Bool(r.Public),
			// API Gateway requires the path parameters and validates the
			// declared query parameters (documenting the optional ones).
			QueryParameters: r.Query,
		}
		if r.Schema != "" {
			route.RequestSchema = jsonSchema(r.Name, r.Schema)
		}
		out = append(out, route)
	}
	return out
}

// jsonSchema decodes a draft-04 document into CDK's JsonSchema. Its Go
// fields carry the JSON names of the keywords, except "$schema".
func jsonSchema(name, doc string) *awsapigateway.JsonSchema {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		panic(fmt.Sprintf("route %s: schema: %v", name, err))
	}
	delete(raw, "$schema")
	clean, _ := json.Marshal(raw)
	var s awsapigateway.JsonSchema
	if err := json.Unmarshal(clean, &s); err != nil {
		panic(fmt.Sprintf("route %s: schema: %v", name, err))
	}
	s.Schema = awsapigateway.JsonSchemaVersion_DRAFT4
	typed(&s)
	return &s
}

// typed turns the decoded "type" strings into jsii's JsonSchemaType enum
// which jsii will not accept as plain strings.
func typed(s *awsapigateway.JsonSchema) {
	switch t := s.Type.(type) {
	case string:
		s.Type = awsapigateway.JsonSchemaType(strings.ToUpper(t))
	case []any:
		list := make([]awsapigateway.JsonSchemaType, len(t))
		for i, v := range t {
			list[i] = awsapigateway.JsonSchemaType(strings.ToUpper(fmt.Sprint(v)))
		}
		s.Type = &list
	}
	if s.Properties != nil {
		for _, p := range *s.Properties {
			typed(p)
		}
	}
}
