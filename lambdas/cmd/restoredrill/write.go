package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// perRequest bounds one request and its retries (429 from the stage's throttle, 503, no answer).
const perRequest = 30 * time.Second

// upload is an attachment the API declared and the bucket acknowledged (200 to the presigned PUT).
type upload struct {
	title, itemID, attachmentID string
	bucket, key                 string // where the presigned PUT stored it
	size                        int64
	etag                        string // the PUT's ETag, hex MD5 of the bytes, unquoted
}

// written is what the API acknowledged: the items by title (= Idempotency-Key) and the uploads.
type written struct {
	items, uploads int // attempted
	acked          map[string]string
	uploaded       []upload
	failed         []string // writes never acknowledged, with why
}

// title is item i's title and Idempotency-Key: the same every run.
func title(i int) string { return fmt.Sprintf("drill-%05d", i) }

// hasUpload spreads n uploads evenly over the items 1..items.
func hasUpload(i, items, n int) bool { return n > 0 && (i*n)%items < n }

// content is item i's attachment: 1 to 64 KiB of bytes seeded by i, the same every run.
func content(i int) []byte {
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], uint64(i))
	r := rand.New(rand.NewChaCha8(seed))
	b := make([]byte, 1024+r.IntN(63*1024))
	for j := range b {
		b[j] = byte(r.Uint32())
	}
	return b
}

// api calls the server's API as the drill's user, retrying what a client may retry.
type api struct {
	client *http.Client
	base   string // the API's URL, ending in "/"
	token  string
}

// call sends the request (retried while throttled, unavailable or unanswered, when retry says it
// may be) and returns the status, headers and body of the final answer.
func (a *api) call(ctx context.Context, method, u string, body []byte, header http.Header, retry bool) (int, http.Header, []byte, error) {
	deadline := time.Now().Add(perRequest)
	backoff := 50 * time.Millisecond
	for {
		status, h, b, err := a.once(ctx, method, u, body, header)
		again := status == http.StatusTooManyRequests || (retry && (err != nil || status == http.StatusServiceUnavailable))
		if !again || time.Now().After(deadline) || ctx.Err() != nil {
			if err == nil && again {
				err = fmt.Errorf("%s %s: still %d after %s of retries", method, u, status, perRequest)
			}
			return status, h, b, err
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff/2 + rand.N(backoff/2)):
		}
		backoff = min(2*backoff, time.Second)
	}
}

func (a *api) once(ctx context.Context, method, u string, body []byte, header http.Header) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if strings.HasPrefix(u, a.base) {
		req.Header.Set("Authorization", a.token)
	}
	req.ContentLength = int64(len(body))
	res, err := a.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, nil, err // an answer cut off is no acknowledgement
	}
	return res.StatusCode, res.Header, b, nil
}

// createItem creates the item titled key with key as its Idempotency-Key: the id, and whether the
// API answered it as a replay of an earlier create.
func (a *api) createItem(ctx context.Context, key string) (id string, replayed bool, err error) {
	body, _ := json.Marshal(map[string]string{"title": key, "notes": "written by the restore drill"})
	h := http.Header{"Content-Type": {"application/json"}, "Idempotency-Key": {key}}
	status, rh, b, err := a.call(ctx, http.MethodPost, a.base+"items", body, h, true)
	if err != nil {
		return "", false, err
	}
	var out struct{ ID string }
	_ = json.Unmarshal(b, &out)
	if status != http.StatusCreated || out.ID == "" {
		return "", false, fmt.Errorf("POST /items %s: %d %s", key, status, b)
	}
	return out.ID, rh.Get("Idempotent-Replayed") == "true", nil
}

// attach declares item i's attachment and uploads its bytes with the presigned PUT the API answers.
func (a *api) attach(ctx context.Context, itemID string, i int) (upload, error) {
	data := content(i)
	body, _ := json.Marshal(map[string]any{"fileName": title(i) + ".txt", "contentType": "text/plain", "size": len(data)})
	// Not idempotent: retried only when throttled, which API Gateway answers before the function runs.
	status, _, b, err := a.call(ctx, http.MethodPost, a.base+"items/"+itemID+"/attachments", body, http.Header{"Content-Type": {"application/json"}}, false)
	if err != nil {
		return upload{}, err
	}
	var out struct {
		Attachment struct{ ID string }
		Upload     struct {
			URL, Method string
			Headers     map[string]string
		}
	}
	if err := json.Unmarshal(b, &out); err != nil || status != http.StatusCreated || out.Attachment.ID == "" || out.Upload.URL == "" {
		return upload{}, fmt.Errorf("POST /items/%s/attachments: %d %s", itemID, status, b)
	}
	bucket, key, err := objectLocation(out.Upload.URL)
	if err != nil {
		return upload{}, err
	}
	h := http.Header{}
	for k, v := range out.Upload.Headers {
		h.Set(k, v)
	}
	// A PUT of the same bytes to the same key is idempotent: retried like a create.
	status, rh, b, err := a.call(ctx, out.Upload.Method, out.Upload.URL, data, h, true)
	if err != nil {
		return upload{}, err
	}
	sum := md5.Sum(data)
	etag := strings.Trim(rh.Get("ETag"), `"`)
	if status != http.StatusOK || etag != hex.EncodeToString(sum[:]) {
		return upload{}, fmt.Errorf("PUT %s: %d, ETag %q for bytes whose MD5 is %x: %s", key, status, etag, sum, b)
	}
	return upload{title: title(i), itemID: itemID, attachmentID: out.Attachment.ID, bucket: bucket, key: key, size: int64(len(data)), etag: etag}, nil
}

// objectLocation is the bucket and key of a presigned URL of the local bucket (…/_local/s3/{bucket}/{key}).
func objectLocation(raw string) (string, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", err
	}
	_, rest, ok := strings.Cut(u.Path, "/_local/s3/")
	bucket, key, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || bucket == "" || key == "" {
		return "", "", fmt.Errorf("presigned URL %s is not the local bucket's /_local/s3/{bucket}/{key}", raw)
	}
	return bucket, key, nil
}

// writeAll creates items 1..n by concurrent clients, and uploads an attachment to the ones
// hasUpload picks.
func writeAll(ctx context.Context, a *api, n, uploads, clients int) *written {
	w := &written{items: n, uploads: uploads, acked: map[string]string{}}
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	fail := func(format string, args ...any) {
		mu.Lock()
		w.failed = append(w.failed, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > n || ctx.Err() != nil {
					return
				}
				id, _, err := a.createItem(ctx, title(i))
				if err != nil {
					fail("item %s: %v", title(i), err)
					continue
				}
				mu.Lock()
				w.acked[title(i)] = id
				mu.Unlock()
				if !hasUpload(i, n, uploads) {
					continue
				}
				up, err := a.attach(ctx, id, i)
				if err != nil {
					fail("upload of %s: %v", title(i), err)
					continue
				}
				mu.Lock()
				w.uploaded = append(w.uploaded, up)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	sort.Slice(w.uploaded, func(i, j int) bool { return w.uploaded[i].title < w.uploaded[j].title })
	sort.Strings(w.failed)
	return w
}

// errNotChecked: the worker has not marked every upload ready in time.
var errNotChecked = errors.New("the worker did not check every upload in time")
