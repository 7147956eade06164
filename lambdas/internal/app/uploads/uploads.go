// Package uploads adapts awsx.Presigner (S3) to items.Uploads: presigned PUTs
// of attachments to the uploads bucket.
package uploads

import (
	"context"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
)

// DefaultExpiry is how long an upload URL is valid.
const DefaultExpiry = 15 * time.Minute

// S3 presigns uploads to one bucket.
type S3 struct {
	Presigner awsx.Presigner
	Bucket    string
	Expiry    time.Duration // default DefaultExpiry
}

var _ items.Uploads = (*S3)(nil)

// PresignPut implements items.Uploads. The signature covers Content-Type and
// Content-Length, so S3 refuses another type or size (the worker checks the
// object again after upload).
func (s *S3) PresignPut(ctx context.Context, key, contentType string, size int64) (items.Upload, error) {
	exp := s.Expiry
	if exp == 0 {
		exp = DefaultExpiry
	}
	p, err := s.Presigner.PresignPut(ctx, awsx.PutRequest{Bucket: s.Bucket, Key: key, ContentType: contentType, Size: size, Expires: exp})
	if err != nil {
		return items.Upload{}, err
	}
	headers := map[string]string{}
	for k, v := range p.Headers {
		if len(v) > 0 {
			headers[k] = v[0]
		}
	}
	return items.Upload{URL: p.URL, Method: p.Method, Headers: headers, ExpiresAt: p.Expires.UTC()}, nil
}
