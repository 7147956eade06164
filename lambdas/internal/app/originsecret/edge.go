package originsecret

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
	wafv2types "github.com/aws/aws-sdk-go-v2/service/wafv2/types"
)

// lockRetries bounds the re-reads after another writer changed the web ACL
// or the distribution between our read and our write.
const lockRetries = 5

// accepted is the values the web ACL's rule accepts now.
func (r *Rotator) accepted(ctx context.Context) ([]string, error) {
	acl, _, err := r.readACL(ctx)
	if err != nil {
		return nil, err
	}
	rule, err := r.rule(acl)
	if err != nil {
		return nil, err
	}
	return r.ruleValues(rule)
}

// accept sets the web ACL's rule to accept exactly values (in this order);
// changed is false when it already did.
func (r *Rotator) accept(ctx context.Context, values ...string) (changed bool, err error) {
	for range lockRetries {
		acl, token, err := r.readACL(ctx)
		if err != nil {
			return false, err
		}
		rule, err := r.rule(acl)
		if err != nil {
			return false, err
		}
		now, err := r.ruleValues(rule)
		if err != nil {
			return false, err
		}
		if slices.Equal(now, values) {
			return false, nil
		}
		rule.Statement = r.statement(values)
		_, err = r.WAF.UpdateWebACL(ctx, updateInput(acl, r.WebACL.Scope, token))
		var stale *wafv2types.WAFOptimisticLockException
		if errors.As(err, &stale) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("update web ACL %s: %w", r.WebACL.Name, err)
		}
		return true, nil
	}
	return false, fmt.Errorf("web ACL %s changed under every one of %d tries", r.WebACL.Name, lockRetries)
}

func (r *Rotator) readACL(ctx context.Context) (*wafv2types.WebACL, *string, error) {
	out, err := r.WAF.GetWebACL(ctx, &wafv2.GetWebACLInput{Name: &r.WebACL.Name, Id: &r.WebACL.ID, Scope: r.WebACL.Scope})
	if err != nil {
		return nil, nil, fmt.Errorf("read web ACL %s: %w", r.WebACL.Name, err)
	}
	return out.WebACL, out.LockToken, nil
}

// rule is the web ACL's origin rule, to be changed in place.
func (r *Rotator) rule(acl *wafv2types.WebACL) (*wafv2types.Rule, error) {
	for i := range acl.Rules {
		if aws.ToString(acl.Rules[i].Name) == r.Rule {
			return &acl.Rules[i], nil
		}
	}
	return nil, fmt.Errorf("web ACL %s has no rule %s", r.WebACL.Name, r.Rule)
}

// statement blocks a request whose header is none of values: the shape
// internal/synth/waf gives the rule, with an OrStatement while two values count.
func (r *Rotator) statement(values []string) *wafv2types.Statement {
	matches := make([]wafv2types.Statement, len(values))
	for i, v := range values {
		matches[i] = wafv2types.Statement{ByteMatchStatement: &wafv2types.ByteMatchStatement{
			FieldToMatch:         &wafv2types.FieldToMatch{SingleHeader: &wafv2types.SingleHeader{Name: aws.String(strings.ToLower(r.Header))}},
			PositionalConstraint: wafv2types.PositionalConstraintExactly,
			SearchString:         []byte(v),
			TextTransformations:  []wafv2types.TextTransformation{{Priority: 0, Type: wafv2types.TextTransformationTypeNone}},
		}}
	}
	inner := &matches[0]
	if len(matches) > 1 {
		inner = &wafv2types.Statement{OrStatement: &wafv2types.OrStatement{Statements: matches}}
	}
	return &wafv2types.Statement{NotStatement: &wafv2types.NotStatement{Statement: inner}}
}

// ruleValues reads back what statement wrote, refusing any other shape: a
// rule changed by hand is not the rotation's to overwrite.
func (r *Rotator) ruleValues(rule *wafv2types.Rule) ([]string, error) {
	bad := fmt.Errorf("rule %s of web ACL %s is not a NOT of exact matches of header %s", r.Rule, r.WebACL.Name, r.Header)
	if rule.Statement == nil || rule.Statement.NotStatement == nil || rule.Statement.NotStatement.Statement == nil {
		return nil, bad
	}
	inner := rule.Statement.NotStatement.Statement
	matches := []wafv2types.Statement{*inner}
	if inner.OrStatement != nil {
		matches = inner.OrStatement.Statements
	}
	var values []string
	for _, m := range matches {
		b := m.ByteMatchStatement
		if b == nil || b.FieldToMatch == nil || b.FieldToMatch.SingleHeader == nil ||
			!strings.EqualFold(aws.ToString(b.FieldToMatch.SingleHeader.Name), r.Header) ||
			b.PositionalConstraint != wafv2types.PositionalConstraintExactly {
			return nil, bad
		}
		values = append(values, string(b.SearchString))
	}
	return values, nil
}

// updateInput is acl as UpdateWebACL takes it: UpdateWebACL replaces the
// whole web ACL, so every setting it has is carried over (a test checks each
// field of the input that the web ACL also has).
func updateInput(acl *wafv2types.WebACL, scope wafv2types.Scope, token *string) *wafv2.UpdateWebACLInput {
	return &wafv2.UpdateWebACLInput{
		Name: acl.Name, Id: acl.Id, Scope: scope, LockToken: token,
		DefaultAction:                acl.DefaultAction,
		VisibilityConfig:             acl.VisibilityConfig,
		ApplicationConfig:            acl.ApplicationConfig,
		AssociationConfig:            acl.AssociationConfig,
		CaptchaConfig:                acl.CaptchaConfig,
		ChallengeConfig:              acl.ChallengeConfig,
		CustomResponseBodies:         acl.CustomResponseBodies,
		DataProtectionConfig:         acl.DataProtectionConfig,
		Description:                  acl.Description,
		OnSourceDDoSProtectionConfig: acl.OnSourceDDoSProtectionConfig,
		Rules:                        acl.Rules,
		TokenDomains:                 acl.TokenDomains,
	}
}

// headerValues is the values the distribution's origins send in the header.
func (r *Rotator) headerValues(ctx context.Context) ([]string, error) {
	out, err := r.CloudFront.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: &r.DistributionID})
	if err != nil {
		return nil, fmt.Errorf("read distribution %s: %w", r.DistributionID, err)
	}
	var values []string
	for _, h := range r.originHeaders(out.DistributionConfig) {
		if v := aws.ToString(h.HeaderValue); !slices.Contains(values, v) {
			values = append(values, v)
		}
	}
	if len(values) == 0 {
		return nil, fmt.Errorf("no origin of distribution %s sends %s", r.DistributionID, r.Header)
	}
	return values, nil
}

// send has every origin of the distribution that sends the header send value.
func (r *Rotator) send(ctx context.Context, value string) error {
	for range lockRetries {
		out, err := r.CloudFront.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: &r.DistributionID})
		if err != nil {
			return fmt.Errorf("read distribution %s: %w", r.DistributionID, err)
		}
		headers := r.originHeaders(out.DistributionConfig)
		if len(headers) == 0 {
			return fmt.Errorf("no origin of distribution %s sends %s", r.DistributionID, r.Header)
		}
		changed := false
		for _, h := range headers {
			changed = changed || aws.ToString(h.HeaderValue) != value
			h.HeaderValue = aws.String(value)
		}
		if !changed {
			return nil
		}
		_, err = r.CloudFront.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{
			Id: &r.DistributionID, IfMatch: out.ETag, DistributionConfig: out.DistributionConfig,
		})
		var stale *cftypes.PreconditionFailed
		if errors.As(err, &stale) {
			continue
		}
		if err != nil {
			return fmt.Errorf("update distribution %s: %w", r.DistributionID, err)
		}
		return nil
	}
	return fmt.Errorf("distribution %s changed under every one of %d tries", r.DistributionID, lockRetries)
}

// originHeaders are the custom headers named r.Header of cfg's origins, to be
// changed in place.
func (r *Rotator) originHeaders(cfg *cftypes.DistributionConfig) []*cftypes.OriginCustomHeader {
	var out []*cftypes.OriginCustomHeader
	if cfg == nil || cfg.Origins == nil {
		return nil
	}
	for i := range cfg.Origins.Items {
		o := &cfg.Origins.Items[i]
		if o.CustomHeaders == nil {
			continue
		}
		for j := range o.CustomHeaders.Items {
			if h := &o.CustomHeaders.Items[j]; strings.EqualFold(aws.ToString(h.HeaderName), r.Header) {
				out = append(out, h)
			}
		}
	}
	return out
}
