package devstack

import (
	"context"
	"crypto/md5"
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
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// shortBodyError is a body shorter or longer than its Content-Length: the client's mistake.
type shortBodyError struct{ got, want int64 }

func (e *shortBodyError) Error() string {
	return fmt.Sprintf("the body has %d bytes, not the %d of Content-Length", e.got, e.want)
}

// store writes the body (exactly size bytes) to a new file, then, in one transaction, points the
// key at it and sends the ObjectCreated notification; the file it replaces is removed after the
// commit. It returns the ETag (hex MD5).
func (o *Objects) store(ctx context.Context, bucket, key, contentType string, size int64, body io.Reader) (string, error) {
	folder := filepath.Join(o.dir, bucket)
	if err := os.MkdirAll(folder, 0o700); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(folder, ".upload-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	sum := md5.New()
	n, err := io.Copy(io.MultiWriter(tmp, sum), io.LimitReader(body, size+1))
	if err == nil {
		err = tmp.Sync() // the bytes are on disk before any row names them
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	if n != size {
		return "", &shortBodyError{got: n, want: size}
	}
	etag := hex.EncodeToString(sum.Sum(nil))
	file := uuid.NewString()
	if err := os.Rename(tmp.Name(), filepath.Join(folder, file)); err != nil {
		return "", err
	}
	var replaced *string
	notifies := o.notifies(bucket, key)
	err = pgx.BeginFunc(ctx, o.db, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT file FROM local.objects WHERE bucket = $1 AND key = $2 FOR UPDATE`,
			bucket, key).Scan(&replaced); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO local.objects (bucket, key, file, content_type, size, etag) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (bucket, key) DO UPDATE SET file = excluded.file, content_type = excluded.content_type,
				size = excluded.size, etag = excluded.etag, created_at = clock_timestamp()`,
			bucket, key, file, contentType, size, `"`+etag+`"`); err != nil {
			return err
		}
		if !notifies {
			return nil
		}
		return o.notify.Send(ctx, tx, o.notification(bucket, key, size, etag), nil)
	})
	if err != nil {
		_ = os.Remove(filepath.Join(folder, file))
		return "", err
	}
	if notifies {
		o.notify.Poke()
	}
	if replaced != nil {
		_ = os.Remove(filepath.Join(folder, *replaced))
	}
	return etag, nil
}

// removeStrayFiles removes the files under dir's bucket folders that no object names: uploads a
// crash cut short between the file and the commit, and their temporary files.
func (o *Objects) removeStrayFiles(ctx context.Context) error {
	buckets, err := os.ReadDir(o.dir)
	if err != nil {
		return err
	}
	for _, b := range buckets {
		if !b.IsDir() {
			continue
		}
		rows, err := o.db.Query(ctx, `SELECT file FROM local.objects WHERE bucket = $1`, b.Name())
		if err != nil {
			return err
		}
		files, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		named := make(map[string]bool, len(files))
		for _, f := range files {
			named[f] = true
		}
		entries, err := os.ReadDir(filepath.Join(o.dir, b.Name()))
		if err != nil {
			return err
		}
		for _, e := range entries {
			if !named[e.Name()] {
				_ = os.RemoveAll(filepath.Join(o.dir, b.Name(), e.Name()))
			}
		}
	}
	return nil
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

// checkLocation refuses a bucket name that is not one folder name, and a key S3 would not take
// (empty, or not UTF-8) or that PostgreSQL's text cannot hold (NUL). The key is never a path:
// any other key is stored. Its length is checked on upload, where S3 checks it.
func checkLocation(bucket, key string) error {
	if bucket == "" || strings.ContainsAny(bucket, "/\\\x00") || bucket == "." || bucket == ".." || !utf8.ValidString(bucket) {
		return fmt.Errorf("invalid bucket %q", bucket)
	}
	if key == "" || !utf8.ValidString(key) || strings.ContainsRune(key, 0) {
		return fmt.Errorf("invalid key %q", key)
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
