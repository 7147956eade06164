package devstack

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/renameio/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
)

// Objects stands in for the uploads bucket: it presigns PUTs to itself (awsx.Presigner), takes
// the uploads with the checks S3 makes of a presigned request (signature, expiry, the signed
// Content-Type and Content-Length, the key's length), sends S3's ObjectCreated notification for
// each, and answers HEADs (awsx.ObjectInspector) the way the worker reads them.
//
// An object's key, type, size and ETag are a row of local.objects; its bytes are a file named by
// that row (<dir>/<bucket>/<uuid>), so any key S3 takes can be stored, whatever it looks like as
// a file name. The row and the notification commit in one transaction, after the bytes are on
// disk: a crash leaves either the old object and no notification, or the new one and its
// notification (files no row names are removed at the next start).
type Objects struct {
	db      *pgxpool.Pool
	dir     string
	baseURL string // where ServeHTTP is mounted, ending in "/"
	secret  []byte
	notify  Notifier
	// Notifies reports whether an upload of key to bucket sends an ObjectCreated notification,
	// as the stage's bucket notifications and their key filters decide; nil: every upload does.
	Notifies func(bucket, key string) bool
	now      func() time.Time
	seq      atomic.Uint64
}

// Notifier is where the bucket's event notifications go: the queue (*Queue).
type Notifier interface {
	// Send sends within db, a transaction: the notification goes out when it commits.
	Send(ctx context.Context, db Execer, body string, attributes map[string]string) error
	// Poke says that a notification was committed.
	Poke()
}

var (
	_ awsx.Presigner       = (*Objects)(nil)
	_ awsx.ObjectInspector = (*Objects)(nil)
	_ Notifier             = (*Queue)(nil)
)

func (o *Objects) notifies(bucket, key string) bool {
	return o.Notifies == nil || o.Notifies(bucket, key)
}

// maxKeyBytes is S3's limit on an object key (UTF-8).
const maxKeyBytes = 1024

// NewObjects keeps objects in db (the local schema applied) and dir, and signs URLs under baseURL
// (the URL ServeHTTP is mounted at). notify receives each S3 event notification (JSON), as the
// bucket's notification to the event topic would. The signing key is kept in dir, so URLs stay
// valid across restarts. Files that no object names (an upload cut short by a crash) are removed.
func NewObjects(ctx context.Context, db *pgxpool.Pool, dir, baseURL string, notify Notifier) (*Objects, error) {
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
	o := &Objects{db: db, dir: dir, baseURL: baseURL, secret: secret, notify: notify, now: time.Now}
	if err := o.removeStrayFiles(ctx); err != nil {
		return nil, err
	}
	return o, nil
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
func (o *Objects) Head(ctx context.Context, bucket, key string) (awsx.ObjectInfo, error) {
	var info awsx.ObjectInfo
	err := o.db.QueryRow(ctx, `SELECT content_type, size, etag FROM local.objects WHERE bucket = $1 AND key = $2`,
		bucket, key).Scan(&info.ContentType, &info.Size, &info.ETag)
	if errors.Is(err, pgx.ErrNoRows) {
		return awsx.ObjectInfo{}, fmt.Errorf("head %s/%s: %w", bucket, key, awsx.ErrObjectNotFound)
	}
	if err != nil {
		return awsx.ObjectInfo{}, fmt.Errorf("head %s/%s: %w", bucket, key, err)
	}
	return info, nil
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
	if len(key) > maxKeyBytes {
		s3Error(w, http.StatusBadRequest, "KeyTooLongError", "Your key is too long")
		return
	}
	etag, err := o.store(r.Context(), bucket, key, contentType, r.ContentLength, r.Body)
	var short *shortBodyError
	switch {
	case errors.As(err, &short):
		s3Error(w, http.StatusBadRequest, "IncompleteBody", err.Error())
		return
	case err != nil:
		w.Header().Set("Retry-After", "1")
		s3Error(w, http.StatusServiceUnavailable, "ServiceUnavailable", "the object was not stored: "+err.Error())
		return
	}
	w.Header().Set("ETag", `"`+etag+`"`)
	w.WriteHeader(http.StatusOK)
}
