package s3adapter

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx/awscall"
)

// Presigner is the [awsx.Presigner] of a function that only presigns (the
// api): a SigV4 query-string signature of a PUT, made with the SDK's signer,
// without linking service/s3 (1.05 MB of the api bootstrap, measured by
// lambdas/coldstart). Presigning makes no network call, so it needs no
// retryer; the URL is the virtual-hosted one S3 documents,
// https://BUCKET.s3.REGION.amazonaws.com/KEY, or, at a custom endpoint
// (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL), the same host prefix or, with
// PathStyle or at an IP address, ENDPOINT/BUCKET/KEY. Like the SDK's presigner it signs Host,
// Content-Length and Content-Type with an unsigned payload.
type Presigner struct {
	cfg       aws.Config
	endpoint  string
	PathStyle bool
	signer    *v4.Signer
	// Now is the signing time (default time.Now).
	Now func() time.Time
}

var _ awsx.Presigner = (*Presigner)(nil)

// NewPresigner is the presigner of cfg's region, credentials and endpoint.
func NewPresigner(cfg aws.Config) *Presigner {
	e := awscall.Endpoint(cfg, "S3", "s3")
	return &Presigner{cfg: cfg, endpoint: e, Now: time.Now, signer: v4.NewSigner(func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = true // S3 signs the path as sent, escaped once
	})}
}

// PresignPut presigns a PUT of r.Key in r.Bucket with its size and content type.
func (p *Presigner) PresignPut(ctx context.Context, r awsx.PutRequest) (awsx.PresignedPut, error) {
	if r.Bucket == "" || r.Key == "" || r.Size < 0 || r.Expires <= 0 {
		return awsx.PresignedPut{}, fmt.Errorf("presign put: invalid request (bucket %q, key %q, size %d, expires %s)",
			r.Bucket, r.Key, r.Size, r.Expires)
	}
	u, err := objectURL(p.endpoint, p.PathStyle, r.Bucket, r.Key)
	if err != nil {
		return awsx.PresignedPut{}, fmt.Errorf("presign put %s/%s: %w", r.Bucket, r.Key, err)
	}
	q := u.Query()
	q.Set("x-id", "PutObject")
	q.Set("X-Amz-Expires", strconv.FormatInt(int64(r.Expires/time.Second), 10))
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u.String(), nil)
	if err != nil {
		return awsx.PresignedPut{}, fmt.Errorf("presign put %s/%s: %w", r.Bucket, r.Key, err)
	}
	req.ContentLength = r.Size
	req.Header.Set("Content-Length", strconv.FormatInt(r.Size, 10))
	if r.ContentType != "" {
		req.Header.Set("Content-Type", r.ContentType)
	}
	if p.cfg.Credentials == nil {
		return awsx.PresignedPut{}, fmt.Errorf("presign put %s/%s: no credentials", r.Bucket, r.Key)
	}
	creds, err := p.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return awsx.PresignedPut{}, fmt.Errorf("presign put %s/%s: %w", r.Bucket, r.Key, err)
	}
	start := p.Now()
	signed, h, err := p.signer.PresignHTTP(ctx, creds, req, "UNSIGNED-PAYLOAD", "s3", p.cfg.Region, start)
	if err != nil {
		return awsx.PresignedPut{}, fmt.Errorf("presign put %s/%s: %w", r.Bucket, r.Key, err)
	}
	h = h.Clone()
	h.Del("Host") // set by every HTTP client from the URL
	return awsx.PresignedPut{URL: signed, Method: http.MethodPut, Headers: h, Expires: start.Add(r.Expires)}, nil
}

// objectURL is the URL of key in bucket at endpoint (awscall.Endpoint):
// virtual-hosted (BUCKET.HOST/KEY), or path-style (HOST/BUCKET/KEY) if asked
// or if the host is an IP address, as the SDK decides.
func objectURL(endpoint string, pathStyle bool, bucket, key string) (*url.URL, error) {
	path := "/" + escapeKey(key)
	u, err := url.Parse(strings.TrimSuffix(endpoint, "/"))
	if err != nil {
		return nil, err
	}
	if pathStyle || net.ParseIP(u.Hostname()) != nil { // no virtual host on an IP address (as the SDK decides)
		return url.Parse(u.Scheme + "://" + u.Host + u.EscapedPath() + "/" + url.PathEscape(bucket) + path)
	}
	return url.Parse(u.Scheme + "://" + bucket + "." + u.Host + u.EscapedPath() + path)
}

// escapeKey escapes an object key for a URL path as S3 expects: every byte
// but the unreserved characters and '/'.
func escapeKey(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~/", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
