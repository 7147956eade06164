package devstack

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/renameio/v2"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
)

// Objects stands in for the uploads bucket: it presigns PUTs to itself (awsx.Presigner), takes
// the uploads with the checks S3 makes of a presigned request (signature, expiry, the signed
// Content-Type and Content-Length), keeps them in a folder, sends S3's ObjectCreated notification
// for each, and answers HEADs (awsx.ObjectInspector) the way the worker reads them.
type Objects struct {
	dir     string
	baseURL string // where ServeHTTP is mounted, ending in "/"
	secret  []byte
	notify  func(body string) error
	now     func() time.Time
	seq     atomic.Uint64
}

var (
	_ awsx.Presigner       = (*Objects)(nil)
	_ awsx.ObjectInspector = (*Objects)(nil)
)

// objectMeta is what S3 keeps beside an object's bytes.
type objectMeta struct {
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	ETag        string `json:"etag"`
}

// NewObjects keeps objects under dir and signs URLs under baseURL (the URL ServeHTTP is mounted
// at). notify receives each S3 event notification (JSON), as the bucket's notification to the
// event topic would. The signing key is kept in dir, so URLs stay valid across restarts.
func NewObjects(dir, baseURL string, notify func(body string) error) (*Objects, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	keyFile := filepath.Join(dir, ".signing-key")
	secret, err := os.ReadFile(keyFile)
	if errors.Is(err, os.ErrNotExist) || len(secret) < 32 {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret)
		err = renameio.WriteFile(keyFile, secret, 0o600)
	}
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(baseURL, "/") {
		baseURL += "/"
	}
	return &Objects{dir: dir, baseURL: baseURL, secret: secret, notify: notify, now: time.Now}, nil
}

// PresignPut implements awsx.Presigner with a URL to this store, signed like S3's over the bucket,
// key, content type, size and expiry.
func (o *Objects) PresignPut(_ context.Context, r awsx.PutRequest) (awsx.PresignedPut, error) {
	if err := checkLocation(r.Bucket, r.Key); err != nil || r.Size < 0 || r.Expires <= 0 {
		return awsx.PresignedPut{}, fmt.Errorf("presign put: invalid request (bucket %q, key %q, size %d, expires %s)", r.Bucket, r.Key, r.Size, r.Expires)
	}
	expires := o.now().Add(r.Expires).Truncate(time.Second)
	q := url.Values{}
	q.Set("X-Expires", strconv.FormatInt(expires.Unix(), 10))
	q.Set("X-Signature", o.sign(r.Bucket, r.Key, r.ContentType, r.Size, expires.Unix()))
	u := o.baseURL + url.PathEscape(r.Bucket) + "/" + escapeKey(r.Key, url.PathEscape) + "?" + q.Encode()
	h := http.Header{}
	h.Set("Content-Length", strconv.FormatInt(r.Size, 10))
	if r.ContentType != "" {
		h.Set("Content-Type", r.ContentType)
	}
	return awsx.PresignedPut{URL: u, Method: http.MethodPut, Headers: h, Expires: expires}, nil
}

func (o *Objects) sign(bucket, key, contentType string, size, expires int64) string {
	m := hmac.New(sha256.New, o.secret)
	fmt.Fprintf(m, "PUT\n%s\n%s\n%s\n%d\n%d", bucket, key, contentType, size, expires)
	return hex.EncodeToString(m.Sum(nil))
}

// Head implements awsx.ObjectInspector.
func (o *Objects) Head(_ context.Context, bucket, key string) (awsx.ObjectInfo, error) {
	if err := checkLocation(bucket, key); err != nil {
		return awsx.ObjectInfo{}, err
	}
	b, err := os.ReadFile(o.path(bucket, key) + ".meta.json")
	if errors.Is(err, os.ErrNotExist) {
		return awsx.ObjectInfo{}, fmt.Errorf("head %s/%s: %w", bucket, key, awsx.ErrObjectNotFound)
	}
	if err != nil {
		return awsx.ObjectInfo{}, err
	}
	var m objectMeta
	if err := json.Unmarshal(b, &m); err != nil {
		return awsx.ObjectInfo{}, fmt.Errorf("head %s/%s: %w", bucket, key, err)
	}
	return awsx.ObjectInfo{Size: m.Size, ContentType: m.ContentType, ETag: m.ETag}, nil
}

func (o *Objects) path(bucket, key string) string {
	return filepath.Join(o.dir, bucket, filepath.FromSlash(key))
}

// ServeHTTP takes presigned PUTs at /{bucket}/{key} (relative to the mount) and answers CORS
// preflights for them, as the uploads bucket's CORS rule does. Errors are S3's XML errors.
func (o *Objects) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Expose-Headers", "ETag")
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Methods", "PUT")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		w.Header().Set("Access-Control-Max-Age", "3000")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodPut {
		s3Error(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "only presigned PUTs are served")
		return
	}
	bucket, key, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !ok || checkLocation(bucket, key) != nil {
		s3Error(w, http.StatusBadRequest, "InvalidURI", "expected /{bucket}/{key}")
		return
	}
	expires, err := strconv.ParseInt(r.URL.Query().Get("X-Expires"), 10, 64)
	if err != nil {
		s3Error(w, http.StatusForbidden, "AccessDenied", "missing or malformed X-Expires")
		return
	}
	contentType := r.Header.Get("Content-Type")
	want := o.sign(bucket, key, contentType, r.ContentLength, expires)
	if !hmac.Equal([]byte(want), []byte(r.URL.Query().Get("X-Signature"))) {
		// As S3: a Content-Type or Content-Length other than the signed ones breaks the signature.
		s3Error(w, http.StatusForbidden, "SignatureDoesNotMatch", "the request signature does not match (URL, Content-Type and Content-Length must be the presigned ones)")
		return
	}
	if o.now().Unix() > expires {
		s3Error(w, http.StatusForbidden, "AccessDenied", "Request has expired")
		return
	}
	etag, err := o.store(bucket, key, contentType, r.ContentLength, r.Body)
	if err != nil {
		s3Error(w, http.StatusBadRequest, "IncompleteBody", err.Error())
		return
	}
	if err := o.notify(o.notification(bucket, key, r.ContentLength, etag)); err != nil {
		s3Error(w, http.StatusInternalServerError, "InternalError", "stored, but the notification failed: "+err.Error())
		return
	}
	w.Header().Set("ETag", `"`+etag+`"`)
	w.WriteHeader(http.StatusOK)
}

// store writes the body (exactly size bytes) and its metadata, replacing any earlier object.
func (o *Objects) store(bucket, key, contentType string, size int64, body io.Reader) (string, error) {
	p := o.path(bucket, key)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".upload-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	sum := md5.New()
	n, err := io.Copy(io.MultiWriter(tmp, sum), io.LimitReader(body, size+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	if n != size {
		return "", fmt.Errorf("the body has %d bytes, not the %d of Content-Length", n, size)
	}
	etag := hex.EncodeToString(sum.Sum(nil))
	meta, _ := json.Marshal(objectMeta{ContentType: contentType, Size: size, ETag: `"` + etag + `"`})
	if err := os.Rename(tmp.Name(), p); err != nil {
		return "", err
	}
	return etag, renameio.WriteFile(p+".meta.json", meta, 0o600)
}

// notification is S3's event notification of a created object (as delivered through SNS with
// raw message delivery).
func (o *Objects) notification(bucket, key string, size int64, etag string) string {
	seq := o.seq.Add(1)
	now := o.now().UTC()
	b, _ := json.Marshal(events.S3Event{Records: []events.S3EventRecord{{
		EventVersion: "2.1",
		EventSource:  "aws:s3",
		AWSRegion:    "local",
		EventTime:    now,
		EventName:    "ObjectCreated:Put",
		S3: events.S3Entity{
			SchemaVersion: "1.0",
			Bucket:        events.S3Bucket{Name: bucket, Arn: "arn:aws:s3:::" + bucket},
			Object: events.S3Object{
				Key:       escapeKey(key, url.QueryEscape),
				Size:      size,
				ETag:      etag,
				Sequencer: fmt.Sprintf("%016X%08X", now.UnixNano(), seq),
			},
		},
	}}})
	return string(b)
}

// checkLocation refuses bucket and key values that could leave the store's folder.
func checkLocation(bucket, key string) error {
	if bucket == "" || strings.ContainsAny(bucket, "/\\") || bucket == "." || bucket == ".." {
		return fmt.Errorf("invalid bucket %q", bucket)
	}
	if key == "" || strings.HasSuffix(key, ".meta.json") {
		return fmt.Errorf("invalid key %q", key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, ".upload-") || strings.ContainsRune(seg, 0) {
			return fmt.Errorf("invalid key %q", key)
		}
	}
	return nil
}

// escapeKey escapes each segment of an object key: with url.PathEscape for URLs, with
// url.QueryEscape (a space is "+") as S3 notifications do, which events.S3Object decodes into
// URLDecodedKey.
func escapeKey(key string, escape func(string) string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = escape(s)
	}
	return strings.Join(segs, "/")
}

func s3Error(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_ = xml.NewEncoder(w).Encode(struct {
		XMLName xml.Name `xml:"Error"`
		Code    string
		Message string
	}{Code: code, Message: message})
}
