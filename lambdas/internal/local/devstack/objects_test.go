package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
)

type objectsFixture struct {
	o   *Objects
	db  *pgxpool.Pool
	dir string
	srv *httptest.Server
}

func newObjects(t *testing.T) *objectsFixture {
	t.Helper()
	f := &objectsFixture{db: localDB(t), dir: t.TempDir()}
	mux := http.NewServeMux()
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	o, err := NewObjects(context.Background(), f.db, f.dir, f.srv.URL+"/_local/s3/", NewQueue(f.db, nil, QueueOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/_local/s3/", http.StripPrefix("/_local/s3", o))
	f.o = o
	return f
}

// notes are the committed notifications: the queue's messages.
func (f *objectsFixture) notes(t *testing.T) []string {
	t.Helper()
	rows, _ := f.db.Query(context.Background(), `SELECT body FROM local.queue ORDER BY sent_at, id`)
	bodies, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return bodies
}

// files lists the bucket folder's files.
func (f *objectsFixture) files(t *testing.T, bucket string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(f.dir, bucket))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
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
	if err != nil || info.Size != 5 || info.ContentType != "text/plain" || info.ETag != `"5d41402abc4b2a76b9719d911017c592"` {
		t.Fatalf("Head = %+v, %v", info, err)
	}
	notes := f.notes(t)
	if len(notes) != 1 {
		t.Fatalf("notifications = %v", notes)
	}
	var ev events.S3Event
	if err := json.Unmarshal([]byte(notes[0]), &ev); err != nil {
		t.Fatal(err)
	}
	r := ev.Records[0]
	if r.EventSource != "aws:s3" || r.EventName != "ObjectCreated:Put" || r.S3.Bucket.Name != "b" ||
		r.S3.Object.URLDecodedKey != key || r.S3.Object.Size != 5 || r.S3.Object.Sequencer == "" {
		t.Fatalf("notification record = %+v", r)
	}

	// A second upload of the key replaces the object: one file left, the new bytes described.
	p = f.presign(t, key, "text/plain", 11)
	if status, body := put(t, p.URL, "text/plain", "hello again"); status != http.StatusOK {
		t.Fatalf("second PUT = %d %s", status, body)
	}
	if info, _ := f.o.Head(context.Background(), "b", key); info.Size != 11 || len(f.files(t, "b")) != 1 || len(f.notes(t)) != 2 {
		t.Fatalf("after replacing: %+v, files %v, %d notifications", info, f.files(t, "b"), len(f.notes(t)))
	}
}

// Every file name the API accepts makes a key the bucket stores: the key is a row, never a path,
// so names that were once the store's own files (.upload-*, *.meta.json, .signing-key), names that
// are awkward in a URL or on a file system, and keys that nest inside each other all work.
func TestAnyKeyTheAPIAcceptsIsStored(t *testing.T) {
	f := newObjects(t)
	owner, item := uuid.NewString(), uuid.New()
	names := []string{".upload-x", "x.meta.json", ".signing-key", "..." + ".", "a b+c%20d?e#f&g=h.txt",
		"résumé 😀.pdf", strings.Repeat("ü", 255), "CON", " leading and trailing "} // 255: the longest name the API takes
	var keys []string
	for _, name := range names {
		a := items.NewAttachment{FileName: name, ContentType: "text/plain", Size: 1}
		if err := a.Validate(items.DefaultLimits()); err != nil {
			t.Fatalf("the API refuses %q: %v", name, err)
		}
		keys = append(keys, items.AttachmentKey(owner, item, uuid.New(), name))
	}
	keys = append(keys, "nested/x", "nested/x/y") // a key and a "folder" of the same name
	for i, key := range keys {
		body := strings.Repeat("z", i+1)
		p := f.presign(t, key, "text/plain", int64(len(body)))
		if status, out := put(t, p.URL, "text/plain", body); status != http.StatusOK {
			t.Fatalf("PUT %q = %d %s", key, status, out)
		}
	}
	for i, key := range keys {
		if info, err := f.o.Head(context.Background(), "b", key); err != nil || info.Size != int64(i+1) {
			t.Errorf("Head %q = %+v, %v", key, info, err)
		}
	}
	if got := len(f.files(t, "b")); got != len(keys) {
		t.Errorf("%d files for %d objects", got, len(keys))
	}
}

// The checks S3 makes of a presigned PUT.
func TestPresignedUploadRefusals(t *testing.T) {
	f := newObjects(t)
	p := f.presign(t, "attachments/k.txt", "text/plain", 5)
	long := f.presign(t, "attachments/"+strings.Repeat("é", 507), "text/plain", 5) // 1026 bytes
	for name, tc := range map[string]struct {
		url, contentType, body string
		status                 int
		code                   string
	}{
		"other content type":  {p.URL, "image/png", "hello", 403, "SignatureDoesNotMatch"},
		"other size":          {p.URL, "text/plain", "hello world", 403, "SignatureDoesNotMatch"},
		"other key":           {strings.Replace(p.URL, "k.txt", "x.txt", 1), "text/plain", "hello", 403, "SignatureDoesNotMatch"},
		"no signature":        {strings.Split(p.URL, "?")[0], "text/plain", "hello", 403, "AccessDenied"},
		"key over 1024 bytes": {long.URL, "text/plain", "hello", 400, "KeyTooLongError"},
	} {
		t.Run(name, func(t *testing.T) {
			status, body := put(t, tc.url, tc.contentType, tc.body)
			if status != tc.status || !strings.Contains(body, "<Code>"+tc.code+"</Code>") {
				t.Fatalf("PUT = %d %s, want %d %s", status, body, tc.status, tc.code)
			}
		})
	}
	rec := httptest.NewRecorder()
	f.o.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/b", strings.NewReader("hello")))
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "InvalidURI") {
		t.Fatalf("PUT without a key = %d %s", rec.Code, rec.Body)
	}
	if _, err := f.o.Head(context.Background(), "b", "attachments/k.txt"); !errors.Is(err, awsx.ErrObjectNotFound) {
		t.Fatalf("Head after refused uploads = %v, want ErrObjectNotFound", err)
	}
	if notes := f.notes(t); len(notes) != 0 || len(f.files(t, "b")) != 0 {
		t.Fatalf("refused uploads notified %v or left files %v", notes, f.files(t, "b"))
	}

	f.o.now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	if status, body := put(t, p.URL, "text/plain", "hello"); status != 403 || !strings.Contains(body, "expired") {
		t.Fatalf("expired PUT = %d %s", status, body)
	}
}

// An upload the index cannot take (the database refuses) is a 503 that leaves nothing behind: no
// object, no notification, no file.
func TestUploadNotIndexedLeavesNothing(t *testing.T) {
	f := newObjects(t)
	p := f.presign(t, "attachments/k.txt", "text/plain", 5)
	if _, err := f.db.Exec(context.Background(), `ALTER TABLE local.objects RENAME TO objects_away`); err != nil {
		t.Fatal(err)
	}
	if status, body := put(t, p.URL, "text/plain", "hello"); status != 503 || !strings.Contains(body, "ServiceUnavailable") {
		t.Fatalf("PUT = %d %s", status, body)
	}
	if _, err := f.db.Exec(context.Background(), `ALTER TABLE local.objects_away RENAME TO objects`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.o.Head(context.Background(), "b", "attachments/k.txt"); !errors.Is(err, awsx.ErrObjectNotFound) || len(f.notes(t)) != 0 || len(f.files(t, "b")) != 0 {
		t.Fatalf("after a refused index: head %v, notes %v, files %v", err, f.notes(t), f.files(t, "b"))
	}
}

// URLs signed before a restart still work after it (the signing key is kept in the folder), and
// files no object names (an upload a crash cut short) are removed at the start.
func TestRestartKeepsTheKeyAndDropsStrayFiles(t *testing.T) {
	f := newObjects(t)
	p := f.presign(t, "attachments/k.txt", "text/plain", 5)
	if status, body := put(t, p.URL, "text/plain", "hello"); status != http.StatusOK {
		t.Fatalf("PUT = %d %s", status, body)
	}
	for _, stray := range []string{".upload-123", uuid.NewString()} {
		if err := os.WriteFile(filepath.Join(f.dir, "b", stray), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b, err := NewObjects(context.Background(), f.db, f.dir, "http://x/", NewQueue(f.db, nil, QueueOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if f.o.sign("b", "k", "t", 1, 2) != b.sign("b", "k", "t", 1, 2) {
		t.Fatal("a second store over the same folder signs differently")
	}
	if files := f.files(t, "b"); len(files) != 1 {
		t.Fatalf("files after restart: %v, want only the object's", files)
	}
	if info, err := b.Head(context.Background(), "b", "attachments/k.txt"); err != nil || info.Size != 5 {
		t.Fatalf("Head after restart = %+v, %v", info, err)
	}
}
