package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
)

type objectsFixture struct {
	o     *Objects
	srv   *httptest.Server
	notes []string
}

func newObjects(t *testing.T) *objectsFixture {
	t.Helper()
	f := &objectsFixture{}
	mux := http.NewServeMux()
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	o, err := NewObjects(t.TempDir(), f.srv.URL+"/_local/s3/", func(body string) error { f.notes = append(f.notes, body); return nil })
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/_local/s3/", http.StripPrefix("/_local/s3", o))
	f.o = o
	return f
}

func (f *objectsFixture) presign(t *testing.T, key, contentType string, size int64) awsx.PresignedPut {
	t.Helper()
	p, err := f.o.PresignPut(context.Background(), awsx.PutRequest{Bucket: "b", Key: key, ContentType: contentType, Size: size, Expires: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func put(t *testing.T, url, contentType, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, url, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// A presigned PUT stores the object, HEAD reads it back, and the bucket notification carries the
// key as S3 encodes it (the worker reads URLDecodedKey).
func TestPresignedUploadIsStoredAndNotified(t *testing.T) {
	f := newObjects(t)
	key := "attachments/u1/i1/a1/my report+final.txt"
	p := f.presign(t, key, "text/plain", 5)
	if p.Method != http.MethodPut || p.Headers.Get("Content-Type") != "text/plain" || p.Headers.Get("Content-Length") != "5" {
		t.Fatalf("presigned = %+v", p)
	}
	if status, body := put(t, p.URL, "text/plain", "hello"); status != http.StatusOK {
		t.Fatalf("PUT = %d %s", status, body)
	}
	info, err := f.o.Head(context.Background(), "b", key)
	if err != nil || info.Size != 5 || info.ContentType != "text/plain" || info.ETag == "" {
		t.Fatalf("Head = %+v, %v", info, err)
	}
	if len(f.notes) != 1 {
		t.Fatalf("notifications = %v", f.notes)
	}
	var ev events.S3Event
	if err := json.Unmarshal([]byte(f.notes[0]), &ev); err != nil {
		t.Fatal(err)
	}
	r := ev.Records[0]
	if r.EventSource != "aws:s3" || r.EventName != "ObjectCreated:Put" || r.S3.Bucket.Name != "b" ||
		r.S3.Object.URLDecodedKey != key || r.S3.Object.Size != 5 || r.S3.Object.Sequencer == "" {
		t.Fatalf("notification record = %+v", r)
	}
}

// The checks S3 makes of a presigned PUT.
func TestPresignedUploadRefusals(t *testing.T) {
	f := newObjects(t)
	p := f.presign(t, "attachments/k.txt", "text/plain", 5)
	for name, tc := range map[string]struct {
		url, contentType, body string
		status                 int
		code                   string
	}{
		"other content type": {p.URL, "image/png", "hello", 403, "SignatureDoesNotMatch"},
		"other size":         {p.URL, "text/plain", "hello world", 403, "SignatureDoesNotMatch"},
		"other key":          {strings.Replace(p.URL, "k.txt", "x.txt", 1), "text/plain", "hello", 403, "SignatureDoesNotMatch"},
		"no signature":       {strings.Split(p.URL, "?")[0], "text/plain", "hello", 403, "AccessDenied"},
	} {
		t.Run(name, func(t *testing.T) {
			status, body := put(t, tc.url, tc.contentType, tc.body)
			if status != tc.status || !strings.Contains(body, "<Code>"+tc.code+"</Code>") {
				t.Fatalf("PUT = %d %s, want %d %s", status, body, tc.status, tc.code)
			}
		})
	}
	// ServeMux cleans ".." out of paths; the store refuses them itself too.
	rec := httptest.NewRecorder()
	f.o.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/b/../../etc/passwd", strings.NewReader("hello")))
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "InvalidURI") {
		t.Fatalf("PUT outside the folder = %d %s", rec.Code, rec.Body)
	}
	if _, err := f.o.Head(context.Background(), "b", "attachments/k.txt"); !errors.Is(err, awsx.ErrObjectNotFound) {
		t.Fatalf("Head after refused uploads = %v, want ErrObjectNotFound", err)
	}
	if len(f.notes) != 0 {
		t.Fatalf("refused uploads notified: %v", f.notes)
	}

	f.o.now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	if status, body := put(t, p.URL, "text/plain", "hello"); status != 403 || !strings.Contains(body, "expired") {
		t.Fatalf("expired PUT = %d %s", status, body)
	}
}

// URLs signed before a restart still work after it (the signing key is kept in the folder).
func TestSigningKeySurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	a, err := NewObjects(dir, "http://x/", func(string) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewObjects(dir, "http://x/", func(string) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if a.sign("b", "k", "t", 1, 2) != b.sign("b", "k", "t", 1, 2) {
		t.Fatal("a second store over the same folder signs differently")
	}
}
