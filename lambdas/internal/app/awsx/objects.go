package awsx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ErrObjectNotFound is returned by [ObjectInspector.Head] when the object does not exist (any more).
var ErrObjectNotFound = errors.New("object not found")

// ObjectInfo is what a HEAD of an object tells.
type ObjectInfo struct {
	Size        int64
	ContentType string
	ETag        string
}

// ObjectInspector reads an object's metadata without its body.
type ObjectInspector interface {
	Head(ctx context.Context, bucket, key string) (ObjectInfo, error)
}

// PutRequest describes an upload a client may make with a presigned URL.
type PutRequest struct {
	Bucket      string
	Key         string
	ContentType string
	// Size is the declared Content-Length; it is signed, so S3 refuses a body of another size.
	Size int64
	// Expires is how long the URL stays valid.
	Expires time.Duration
}

// PresignedPut is a presigned request: the client sends Method to URL with Headers.
type PresignedPut struct {
	URL     string
	Method  string
	Headers http.Header
	Expires time.Time
}

// Presigner presigns uploads.
type Presigner interface {
	PresignPut(ctx context.Context, r PutRequest) (PresignedPut, error)
}

// S3Objects is the S3 adapter of [ObjectInspector] and [Presigner].
type S3Objects struct {
	client  *s3.Client
	presign *s3.PresignClient
	now     func() time.Time
}

var (
	_ ObjectInspector = (*S3Objects)(nil)
	_ Presigner       = (*S3Objects)(nil)
)

// NewS3Objects wraps an S3 client.
func NewS3Objects(client *s3.Client) *S3Objects {
	return &S3Objects{client: client, presign: s3.NewPresignClient(client), now: time.Now}
}

// Head returns the object's size and content type, or [ErrObjectNotFound].
func (o *S3Objects) Head(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	out, err := o.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		var re *awshttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
			return ObjectInfo{}, fmt.Errorf("s3 head %s/%s: %w", bucket, key, ErrObjectNotFound)
		}
		return ObjectInfo{}, fmt.Errorf("s3 head %s/%s: %w", bucket, key, err)
	}
	return ObjectInfo{
		Size:        aws.ToInt64(out.ContentLength),
		ContentType: aws.ToString(out.ContentType),
		ETag:        aws.ToString(out.ETag),
	}, nil
}

// PresignPut presigns a PUT of exactly r.Size bytes of r.ContentType to r.Bucket/r.Key.
func (o *S3Objects) PresignPut(ctx context.Context, r PutRequest) (PresignedPut, error) {
	if r.Bucket == "" || r.Key == "" || r.Size < 0 || r.Expires <= 0 {
		return PresignedPut{}, fmt.Errorf("presign put: invalid request (bucket %q, key %q, size %d, expires %s)",
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
		return PresignedPut{}, fmt.Errorf("presign put %s/%s: %w", r.Bucket, r.Key, err)
	}
	h := req.SignedHeader.Clone()
	h.Del("Host") // set by every HTTP client from the URL
	return PresignedPut{URL: req.URL, Method: req.Method, Headers: h, Expires: start.Add(r.Expires)}, nil
}
