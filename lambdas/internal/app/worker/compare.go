package worker

import (
	"fmt"
	"mime"
	"strings"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
)

// mismatch says how an uploaded object differs from its declaration, or "" when it matches.
// Content types compare by media type, case-insensitively, ignoring parameters such as charset.
func mismatch(declaredSize int64, declaredType string, got awsx.ObjectInfo) string {
	var why []string
	if got.Size != declaredSize {
		why = append(why, fmt.Sprintf("size %d B, declared %d B", got.Size, declaredSize))
	}
	if mediaType(got.ContentType) != mediaType(declaredType) {
		why = append(why, fmt.Sprintf("content type %q, declared %q", got.ContentType, declaredType))
	}
	return strings.Join(why, "; ")
}

func mediaType(s string) string {
	if mt, _, err := mime.ParseMediaType(s); err == nil {
		return mt // lower-cased
	}
	return strings.ToLower(strings.TrimSpace(s))
}
