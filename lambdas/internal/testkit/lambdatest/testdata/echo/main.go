// Command echo is a minimal Lambda for lambdatest's own tests: it returns the
// event it got, plus the value of the ECHO env var.
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(_ context.Context, in json.RawMessage) (map[string]any, error) {
		return map[string]any{"event": in, "env": os.Getenv("ECHO")}, nil
	})
}
