package s3adapter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx/awscall"
)

// emptySHA256 is the hex SHA-256 of an empty body, which S3 wants in
// X-Amz-Content-Sha256.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Inspector is the [awsx.ObjectInspector] of a function that only HEADs
// uploads (the worker): a signed HeadObject through package awscall (the
// SDK's signer, HTTP client and standard retryer), without linking
// service/s3. The URL is built as [Presigner]'s.
type Inspector struct {
	client    *awscall.Client
	PathStyle bool
}

var _ awsx.ObjectInspector = (*Inspector)(nil)

// NewInspector is the inspector of cfg's region, credentials, retries and endpoint.
func NewInspector(cfg aws.Config) *Inspector {
	return &Inspector{client: awscall.New(cfg, "S3", "s3", "s3", func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = true // S3 signs the path as sent, escaped once
	})}
}

// Head reads an object's size, content type and ETag; awsx.ErrObjectNotFound if it does not exist.
func (i *Inspector) Head(ctx context.Context, bucket, key string) (awsx.ObjectInfo, error) {
	u, err := objectURL(i.client.Endpoint, i.PathStyle, bucket, key)
	if err != nil {
		return awsx.ObjectInfo{}, fmt.Errorf("s3 head %s/%s: %w", bucket, key, err)
	}
	h, _, err := i.client.Do(ctx, func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodHead, u.String(), nil)
		if err == nil {
			req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
		}
		return req, err
	}, emptySHA256)
	if err != nil {
		var e *awscall.Error
		if errors.As(err, &e) && e.Status == http.StatusNotFound {
			return awsx.ObjectInfo{}, fmt.Errorf("s3 head %s/%s: %w", bucket, key, awsx.ErrObjectNotFound)
		}
		return awsx.ObjectInfo{}, fmt.Errorf("s3 head %s/%s: %w", bucket, key, err)
	}
	size, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64)
	if err != nil {
		return awsx.ObjectInfo{}, fmt.Errorf("s3 head %s/%s: Content-Length %q", bucket, key, h.Get("Content-Length"))
	}
	return awsx.ObjectInfo{Size: size, ContentType: h.Get("Content-Type"), ETag: h.Get("Etag")}, nil
}
