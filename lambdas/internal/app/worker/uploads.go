package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
)

// key is an attachment's S3 key: attachments/{owner}/{itemId}/{attachmentId}/{fileName}.
type key struct {
	Owner, ItemID, AttachmentID, FileName string
}

func parseKey(s string) (key, error) {
	parts := strings.SplitN(s, "/", 5)
	if len(parts) != 5 || parts[0] != "attachments" || parts[1] == "" || parts[4] == "" {
		return key{}, fmt.Errorf("key %q is not attachments/{owner}/{itemId}/{attachmentId}/{fileName}", s)
	}
	for _, id := range parts[2:4] {
		if _, err := uuid.Parse(id); err != nil {
			return key{}, fmt.Errorf("key %q: %q is not a UUID", s, id)
		}
	}
	return key{Owner: parts[1], ItemID: parts[2], AttachmentID: parts[3], FileName: parts[4]}, nil
}

// handleS3 checks each object an S3 notification announces. The message fails if any record
// fails; records already done are duplicates on redelivery.
func (c *Consumer) handleS3(ctx context.Context, body []byte) (Result, error) {
	var n events.S3Event
	if err := json.Unmarshal(body, &n); err != nil {
		return Result{}, malformed("S3 notification: %v", err)
	}
	if len(n.Records) == 0 {
		return Result{}, drop("S3 notification without records")
	}
	outcome := Dropped
	var errs []error
	var details []string
	for i, r := range n.Records {
		out, detail, err := c.checkUpload(ctx, r)
		var d *dropError
		switch {
		case errors.As(err, &d):
			details = append(details, fmt.Sprintf("record %d dropped: %s", i, d.reason))
		case err != nil:
			errs = append(errs, fmt.Errorf("record %d: %w", i, err))
		default:
			details = append(details, fmt.Sprintf("record %d %s: %s", i, out, detail))
			if out == Processed || outcome == Dropped {
				outcome = out
			}
		}
	}
	if len(errs) > 0 {
		return Result{}, errors.Join(errs...)
	}
	if outcome == Dropped {
		return Result{}, drop("%s", strings.Join(details, "; "))
	}
	return Result{Outcome: outcome, Detail: strings.Join(details, "; ")}, nil
}

// s3Namespace names the ids of S3 records (uuid v5 of "s3://bucket/key#sequencer").
var s3Namespace = uuid.MustParse("5a1c3c0e-8f0e-4c55-9d59-3b0f5d3f2a11")

func (c *Consumer) checkUpload(ctx context.Context, r events.S3EventRecord) (Outcome, string, error) {
	if r.EventSource != "aws:s3" || !strings.HasPrefix(r.EventName, "ObjectCreated:") {
		return "", "", drop("not an S3 object-created record (%s %s)", r.EventSource, r.EventName)
	}
	bucket, objKey := r.S3.Bucket.Name, r.S3.Object.URLDecodedKey
	if c.opts.UploadsBucket != "" && bucket != c.opts.UploadsBucket {
		return "", "", drop("bucket %q is not the uploads bucket", bucket)
	}
	k, err := parseKey(objKey)
	if err != nil {
		return "", "", drop("%v", err)
	}
	id := uuid.NewSHA1(s3Namespace, []byte("s3://"+bucket+"/"+objKey+"#"+r.S3.Object.Sequencer+r.S3.Object.ETag)).String()
	occurred := r.EventTime
	if occurred.IsZero() {
		occurred = time.Now()
	}
	// Read first (the declaration, and whether this notification was handled), HEAD the object with
	// no database transaction open, then apply the verdict in one statement that also claims the id.
	var declaredType, s3Key string
	var declaredSize int64
	var done bool
	err = c.db.QueryRow(ctx, `SELECT content_type, size, s3_key,
			EXISTS (SELECT 1 FROM processed_events WHERE consumer = $4::text AND event_id = $5::uuid)
		FROM attachments WHERE id = $1::uuid AND item_id = $2::uuid AND owner = $3::text`,
		k.AttachmentID, k.ItemID, k.Owner, ConsumerName, id).Scan(&declaredType, &declaredSize, &s3Key, &done)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "", "", drop("attachment %s of key %q does not exist (deleted with its item?)", k.AttachmentID, objKey)
	case err != nil:
		return "", "", fmt.Errorf("read attachment %s: %w", k.AttachmentID, err)
	case done:
		return Duplicate, "attachment " + k.AttachmentID + " already checked", nil
	case s3Key != objKey:
		return "", "", drop("attachment %s has key %q, not %q", k.AttachmentID, s3Key, objKey)
	}
	info, err := c.objects.Head(ctx, bucket, objKey)
	if errors.Is(err, awsx.ErrObjectNotFound) {
		return "", "", drop("object %q no longer exists", objKey)
	}
	if err != nil {
		return "", "", err
	}
	status, typ, summary := "ready", AttachmentReady, fmt.Sprintf("Attachment %q is ready", k.FileName)
	if why := mismatch(declaredSize, declaredType, info); why != "" {
		status, typ, summary = "rejected", AttachmentRejected, fmt.Sprintf("Attachment %q was rejected: %s", k.FileName, why)
	}
	var claimed, updated int
	err = c.db.QueryRow(ctx, `WITH claimed AS (
			INSERT INTO processed_events (consumer, event_id) VALUES ($1::text, $2::uuid) ON CONFLICT DO NOTHING RETURNING event_id),
		updated AS (
			UPDATE attachments SET status = $4::text, updated_at = now()
			WHERE id = $3::uuid AND EXISTS (SELECT 1 FROM claimed) RETURNING item_id, owner),
		added AS (
			INSERT INTO activity (owner, event_id, type, item_id, summary, occurred_at)
			SELECT owner, $2::uuid, $5::text, item_id, $6::text, $7::timestamptz FROM updated
			ON CONFLICT (event_id) DO NOTHING RETURNING 1)
		SELECT (SELECT count(*) FROM claimed), (SELECT count(*) FROM updated)`,
		ConsumerName, id, k.AttachmentID, status, typ, summary, occurred).Scan(&claimed, &updated)
	switch {
	case err != nil:
		return "", "", fmt.Errorf("mark attachment %s %s: %w", k.AttachmentID, status, err)
	case claimed == 0:
		return Duplicate, "attachment " + k.AttachmentID + " already checked", nil
	case updated == 0:
		return "", "", drop("attachment %s was deleted during its check", k.AttachmentID)
	}
	return Processed, fmt.Sprintf("attachment %s %s (%d B %q; declared %d B %q)", k.AttachmentID, status,
		info.Size, info.ContentType, declaredSize, declaredType), nil
}
