// Package s3adapter is the S3 adapter of [awsx.ObjectInspector] and
// [awsx.Presigner]: only the functions that touch uploads link the S3 client.
package s3adapter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
)

// Objects is the S3 adapter of [awsx.ObjectInspector] and [awsx.Presigner].
type Objects struct {
	client  *s3.Client
	presign *s3.PresignClient
	now     func() time.Time
}

var (
	_ awsx.ObjectInspector = (*Objects)(nil)
	_ awsx.Presigner       = (*Objects)(nil)
)

// New wraps an S3 client.
func New(client *s3.Client) *Objects {
	return &Objects{client: client, presign: s3.NewPresignClient(client), now: time.Now}
}

// Head returns the object's size and content type, or [awsx.ErrObjectNotFound].
func (o *Objects) Head(ctx context.Context, bucket, key string) (awsx.ObjectInfo, error) {
	out, err := o.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		var re *awshttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
			return awsx.ObjectInfo{}, fmt.Errorf("s3 head %s/%s: %w", bucket, key, awsx.ErrObjectNotFound)
		}
		return awsx.ObjectInfo{}, fmt.Errorf("s3 head %s/%s: %w", bucket, key, err)
	}
	return awsx.ObjectInfo{
		Size:        aws.ToInt64(out.ContentLength),
		ContentType: aws.ToString(out.ContentType),
		ETag:        aws.ToString(out.ETag),
	}, nil
}

// PresignPut presigns a PUT of exactly r.Size bytes of r.ContentType to r.Bucket/r.Key.
func (o *Objects) PresignPut(ctx context.Context, r awsx.PutRequest) (awsx.PresignedPut, error) {
	if r.Bucket == "" || r.Key == "" || r.Size < 0 || r.Expires <= 0 {
		return awsx.PresignedPut{}, fmt.Errorf("presign put: invalid request (bucket %q, key %q, size %d, expires %s)",
			r.Bucket, r.Key, r.Size, r.Expires)
	}
	in := &s3.PutObjectInput{
		Bucket:        aws.String(r.Bucket),
		Key:           aws.String(r.Key),
		ContentLength: aws.Int64(r.Size),
	}
	if r.ContentType != "" {
		in.ContentType = aws.String(r.ContentType)
	}
	start := o.now()
	req, err := o.presign.PresignPutObject(ctx, in, s3.WithPresignExpires(r.Expires))
	if err != nil {
		return awsx.PresignedPut{}, fmt.Errorf("presign put %s/%s: %w", r.Bucket, r.Key, err)
	}
	h := req.SignedHeader.Clone()
	h.Del("Host") // set by every HTTP client from the URL
	return awsx.PresignedPut{URL: req.URL, Method: req.Method, Headers: h, Expires: start.Add(r.Expires)}, nil
}
