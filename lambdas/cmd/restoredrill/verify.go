package main

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stratus-cdk/stratus/lambdas/internal/local/stackproc"
)

// attachment is an entry of GET /items/{id}/attachments.
type attachment struct {
	ID, FileName, Status string
	Size                 int64
}

// object is what the store holds at a bucket and key: its index entry and its bytes' MD5.
type object struct {
	etag, md5 string // hex, unquoted; md5 "" when the index names a file that is not there
	size      int64
}

// state is what the restored stack holds for the drill's user.
type state struct {
	items       map[string][]string     // title → ids: more than one is a duplicate
	attachments map[string][]attachment // item id → its attachments
	objects     map[string]object       // bucket + "/" + key → the object
	replays     map[string]string       // title → the item id a retried create answered
}

// readItems lists every item of the user through the API.
func readItems(ctx context.Context, a *api) (map[string][]string, error) {
	var items []struct{ ID, Title string }
	if err := stackproc.List(ctx, a.client, a.base+"items", a.token, "items", &items); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, it := range items {
		out[it.Title] = append(out[it.Title], it.ID)
	}
	return out, nil
}

// readAttachments lists the attachments of each item through the API.
func readAttachments(ctx context.Context, a *api, itemIDs []string) (map[string][]attachment, error) {
	out := map[string][]attachment{}
	for _, id := range itemIDs {
		var page struct{ Attachments []attachment }
		status, _, b, err := a.call(ctx, "GET", a.base+"items/"+id+"/attachments", nil, nil, true)
		if err == nil && status != 200 {
			err = fmt.Errorf("GET /items/%s/attachments: %d %s", id, status, b)
		}
		if err == nil {
			err = json.Unmarshal(b, &page)
		}
		if err != nil {
			return nil, err
		}
		out[id] = page.Attachments
	}
	return out, nil
}

// readObjects reads the bucket's index from the database (the API serves no downloads) and hashes
// the file each entry names under objectsDir.
func readObjects(ctx context.Context, dsn, objectsDir string) (map[string]object, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("the restored database: %w", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT bucket, key, file, etag, size FROM local.objects`)
	if err != nil {
		return nil, fmt.Errorf("the restored object index: %w", err)
	}
	out := map[string]object{}
	var bucket, key, file, etag string
	var size int64
	_, err = pgx.ForEachRow(rows, []any{&bucket, &key, &file, &etag, &size}, func() error {
		o := object{etag: strings.Trim(etag, `"`), size: size}
		if b, err := os.ReadFile(filepath.Join(objectsDir, bucket, file)); err == nil {
			sum := md5.Sum(b)
			o.md5 = hex.EncodeToString(sum[:])
		}
		out[bucket+"/"+key] = o
		return nil
	})
	return out, err
}

// waitChecked waits until the queue is empty and the worker has marked every upload ready: the
// state the backup must hold.
func waitChecked(ctx context.Context, a *api, u stackproc.URLs, w *written, within time.Duration) error {
	deadline := time.Now().Add(within)
	ids := uploadedItems(w)
	last := ""
	for {
		var q struct {
			DeadLetters []json.RawMessage `json:"deadLetters"`
			Pending     int               `json:"pending"`
		}
		err := stackproc.GetJSON(ctx, a.client, u.DeadLetters, "", &q)
		switch {
		case err != nil:
			last = err.Error()
		case len(q.DeadLetters) > 0:
			return fmt.Errorf("%d dead letters before the backup: the worker failed on them", len(q.DeadLetters))
		case q.Pending > 0:
			last = fmt.Sprintf("%d messages still queued", q.Pending)
		default:
			atts, err := readAttachments(ctx, a, ids)
			if err != nil {
				return err
			}
			pending := 0
			for _, as := range atts {
				for _, at := range as {
					if at.Status != "ready" {
						pending++
					}
				}
			}
			if pending == 0 {
				return nil
			}
			last = fmt.Sprintf("%d attachments not ready", pending)
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%w (%s): %s", errNotChecked, within, last)
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// uploadedItems are the ids of the items with an acknowledged upload, sorted.
func uploadedItems(w *written) []string {
	set := map[string]bool{}
	for _, up := range w.uploaded {
		set[up.itemID] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// count is one store's line of the verdict.
type count struct {
	written, acknowledged, restored, lost, duplicated int
}

// verdict compares what the API acknowledged before the backup with what the restored stack holds.
type verdict struct {
	items, uploads    count
	replays, replayed int // retried creates, and those answered with the acknowledged item
	examples          []string
}

func (v verdict) pass() bool {
	return v.items.acknowledged > 0 && v.items.lost+v.items.duplicated+v.uploads.lost+v.uploads.duplicated == 0 &&
		v.replayed == v.replays
}

// judge finds each acknowledged item and upload in the restored state: an item restored is there
// once with its id; an upload restored is its attachment, there once, ready, of its size, and an
// object at its key whose bytes are those the PUT acknowledged. Anything else is lost or duplicated.
func judge(w *written, st *state) verdict {
	v := verdict{items: count{written: w.items, acknowledged: len(w.acked)}, uploads: count{written: w.uploads, acknowledged: len(w.uploaded)}}
	note := func(format string, args ...any) {
		if len(v.examples) < 10 {
			v.examples = append(v.examples, fmt.Sprintf(format, args...))
		}
	}
	for _, t := range slices.Sorted(maps.Keys(w.acked)) {
		id, ids := w.acked[t], st.items[t]
		switch {
		case len(ids) == 0:
			v.items.lost++
			note("item %s (%s) was acknowledged and is not restored", t, id)
		case len(ids) > 1:
			v.items.duplicated += len(ids) - 1
			note("item %s is restored %d times: %v", t, len(ids), ids)
			if !slices.Contains(ids, id) {
				v.items.lost++
			} else {
				v.items.restored++
			}
		case ids[0] != id:
			v.items.lost++
			note("item %s was acknowledged as %s, but the restored item is %s", t, id, ids[0])
		default:
			v.items.restored++
		}
	}
	for t, ids := range st.items {
		if _, ok := w.acked[t]; !ok && strings.HasPrefix(t, "drill-") {
			v.items.duplicated += len(ids)
			note("item %s is restored but was never acknowledged", t)
		}
	}

	acked := map[string]bool{} // attachment ids
	for _, up := range w.uploaded {
		acked[up.attachmentID] = true
	}
	for _, up := range w.uploaded {
		var found []attachment
		for _, at := range st.attachments[up.itemID] {
			if at.ID == up.attachmentID {
				found = append(found, at)
			}
		}
		obj, stored := st.objects[up.bucket+"/"+up.key]
		switch {
		case len(found) == 0:
			v.uploads.lost++
			note("upload %s (attachment %s) was acknowledged and its attachment is not restored", up.title, up.attachmentID)
		case len(found) > 1:
			v.uploads.duplicated += len(found) - 1
			v.uploads.restored++
			note("upload %s: attachment %s is restored %d times", up.title, up.attachmentID, len(found))
		case found[0].Status != "ready" || found[0].Size != up.size:
			v.uploads.lost++
			note("upload %s: attachment %s is restored %s with %d bytes, not ready with %d", up.title, up.attachmentID, found[0].Status, found[0].Size, up.size)
		case !stored:
			v.uploads.lost++
			note("upload %s: no object at %s/%s", up.title, up.bucket, up.key)
		case obj.md5 == "":
			v.uploads.lost++
			note("upload %s: the index names an object at %s/%s, but its file is gone", up.title, up.bucket, up.key)
		case obj.md5 != up.etag || obj.etag != up.etag || obj.size != up.size:
			v.uploads.lost++
			note("upload %s: the object at %s is not the bytes acknowledged (MD5 %q, index ETag %q, %d bytes; acknowledged %s, %d bytes)",
				up.title, up.key, obj.md5, obj.etag, obj.size, up.etag, up.size)
		default:
			v.uploads.restored++
		}
	}
	for itemID, as := range st.attachments {
		for _, at := range as {
			if !acked[at.ID] {
				v.uploads.duplicated++
				note("item %s has an attachment %s that was never acknowledged", itemID, at.ID)
			}
		}
	}

	v.replays = len(st.replays)
	for t, id := range st.replays {
		if id == w.acked[t] {
			v.replayed++
			continue
		}
		v.items.duplicated++
		note("a retried create of %s after the restore answered item %s, not the acknowledged %s", t, id, w.acked[t])
	}
	sort.Strings(v.examples)
	return v
}
