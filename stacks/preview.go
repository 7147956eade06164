package stacks

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"golang.org/x/text/unicode/norm"
)

// A preview is a short-lived stage of one branch, derived from Dev
// (`make preview NAME=<branch>`): Preview-<name>, where name is the branch
// sanitized by PreviewName. It shares nothing with Dev (its own stacks,
// hence its own database, user pool and buckets), every resource is deleted
// with its stacks, and it is neither in the pipeline nor in the stateful
// lock: its data is disposable by design. README "Previews".
const (
	// PreviewPrefix starts every preview stage's name, hence its stacks'
	// names (Preview-<name>-Data) and the names CloudFormation generates
	// from them.
	PreviewPrefix = "Preview-"
	// PreviewCreatedTag is the tag every preview stack carries, whose value
	// is the preview's creation date (YYYY-MM-DD, UTC): cmd/previews lists
	// the previews older than a number of days by it.
	PreviewCreatedTag = "stratus:preview-created"
	// PreviewTag carries the preview's sanitized name.
	PreviewTag = "stratus:preview"
	// MaxPreviewName bounds PreviewName's result. The stack names are then
	// at most 8+32+11 = 51 characters (Preview-<name>-BackupCopy), within
	// CloudFormation's 128, and every physical name derived from them stays
	// within its service's limit: CloudFormation truncates the stack-name
	// part of the names it generates (S3 63, Lambda 64, IAM role 64, SQS 80,
	// RDS 63), and the names CDK derives from construct paths (the rotation
	// function, CloudFront functions, the API) are cut to their limits by
	// CDK. 32 keeps enough of the stack name visible in those names to tell
	// the previews apart in a console.
	MaxPreviewName = 32
	// previewHashLen is the length of the hash suffix PreviewName adds.
	previewHashLen = 8
	// previewKeyPendingDays is the pending window of a preview's KMS keys:
	// 7 days, KMS's minimum, so a destroyed preview's keys go soon.
	previewKeyPendingDays = 7
)

var (
	notNameChars   = regexp.MustCompile(`[^a-z0-9]+`)
	previewCreated = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// PreviewName sanitizes a branch name into a preview's name: lower case,
// letters of other scripts folded to ASCII where they decompose (Ü is u),
// every run of other characters one hyphen, no hyphen first or last. When
// that changed the branch name (feature/login is feature-login-<hash>) or
// the result is longer than MaxPreviewName, it is cut to leave room for a
// hyphen and 8 hex characters of the SHA-256 of the branch name as given:
// so two branches that sanitize or truncate alike (feature/x, feature-x)
// still get two previews, and the same branch always gets the same one. A
// branch with no letter or digit is an error.
func PreviewName(branch string) (string, error) {
	var ascii strings.Builder
	for _, r := range norm.NFKD.String(branch) {
		if r < 0x80 {
			ascii.WriteRune(r)
		}
	}
	name := strings.Trim(notNameChars.ReplaceAllString(strings.ToLower(ascii.String()), "-"), "-")
	if name == "" {
		return "", fmt.Errorf("preview %q has no letter or digit to name a stage after: give a branch name such as demo-branch", branch)
	}
	if name == branch && len(name) <= MaxPreviewName {
		return name, nil
	}
	sum := sha256.Sum256([]byte(branch))
	keep := min(len(name), MaxPreviewName-previewHashLen-1)
	return strings.TrimRight(name[:keep], "-") + "-" + hex.EncodeToString(sum[:])[:previewHashLen], nil
}

// Preview is the configuration of branch's preview stage: Dev's (one
// writer, auto-pause, no proxy, no web ACL), named Preview-<PreviewName>,
// with every resource destroyed with its stacks (RemovalPolicy DESTROY, so
// buckets empty themselves), no backup plan, no one paged, and a short log
// retention. Each call returns a new value.
func Preview(branch string) (Config, error) {
	name, err := PreviewName(branch)
	if err != nil {
		return Config{}, err
	}
	cfg := Dev()
	cfg.Name = PreviewPrefix + name
	cfg.Production = false
	cfg.RemovalPolicy = awscdk.RemovalPolicy_DESTROY
	cfg.Backup = BackupConfig{}
	cfg.OnCall = false
	cfg.Database.Restore = DatabaseRestore{}
	cfg.OutboxInterval = time.Hour
	return cfg, nil
}

// IsPreview reports whether cfg is a preview's (its name starts with
// PreviewPrefix).
func (c Config) IsPreview() bool { return strings.HasPrefix(c.Name, PreviewPrefix) }

// makeDisposable makes everything in the preview stage s leave nothing
// behind on `cdk destroy`: every resource, whatever its construct chose
// (the event bus's keys are retained in every other stage), gets
// DeletionPolicy and UpdateReplacePolicy Delete, every KMS key the
// shortest pending window, and every stack the tags naming the preview
// and its creation date (stack tags, which CloudFormation propagates to
// the resources that take tags).
func makeDisposable(s awscdk.Stage, cfg Config, created string) {
	awscdk.RemovalPolicies_Of(s).Destroy(nil)
	awscdk.Aspects_Of(s).Add(&shortKeyWindow{days: previewKeyPendingDays}, &awscdk.AspectOptions{Priority: awscdk.AspectPriority_MUTATING()})
	stackOnly := &awscdk.TagProps{IncludeResourceTypes: jsii.Strings("aws:cdk:stack")}
	awscdk.Tags_Of(s).Add(jsii.String(PreviewTag), jsii.String(strings.TrimPrefix(cfg.Name, PreviewPrefix)), stackOnly)
	awscdk.Tags_Of(s).Add(jsii.String(PreviewCreatedTag), jsii.String(created), stackOnly)
}

// shortKeyWindow gives every KMS key it visits a pending window of
// days (a pointer receiver: jsii passes the aspect by reference).
type shortKeyWindow struct{ days float64 }

func (a *shortKeyWindow) Visit(node constructs.IConstruct) {
	if *awskms.CfnKey_IsCfnKey(node) {
		node.(awscdk.CfnResource).AddPropertyOverride(jsii.String("PendingWindowInDays"), jsii.Number(a.days))
	}
}

// previewProblems lists what is wrong with the preview settings.
func (o Options) previewProblems() []string {
	if o.Preview == "" {
		return nil
	}
	var out []string
	if _, err := PreviewName(o.Preview); err != nil {
		out = append(out, err.Error())
	}
	if o.Stage != "" {
		out = append(out, fmt.Sprintf("stage %q and preview %q exclude each other: a synth builds one stage or one preview", o.Stage, o.Preview))
	}
	return append(out, previewCreatedProblems(o.PreviewCreated)...)
}

// previewCreatedProblems checks a preview's creation date.
func previewCreatedProblems(date string) []string {
	if _, err := time.Parse(time.DateOnly, date); err != nil || !previewCreated.MatchString(date) {
		return []string{fmt.Sprintf("previewCreated %q is not a date (YYYY-MM-DD, UTC): the Makefile passes -c previewCreated=$(date -u +%%F); synth reads no clock", date)}
	}
	return nil
}
