// Command hello is the smallest Lambda handler, built by the gofunction tests.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, in map[string]any) (map[string]any, error) {
		return map[string]any{"hello": in["name"]}, nil
	})
}
