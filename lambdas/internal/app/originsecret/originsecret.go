// Package originsecret rotates the origin secret: the value of the header
// that CloudFront adds to every request it forwards to the API, and that the
// API's regional web ACL requires, so that nobody can call the API past the
// site's web ACL (see stacks and internal/synth/waf).
//
// It is a Secrets Manager rotation function. The secret has two users that
// cannot switch at the same instant: the web ACL (its change reaches every
// WAF host within about a minute) and the distribution (a change takes
// minutes to reach every edge location). So the rotation never leaves a
// moment where CloudFront sends a value that WAF refuses:
//
//   - createSecret stores a new random value as AWSPENDING;
//   - setSecret widens the web ACL's rule to accept AWSCURRENT or AWSPENDING,
//     waits for WAF to propagate, then has CloudFront send AWSPENDING;
//   - testSecret waits until the distribution is Deployed: every edge sends
//     the new value;
//   - finishSecret makes the new value AWSCURRENT, then narrows the rule to
//     it alone.
//
// A step that fails leaves the API reachable: the rule accepts the values
// CloudFront may send until finishSecret. Each step is idempotent (Secrets
// Manager retries), and each change of the web ACL and the distribution is
// made under their optimistic locks (LockToken, ETag), so it never
// overwrites another writer's change. After a rotation, CloudFormation's
// dynamic references to the secret resolve to the value already in place, so
// the next deploy changes nothing. This is the design of AWS's "Enhance
// Amazon CloudFront origin security with AWS WAF and AWS Secrets Manager".
package originsecret

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
	wafv2types "github.com/aws/aws-sdk-go-v2/service/wafv2/types"
)

// The secret's version stages.
const (
	current = "AWSCURRENT"
	pending = "AWSPENDING"
)

// Rotator is the rotation function as configured (see Handle).
type Rotator struct {
	Secrets    *secretsmanager.Client
	WAF        *wafv2.Client
	CloudFront *cloudfront.Client
	Log        *slog.Logger

	// WebACL is the web ACL whose Rule requires Header to carry the secret.
	WebACL WebACL
	Rule   string
	Header string
	// DistributionID is the CloudFront distribution whose origins send Header.
	DistributionID string
	// Length of a new value: letters and digits only, as the secret's
	// generator in the stack makes it.
	Length int64

	// Propagation is how long setSecret waits between widening the web ACL
	// and changing the distribution: WAF's documented propagation is under
	// a minute.
	Propagation time.Duration
	// Poll is how often testSecret asks whether the distribution is Deployed.
	Poll time.Duration
}

// WebACL names a web ACL as the WAFv2 API addresses it.
type WebACL struct {
	Name, ID string
	Scope    wafv2types.Scope
}

// ParseWebACLArn reads a web ACL's ARN,
// arn:<partition>:wafv2:<region>:<account>:{regional|global}/webacl/<name>/<id>.
func ParseWebACLArn(arn string) (WebACL, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "wafv2" {
		return WebACL{}, fmt.Errorf("%q is not a WAFv2 ARN", arn)
	}
	res := strings.Split(parts[5], "/")
	if len(res) != 4 || res[1] != "webacl" || res[2] == "" || res[3] == "" {
		return WebACL{}, fmt.Errorf("%q is not a web ACL's ARN ({regional|global}/webacl/<name>/<id>)", arn)
	}
	acl := WebACL{Name: res[2], ID: res[3]}
	switch res[0] {
	case "regional":
		acl.Scope = wafv2types.ScopeRegional
	case "global":
		acl.Scope = wafv2types.ScopeCloudfront
	default:
		return WebACL{}, fmt.Errorf("%q: unknown web ACL scope %q", arn, res[0])
	}
	return acl, nil
}

// Handle runs one step of a rotation of ev.SecretID to the version
// ev.ClientRequestToken, as Secrets Manager invokes it.
func (r *Rotator) Handle(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
	log := r.Log.With("step", ev.Step, "version", ev.ClientRequestToken)
	desc, err := r.Secrets.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &ev.SecretID})
	if err != nil {
		return fmt.Errorf("describe the secret: %w", err)
	}
	if !aws.ToBool(desc.RotationEnabled) {
		return errors.New("rotation is not enabled on the secret")
	}
	stages, ok := desc.VersionIdsToStages[ev.ClientRequestToken]
	switch {
	case !ok:
		return fmt.Errorf("the secret has no version %s to rotate to", ev.ClientRequestToken)
	case slices.Contains(stages, current):
		log.Info("the version is already current")
		if ev.Step == "finishSecret" {
			// A finishSecret that failed after making the value current
			// must still narrow the rule when Secrets Manager retries it.
			return r.narrow(ctx, ev.SecretID)
		}
		return nil
	case !slices.Contains(stages, pending):
		return fmt.Errorf("version %s is not %s", ev.ClientRequestToken, pending)
	}
	switch ev.Step {
	case "createSecret":
		err = r.create(ctx, ev)
	case "setSecret":
		err = r.set(ctx, ev)
	case "testSecret":
		err = r.test(ctx, ev)
	case "finishSecret":
		err = r.finish(ctx, ev, desc.VersionIdsToStages)
	default:
		return fmt.Errorf("unknown rotation step %q", ev.Step)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", ev.Step, err)
	}
	log.Info("rotation step done")
	return nil
}

// create stores a new value as AWSPENDING, unless an earlier try did.
func (r *Rotator) create(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
	if _, err := r.value(ctx, ev.SecretID, "", current); err != nil {
		return err
	}
	_, err := r.value(ctx, ev.SecretID, ev.ClientRequestToken, pending)
	var missing *smtypes.ResourceNotFoundException
	if !errors.As(err, &missing) {
		return err // nil: already created
	}
	pw, err := r.Secrets.GetRandomPassword(ctx, &secretsmanager.GetRandomPasswordInput{
		PasswordLength: aws.Int64(r.Length), ExcludePunctuation: aws.Bool(true), IncludeSpace: aws.Bool(false),
	})
	if err != nil {
		return fmt.Errorf("generate a value: %w", err)
	}
	_, err = r.Secrets.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: &ev.SecretID, ClientRequestToken: &ev.ClientRequestToken,
		SecretString: pw.RandomPassword, VersionStages: []string{pending},
	})
	if err != nil {
		return fmt.Errorf("store the pending value: %w", err)
	}
	return nil
}

// set has the web ACL accept both values, then CloudFront send the new one.
func (r *Rotator) set(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
	old, err := r.value(ctx, ev.SecretID, "", current)
	if err != nil {
		return err
	}
	next, sent, err := r.pendingAndSent(ctx, ev)
	if err != nil {
		return err
	}
	if changed, err := r.accept(ctx, old, next); err != nil {
		return err
	} else if changed && !(len(sent) == 1 && sent[0] == next) {
		if err := sleep(ctx, r.Propagation); err != nil {
			return err
		}
	}
	return r.send(ctx, next)
}

// test waits until every edge location sends the new value.
func (r *Rotator) test(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
	next, sent, err := r.pendingAndSent(ctx, ev)
	if err != nil {
		return err
	}
	if len(sent) != 1 || sent[0] != next {
		return fmt.Errorf("distribution %s does not send the pending value in %s", r.DistributionID, r.Header)
	}
	accepted, err := r.accepted(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(accepted, next) {
		return fmt.Errorf("web ACL %s does not accept the pending value in rule %s", r.WebACL.Name, r.Rule)
	}
	for {
		d, err := r.CloudFront.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: &r.DistributionID})
		if err != nil {
			return fmt.Errorf("read distribution %s: %w", r.DistributionID, err)
		}
		status := aws.ToString(d.Distribution.Status)
		if status == "Deployed" {
			return nil
		}
		r.Log.Info("waiting for the distribution", "status", status)
		if err := sleep(ctx, r.Poll); err != nil {
			return fmt.Errorf("distribution %s still %s: %w", r.DistributionID, status, err)
		}
	}
}

// finish makes the new value current, then has the web ACL accept it alone.
func (r *Rotator) finish(ctx context.Context, ev events.SecretsManagerSecretRotationEvent, versions map[string][]string) error {
	in := &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: &ev.SecretID, VersionStage: aws.String(current), MoveToVersionId: &ev.ClientRequestToken,
	}
	for id, stages := range versions {
		if slices.Contains(stages, current) {
			in.RemoveFromVersionId = aws.String(id)
		}
	}
	if _, err := r.Secrets.UpdateSecretVersionStage(ctx, in); err != nil {
		return fmt.Errorf("make the new value current: %w", err)
	}
	return r.narrow(ctx, ev.SecretID)
}

// narrow has the web ACL accept the current value alone.
func (r *Rotator) narrow(ctx context.Context, secret string) error {
	v, err := r.value(ctx, secret, "", current)
	if err != nil {
		return err
	}
	_, err = r.accept(ctx, v)
	return err
}

// pendingAndSent are the value being rotated to and the values the
// distribution sends now.
func (r *Rotator) pendingAndSent(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) (string, []string, error) {
	next, err := r.value(ctx, ev.SecretID, ev.ClientRequestToken, pending)
	if err != nil {
		return "", nil, err
	}
	sent, err := r.headerValues(ctx)
	return next, sent, err
}

// value is the secret's value at version id (any, if "") and stage.
func (r *Rotator) value(ctx context.Context, secret, id, stage string) (string, error) {
	in := &secretsmanager.GetSecretValueInput{SecretId: &secret, VersionStage: &stage}
	if id != "" {
		in.VersionId = &id
	}
	out, err := r.Secrets.GetSecretValue(ctx, in)
	if err != nil {
		return "", fmt.Errorf("read the %s value: %w", stage, err)
	}
	return aws.ToString(out.SecretString), nil
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
