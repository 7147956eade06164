// Command hello is the smallest Go Lambda handler, built like the real
// ones: the floor the cold-start benchmark compares them with.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, json.RawMessage) (string, error) { return "ok", nil })
}
