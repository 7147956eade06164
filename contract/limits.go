package contract

// Field limits: the request schemas (Routes), the domain's validation and the
// database's CHECK constraints (lambdas/internal/app/schema/sql) hold to them.
const (
	// MaxTitle and MaxNotes are an item's title and notes, in characters.
	MaxTitle = 200
	MaxNotes = 10000
	// MaxFileName and MaxContentType bound an attachment's declared name and
	// media type, in characters.
	MaxFileName    = 255
	MaxContentType = 255
	// MaxFileNameBytes bounds the name's UTF-8 length too: it ends the
	// attachment's S3 key, which may not exceed 1,024 bytes. With the key's
	// prefix (AttachmentsPrefix, an owner of up to 128 bytes, two UUIDs and
	// the slashes: at most 215 bytes) 765 bytes (255 three-byte characters)
	// keep every key within S3's limit.
	MaxFileNameBytes = 765
	// MaxUploadBytes is the largest attachment a request may declare: S3's
	// limit for a single PUT (5 GiB). The configured limit is lower.
	MaxUploadBytes = 5 << 30
)

// Attachment limits that apply when the stage's settings (the SSM parameter
// named by EnvAppConfigParam) say nothing else. The stack writes them as the
// parameter's initial value.
const DefaultMaxAttachmentBytes = 10 << 20

// DefaultAllowedContentTypes are the media types an attachment may have by
// default.
func DefaultAllowedContentTypes() []string {
	return []string{"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"}
}

// AttachmentsPrefix is where the API presigns uploads in the uploads bucket
// ("attachments/{owner}/{item}/{attachment}/{fileName}"); the bucket announces
// only objects under it, and the functions' grants cover only it.
const AttachmentsPrefix = "attachments/"
