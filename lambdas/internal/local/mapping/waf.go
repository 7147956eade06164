package mapping

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// WAF is the regional web ACL in front of the API's stage: the rules of it that the local stack
// can emulate faithfully. A zero WAF (no web ACL) lets everything through.
type WAF struct {
	ACL *Resource
	// RateLimits are its rate-based rules that block per client IP.
	RateLimits []RateLimit
	// BodyLimit is the largest body its managed common rule set lets through (SizeRestrictions_BODY,
	// 8 KB), 0 where no rule blocks on body size.
	BodyLimit int
	// BodyLimitExempt are the URI path prefixes ("/v1/items") where the body limit does not apply:
	// the common rule set counts SizeRestrictions_BODY and a rule of the ACL's own blocks what it
	// labels on every other path.
	BodyLimitExempt []string
	// BodyResponse is the answer to a body over the limit; zero for WAF's own (the API's
	// WAF_FILTERED response).
	BodyResponse Response
}

// RateLimit is a rate-based rule: a client IP that sends more than Limit requests within Window is
// blocked.
type RateLimit struct {
	Name   string
	Limit  int
	Window time.Duration
	// Response is the rule's custom response; zero for WAF's own.
	Response Response
}

// Response is a block action's custom response (CustomResponse and the ACL's
// CustomResponseBodies).
type Response struct {
	Status      int
	ContentType string
	Body        []byte
}

// sizeLabel is the label SizeRestrictions_BODY adds to a request it matches, also when it counts.
const sizeLabel = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"

// sizeRestrictionsBody is the body size past which AWSManagedRulesCommonRuleSet's
// SizeRestrictions_BODY rule blocks a request: 8 KB (AWS WAF's managed rule groups list).
const sizeRestrictionsBody = 8 * 1024

var wafEmulation = emulation{
	service: "WAF web ACL of the API's stage", file: "waf.go",
	reads: map[string][]string{
		"AWS::WAFv2::WebACLAssociation": {"ResourceArn", "WebACLArn"},
		"AWS::WAFv2::WebACL": {"Rules (RateBasedStatement by IP: Limit, EvaluationWindowSec; AWSManagedRulesCommonRuleSet's " +
			"SizeRestrictions_BODY, with ExcludedRules, RuleActionOverrides and OverrideAction; a rule blocking its label off URI path prefixes)",
			"CustomResponseBodies"},
	},
	inert:   map[string][]string{"AWS::WAFv2::WebACL": {"Rules", "DefaultAction", "Description", "Scope", "VisibilityConfig"}},
	locally: "in front of the API, per client address: the rate-based rules of the API's web ACL and of the site's (CLOUDFRONT, which sees the API's requests first), and the common rule set's body-size block (off the paths a label rule exempts), each answered with its rule's custom response, or the API's WAF_FILTERED response (403); a rule requiring the CDN's origin header always passes (the local server is the CDN); the other rules are listed at start-up as not emulated",
}

// readWAF reads the web ACL associated with the API's stage, if any.
func readWAF(a *Assembly, api API) (WAF, []string, error) {
	var acl *Resource
	for _, as := range a.OfType("AWS::WAFv2::WebACLAssociation") {
		if api.Stage != nil && mentions(as, as.Prop("ResourceArn"), api.Stage) {
			acl = as.Target(as.Prop("WebACLArn"))
		}
	}
	if acl == nil {
		return WAF{}, nil, nil
	}
	w := WAF{ACL: acl}
	var notes []string
	var errs []error
	// The site's web ACL sees the API's requests first (CloudFront forwards /v1/*); the local
	// server is that CDN too, so its per-client rate rules apply here, and only those.
	for _, edge := range a.OfType("AWS::WAFv2::WebACL") {
		if edge.Str("Scope") == "CLOUDFRONT" {
			n, err := w.readRules(edge, true)
			notes, errs = append(notes, n...), append(errs, err)
		}
	}
	n, err := w.readRules(acl, false)
	notes, errs = append(notes, n...), append(errs, err)
	sort.Strings(notes)
	return w, notes, errors.Join(errs...)
}

// readRules reads the rules of acl that the local stack emulates: of the site's (edge), its
// rate-based rules only.
func (w *WAF) readRules(acl *Resource, edge bool) ([]string, error) {
	rd := &reader{r: acl}
	var notes []string
	note := func(format string, args ...any) {
		notes = append(notes, acl.String()+": "+fmt.Sprintf(format, args...))
	}
	labelled := false // SizeRestrictions_BODY counts, and labels what it matches
	for i, raw := range acl.List("Rules") {
		rule, _ := raw.(map[string]any)
		name, _ := rule["Name"].(string)
		stmt, _ := rule["Statement"].(map[string]any)
		switch {
		case edge && stmt["RateBasedStatement"] == nil:
			note("rule %s of the site's web ACL (not emulated)", name)
		case !edge && requiresHeader(rule):
			note("rule %s: a header the CDN adds (the local server is the CDN: every request has it)", name)
		case stmt["RateBasedStatement"] != nil:
			rb, _ := stmt["RateBasedStatement"].(map[string]any)
			if _, block := obj(rule["Action"])["Block"]; !block || rb["AggregateKeyType"] != "IP" || rb["ScopeDownStatement"] != nil {
				note("rule %s: a rate-based rule that is not a plain block per IP (not emulated)", name)
				continue
			}
			limit, _ := rb["Limit"].(float64)
			window, ok := rb["EvaluationWindowSec"].(float64)
			if !ok {
				window = 300 // WAF's default
			}
			if limit < 1 {
				rd.fail([]string{"Rules", fmt.Sprint(i), "Statement", "RateBasedStatement", "Limit"}, "is missing or under 1")
				continue
			}
			w.RateLimits = append(w.RateLimits, RateLimit{Name: name, Limit: int(limit), Window: time.Duration(window) * time.Second,
				Response: customResponse(acl, rule)})
		case stmt["ManagedRuleGroupStatement"] != nil:
			mg, _ := stmt["ManagedRuleGroupStatement"].(map[string]any)
			group, _ := mg["Name"].(string)
			if mg["VendorName"] != "AWS" || group != "AWSManagedRulesCommonRuleSet" {
				note("rule %s: the managed rule group %v (not emulated)", name, group)
				continue
			}
			note("rule %s: the common rule set's rules other than SizeRestrictions_BODY (not emulated)", name)
			if mg["ScopeDownStatement"] != nil {
				note("rule %s: its scope-down statement (SizeRestrictions_BODY is not emulated under one)", name)
				continue
			}
			_, counted := obj(rule["OverrideAction"])["Count"]
			switch action := ruleAction(mg, "SizeRestrictions_BODY"); {
			case action == "Block" && !counted:
				w.BodyLimit = sizeRestrictionsBody
			case action == "Count" || (action == "Block" && counted):
				labelled = true // a later rule may block on its label
			}
		default:
			if exempt, ok := blocksLabelOffPaths(rule, sizeLabel); ok && labelled {
				w.BodyLimit, w.BodyLimitExempt, w.BodyResponse = sizeRestrictionsBody, exempt, customResponse(acl, rule)
				note("rule %s: the labels it blocks on other than SizeRestrictions_BODY's (not emulated)", name)
				continue
			}
			note("rule %s (not emulated)", name)
		}
	}
	return notes, rd.err()
}

// requiresHeader reports whether rule blocks a request without a header's exact value: NOT(a byte
// match on a single header).
func requiresHeader(rule map[string]any) bool {
	_, block := obj(rule["Action"])["Block"]
	bm := obj(obj(obj(obj(rule["Statement"])["NotStatement"])["Statement"])["ByteMatchStatement"])
	_, header := obj(bm["FieldToMatch"])["SingleHeader"]
	return block && header && bm["PositionalConstraint"] == "EXACTLY"
}

// ruleAction is the action a managed rule group statement leaves rule: "Count" where it is
// excluded (the legacy form of a count override), its override's action, or "Block".
func ruleAction(group map[string]any, rule string) string {
	excluded, _ := group["ExcludedRules"].([]any)
	for _, e := range excluded {
		if m, _ := e.(map[string]any); m["Name"] == rule {
			return "Count"
		}
	}
	overrides, _ := group["RuleActionOverrides"].([]any)
	for _, o := range overrides {
		m, _ := o.(map[string]any)
		if m["Name"] != rule {
			continue
		}
		for action := range obj(m["ActionToUse"]) {
			return action
		}
	}
	return "Block"
}

// blocksLabelOffPaths reads a rule that blocks requests carrying label except on some URI path
// prefixes: AND(label, or an OR of labels holding it; NOT(a STARTS_WITH match on the URI path, or an
// OR of them)). It returns the prefixes.
func blocksLabelOffPaths(rule map[string]any, label string) ([]string, bool) {
	if _, block := obj(rule["Action"])["Block"]; !block {
		return nil, false
	}
	and, _ := obj(obj(rule["Statement"])["AndStatement"])["Statements"].([]any)
	if len(and) != 2 {
		return nil, false
	}
	hasLabel := false
	for _, s := range anyOf(obj(and[0])) {
		if m := obj(s["LabelMatchStatement"]); m["Scope"] == "LABEL" && m["Key"] == label {
			hasLabel = true
		}
	}
	var prefixes []string
	for _, s := range anyOf(obj(obj(obj(and[1])["NotStatement"])["Statement"])) {
		m := obj(s["ByteMatchStatement"])
		_, uri := obj(m["FieldToMatch"])["UriPath"]
		p, _ := m["SearchString"].(string)
		tt, _ := m["TextTransformations"].([]any)
		if !uri || m["PositionalConstraint"] != "STARTS_WITH" || p == "" || len(tt) != 1 || obj(tt[0])["Type"] != "NONE" {
			return nil, false
		}
		prefixes = append(prefixes, p)
	}
	return prefixes, hasLabel && len(prefixes) > 0
}

// anyOf is the statements of an OR statement, or the statement itself.
func anyOf(stmt map[string]any) []map[string]any {
	list, ok := obj(stmt["OrStatement"])["Statements"].([]any)
	if !ok {
		return []map[string]any{stmt}
	}
	out := make([]map[string]any, len(list))
	for i, s := range list {
		out[i] = obj(s)
	}
	return out
}

// customResponse is the custom response of rule's block action, with its body from the ACL's
// CustomResponseBodies; zero without one.
func customResponse(acl *Resource, rule map[string]any) Response {
	cr := obj(obj(obj(rule["Action"])["Block"])["CustomResponse"])
	status, _ := cr["ResponseCode"].(float64)
	if status == 0 {
		return Response{}
	}
	key, _ := cr["CustomResponseBodyKey"].(string)
	body := obj(obj(acl.Prop("CustomResponseBodies"))[key])
	content, _ := body["Content"].(string)
	types := map[string]string{"APPLICATION_JSON": "application/json", "TEXT_HTML": "text/html; charset=utf-8", "TEXT_PLAIN": "text/plain; charset=utf-8"}
	return Response{Status: int(status), ContentType: types[fmt.Sprint(body["ContentType"])], Body: []byte(content)}
}

// mentions reports whether v (a Ref, a Fn::GetAtt, or a Fn::Join or Fn::Sub around them) refers to
// target.
func mentions(r *Resource, v any, target *Resource) bool {
	switch t := v.(type) {
	case map[string]any:
		if r.Target(t) == target {
			return true
		}
		for _, e := range t {
			if mentions(r, e, target) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if mentions(r, e, target) {
				return true
			}
		}
	}
	return false
}

// obj is v as a JSON object, nil when it is not one.
func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
