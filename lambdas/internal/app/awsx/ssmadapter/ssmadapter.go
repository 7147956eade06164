// Package ssmadapter is the SSM Parameter Store adapter of
// [awsx.ParameterReader]: only the function that reads settings links the
// SSM client.
package ssmadapter

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
)

// Store is the SSM Parameter Store adapter of [awsx.ParameterReader].
type Store struct {
	client *ssm.Client
}

var _ awsx.ParameterReader = (*Store)(nil)

// New wraps an SSM client.
func New(client *ssm.Client) *Store { return &Store{client: client} }

// getParametersMax is the most names GetParameters accepts in one call.
const getParametersMax = 10

// Parameters implements [awsx.ParameterReader].
func (p *Store) Parameters(ctx context.Context, names ...string) (map[string]string, error) {
	vals := make(map[string]string, len(names))
	for start := 0; start < len(names); start += getParametersMax {
		chunk := names[start:min(start+getParametersMax, len(names))]
		out, err := p.client.GetParameters(ctx, &ssm.GetParametersInput{Names: chunk, WithDecryption: aws.Bool(true)})
		if err != nil {
			return nil, fmt.Errorf("ssm get parameters %s: %w", strings.Join(chunk, ","), err)
		}
		for _, prm := range out.Parameters {
			vals[aws.ToString(prm.Name)] = aws.ToString(prm.Value)
		}
	}
	return vals, nil
}

// ParametersByPath implements [awsx.ParameterReader].
func (p *Store) ParametersByPath(ctx context.Context, path string) (map[string]string, error) {
	vals := map[string]string{}
	pages := ssm.NewGetParametersByPathPaginator(p.client, &ssm.GetParametersByPathInput{
		Path: aws.String(path), Recursive: aws.Bool(true), WithDecryption: aws.Bool(true),
	})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ssm get parameters by path %s: %w", path, err)
		}
		for _, prm := range out.Parameters {
			vals[aws.ToString(prm.Name)] = aws.ToString(prm.Value)
		}
	}
	return vals, nil
}
