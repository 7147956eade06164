// Package awscall makes signed AWS API calls with the SDK's own parts (SigV4
// signer, HTTP client, standard retryer, the aws.Config of package boot)
// for the adapters that call one or two operations of a service whose SDK
// client would weigh a megabyte or more in a bootstrap (service/ssm's and
// service/s3's schema and endpoint-rule tables; measured by lambdas/coldstart).
// It resolves the endpoint as the SDK does from the environment
// (AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then the regional
// endpoint) and retries what the standard retryer retries (throttling, 5xx,
// connection errors) up to RetryMaxAttempts (default 3). It does not do FIPS
// or dual-stack endpoint variants (configured nowhere in Stratus) or
// clock-skew correction.
package awscall

import (
	"cmp"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// Client calls one service.
type Client struct {
	cfg aws.Config
	// Endpoint is the service's base URL, without a trailing slash.
	Endpoint    string
	signingName string
	http        aws.HTTPClient
	retryer     *retry.Standard
	signer      *v4.Signer
}

// New is the client of the service with SDK ID sdkID ("SSM", "S3"), signed
// as signingName ("ssm", "s3"), at host prefix endpointPrefix of the regional
// endpoint.
func New(cfg aws.Config, sdkID, signingName, endpointPrefix string, signer ...func(*v4.SignerOptions)) *Client {
	c := &Client{cfg: cfg, signingName: signingName, http: cfg.HTTPClient, signer: v4.NewSigner(signer...)}
	c.Endpoint = strings.TrimSuffix(Endpoint(cfg, sdkID, endpointPrefix), "/")
	if c.http == nil {
		c.http = awshttp.NewBuildableClient()
	}
	c.retryer = retry.NewStandard(func(o *retry.StandardOptions) {
		if cfg.RetryMaxAttempts > 0 {
			o.MaxAttempts = cfg.RetryMaxAttempts
		}
	})
	return c
}

// Endpoint is the base URL of service sdkID in cfg: AWS_ENDPOINT_URL_<SDKID>
// (found in cfg.ConfigSources), cfg.BaseEndpoint, or
// https://PREFIX.REGION.amazonaws.com (.com.cn in China).
func Endpoint(cfg aws.Config, sdkID, prefix string) string {
	for _, src := range cfg.ConfigSources {
		if p, ok := src.(interface {
			GetServiceBaseEndpoint(context.Context, string) (string, bool, error)
		}); ok {
			if e, found, err := p.GetServiceBaseEndpoint(context.Background(), sdkID); found && err == nil {
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
	return "https://" + prefix + "." + cfg.Region + "." + suffix
}

// Region is the signing region.
func (c *Client) Region() string { return c.cfg.Region }

// Credentials are the credentials to sign with, now.
func (c *Client) Credentials(ctx context.Context) (aws.Credentials, error) {
	if c.cfg.Credentials == nil {
		return aws.Credentials{}, fmt.Errorf("%s: no AWS credentials", c.signingName)
	}
	return c.cfg.Credentials.Retrieve(ctx)
}

// Error is an answer other than 2xx: its HTTP status and the service's error
// code (which the standard retryer reads to tell throttling).
type Error struct {
	Status        int
	Code, Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (HTTP %d): %s", e.Code, e.Status, e.Message)
}

// ErrorCode is the service's error code, e.g. ThrottlingException.
func (e *Error) ErrorCode() string { return e.Code }

// HTTPStatusCode is the answer's HTTP status.
func (e *Error) HTTPStatusCode() int { return e.Status }

// Do sends the request that newRequest builds (once per attempt), signed
// with payloadHash (hex SHA-256 of the body), and returns the 2xx answer's
// headers and body (at most 8 MiB), or an *Error.
func (c *Client) Do(ctx context.Context, newRequest func() (*http.Request, error), payloadHash string) (http.Header, []byte, error) {
	for attempt := 1; ; attempt++ {
		h, b, err := c.attempt(ctx, newRequest, payloadHash)
		if err == nil || attempt >= c.retryer.MaxAttempts() || !c.retryer.IsErrorRetryable(err) {
			return h, b, err
		}
		delay, derr := c.retryer.RetryDelay(attempt, err)
		if derr != nil {
			return h, b, err
		}
		select {
		case <-ctx.Done():
			return h, b, err
		case <-time.After(delay):
		}
	}
}

func (c *Client) attempt(ctx context.Context, newRequest func() (*http.Request, error), payloadHash string) (http.Header, []byte, error) {
	creds, err := c.Credentials(ctx)
	if err != nil {
		return nil, nil, err
	}
	req, err := newRequest()
	if err != nil {
		return nil, nil, err
	}
	if err := c.signer.SignHTTP(ctx, creds, req, payloadHash, c.signingName, c.cfg.Region, time.Now()); err != nil {
		return nil, nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err // a connection error: the retryer knows these
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode/100 != 2 {
		return resp.Header, nil, parseError(resp, b)
	}
	return resp.Header, b, nil
}

// parseError reads the code of an error answer: the X-Amzn-Errortype
// header, a JSON body's __type (awsJson) or an XML body's Code (S3) or
// Error>Code (the query protocol: SNS).
func parseError(resp *http.Response, b []byte) *Error {
	var j struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	var x struct { // S3's <Error><Code>, or the query protocol's <ErrorResponse><Error><Code> (SNS)
		Code      string `xml:"Code"`
		Message   string `xml:"Message"`
		ErrorCode string `xml:"Error>Code"`
		ErrorMsg  string `xml:"Error>Message"`
	}
	if json.Unmarshal(b, &j) != nil {
		_ = xml.Unmarshal(b, &x)
	}
	code := cmp.Or(resp.Header.Get("X-Amzn-Errortype"), j.Type, x.Code, x.ErrorCode)
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	return &Error{Status: resp.StatusCode, Code: cmp.Or(code, strings.ReplaceAll(http.StatusText(resp.StatusCode), " ", "")), Message: cmp.Or(j.Message, x.Message, x.ErrorMsg)}
}
