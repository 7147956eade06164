// Command api is the team's HTTP handler behind apiwithauth: a Lambda proxy
// integration. It answers with the caller's Cognito subject and the route it
// was asked for; a real service would connect to the database (DB_* from
// serverlessdb's Bind) and publish to the bus (EVENT_TOPIC_ARN from
// eventbus's BindPublisher).
package main

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	body, _ := json.Marshal(map[string]any{
		"route": req.HTTPMethod + " " + req.Resource,
		"sub":   req.RequestContext.Authorizer["claims"],
	})
	return events.APIGatewayProxyResponse{
		StatusCode: http.StatusOK,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(body),
	}, nil
}

func main() { lambda.Start(handle) }
