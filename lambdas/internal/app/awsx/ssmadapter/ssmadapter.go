// Package ssmadapter is the SSM Parameter Store adapter of
// [awsx.ParameterReader]: only the function that reads settings links it.
//
// It speaks SSM's JSON 1.1 protocol (two operations: GetParameters and
// GetParametersByPath) through package awscall (the SDK's SigV4 signer, HTTP
// client and standard retryer) instead of linking service/ssm: that client's
// schema tables for every SSM operation added 1.3 MB to the api bootstrap
// (measured by lambdas/coldstart) for the two calls it makes.
package ssmadapter

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx/awscall"
)

// Store is the SSM Parameter Store adapter of [awsx.ParameterReader].
type Store struct {
	client *awscall.Client
}

var _ awsx.ParameterReader = (*Store)(nil)

// New is the store of cfg's region, credentials, retry settings and
// endpoint (AWS_ENDPOINT_URL_SSM, then BaseEndpoint, then the regional one).
func New(cfg aws.Config) *Store { return &Store{client: awscall.New(cfg, "SSM", "ssm", "ssm")} }

// getParametersMax is the most names one GetParameters call takes.
const getParametersMax = 10

type parameter struct{ Name, Value string }

type output struct {
	Parameters []parameter
	NextToken  string
}

// Parameters returns the values of the names that exist (decrypted), keyed by name.
func (p *Store) Parameters(ctx context.Context, names ...string) (map[string]string, error) {
	vals := make(map[string]string, len(names))
	for start := 0; start < len(names); start += getParametersMax {
		chunk := names[start:min(start+getParametersMax, len(names))]
		var out output
		if err := p.call(ctx, "GetParameters", map[string]any{"Names": chunk, "WithDecryption": true}, &out); err != nil {
			return nil, fmt.Errorf("ssm get parameters %s: %w", strings.Join(chunk, ","), err)
		}
		for _, prm := range out.Parameters {
			vals[prm.Name] = prm.Value
		}
	}
	return vals, nil
}

// ParametersByPath returns every parameter under path (recursively, decrypted), keyed by full name.
func (p *Store) ParametersByPath(ctx context.Context, path string) (map[string]string, error) {
	vals := map[string]string{}
	in := map[string]any{"Path": path, "Recursive": true, "WithDecryption": true}
	for {
		var out output
		if err := p.call(ctx, "GetParametersByPath", in, &out); err != nil {
			return nil, fmt.Errorf("ssm get parameters by path %s: %w", path, err)
		}
		for _, prm := range out.Parameters {
			vals[prm.Name] = prm.Value
		}
		if out.NextToken == "" {
			return vals, nil
		}
		in["NextToken"] = out.NextToken
	}
}

// call runs one operation; errors are *awscall.Error for SSM's answers.
func (p *Store) call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	_, b, err := p.client.Do(ctx, func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.client.Endpoint+"/", bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			req.Header.Set("X-Amz-Target", "AmazonSSM."+op)
		}
		return req, err
	}, hex.EncodeToString(sum[:]))
	if err != nil {
		return fmt.Errorf("ssm: %w", err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("ssm: %s answer: %w", op, err)
	}
	return nil
}
