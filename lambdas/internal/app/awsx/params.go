package awsx

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// ParameterReader reads configuration parameters.
type ParameterReader interface {
	// Parameters returns the values of the named parameters that exist (SecureString values
	// decrypted); a name that does not exist is absent from the map, not an error, so callers
	// can fall back to defaults.
	Parameters(ctx context.Context, names ...string) (map[string]string, error)
	// ParametersByPath returns every parameter under path (recursively), keyed by full name.
	ParametersByPath(ctx context.Context, path string) (map[string]string, error)
}

// SSMParameters is the SSM Parameter Store adapter of [ParameterReader].
type SSMParameters struct {
	client *ssm.Client
}

var _ ParameterReader = (*SSMParameters)(nil)

// NewSSMParameters wraps an SSM client.
func NewSSMParameters(client *ssm.Client) *SSMParameters { return &SSMParameters{client: client} }

// getParametersMax is the most names GetParameters accepts in one call.
const getParametersMax = 10

// Parameters implements [ParameterReader].
func (p *SSMParameters) Parameters(ctx context.Context, names ...string) (map[string]string, error) {
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

// ParametersByPath implements [ParameterReader].
func (p *SSMParameters) ParametersByPath(ctx context.Context, path string) (map[string]string, error) {
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
