// Package ssmadapter is the SSM Parameter Store adapter of
// [awsx.ParameterReader]: only the function that reads settings links it.
//
// It speaks SSM's JSON 1.1 protocol itself (two operations: GetParameters and
// GetParametersByPath) with the SDK's own SigV4 signer, HTTP client and
// standard retryer, instead of linking service/ssm: that client's schema
// tables for every SSM operation added 1.3 MB to the api bootstrap
// (measured by lambdas/coldstart) for the two calls it makes. What it does
// not do that the SDK client does: FIPS and dual-stack endpoint variants
// (not configured anywhere in Stratus) and clock-skew correction.
package ssmadapter

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
)

// Store is the SSM Parameter Store adapter of [awsx.ParameterReader].
type Store struct {
	cfg      aws.Config
	endpoint string
	http     aws.HTTPClient
	retryer  *retry.Standard
	signer   *v4.Signer
}

var _ awsx.ParameterReader = (*Store)(nil)

// New is the store of cfg's region, credentials, retry settings and
// endpoint (AWS_ENDPOINT_URL_SSM, then BaseEndpoint, then the regional one).
func New(cfg aws.Config) *Store {
	s := &Store{cfg: cfg, endpoint: endpoint(cfg), http: cfg.HTTPClient, signer: v4.NewSigner()}
	if s.http == nil {
		s.http = awshttp.NewBuildableClient()
	}
	s.retryer = retry.NewStandard(func(o *retry.StandardOptions) {
		if cfg.RetryMaxAttempts > 0 {
			o.MaxAttempts = cfg.RetryMaxAttempts
		}
	})
	return s
}

func endpoint(cfg aws.Config) string {
	for _, src := range cfg.ConfigSources {
		if p, ok := src.(interface {
			GetServiceBaseEndpoint(context.Context, string) (string, bool, error)
		}); ok {
			if e, found, err := p.GetServiceBaseEndpoint(context.Background(), "SSM"); found && err == nil {
				return e
			}
		}
	}
	if cfg.BaseEndpoint != nil {
		return *cfg.BaseEndpoint
	}
	suffix := "amazonaws.com"
	if strings.HasPrefix(cfg.Region, "cn-") {
		suffix = "amazonaws.com.cn"
	}
	return "https://ssm." + cfg.Region + "." + suffix
}

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

// Error is an answer of SSM other than 200: its HTTP status and error code
// (which the standard retryer reads to tell throttling and server errors).
type Error struct {
	Status        int
	Code, Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("ssm: %s (HTTP %d): %s", e.Code, e.Status, e.Message)
}

// ErrorCode is the SSM error code, e.g. ThrottlingException.
func (e *Error) ErrorCode() string { return e.Code }

// HTTPStatusCode is the answer's HTTP status.
func (e *Error) HTTPStatusCode() int { return e.Status }

// call runs one operation, retried as the SDK's standard retryer decides.
func (p *Store) call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		err = p.attempt(ctx, op, body, out)
		if err == nil || attempt >= p.retryer.MaxAttempts() || !p.retryer.IsErrorRetryable(err) {
			return err
		}
		delay, derr := p.retryer.RetryDelay(attempt, err)
		if derr != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

func (p *Store) attempt(ctx context.Context, op string, body []byte, out any) error {
	if p.cfg.Credentials == nil {
		return fmt.Errorf("ssm: no credentials")
	}
	creds, err := p.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(p.endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonSSM."+op)
	sum := sha256.Sum256(body)
	if err := p.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "ssm", p.cfg.Region, time.Now()); err != nil {
		return err
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return err // a connection error: the retryer knows these
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(b, &e)
		code := cmp.Or(resp.Header.Get("X-Amzn-Errortype"), e.Type)
		if i := strings.LastIndexByte(code, '#'); i >= 0 {
			code = code[i+1:]
		}
		if i := strings.IndexByte(code, ':'); i >= 0 {
			code = code[:i]
		}
		return &Error{Status: resp.StatusCode, Code: cmp.Or(code, http.StatusText(resp.StatusCode)), Message: e.Message}
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("ssm: %s answer: %w", op, err)
	}
	return nil
}
