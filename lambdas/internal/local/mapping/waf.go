package mapping

import (
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
}

// RateLimit is a rate-based rule: a client IP that sends more than Limit requests within Window is
// blocked.
type RateLimit struct {
	Name   string
	Limit  int
	Window time.Duration
}

// sizeRestrictionsBody is the body size past which AWSManagedRulesCommonRuleSet's
// SizeRestrictions_BODY rule blocks a request: 8 KB (AWS WAF's managed rule groups list).
const sizeRestrictionsBody = 8 * 1024

var wafEmulation = emulation{
	service: "WAF web ACL of the API's stage", file: "waf.go",
	reads: map[string][]string{
		"AWS::WAFv2::WebACLAssociation": {"ResourceArn", "WebACLArn"},
		"AWS::WAFv2::WebACL": {"Rules (RateBasedStatement by IP: Limit, EvaluationWindowSec; AWSManagedRulesCommonRuleSet's " +
			"SizeRestrictions_BODY, with ExcludedRules, RuleActionOverrides and OverrideAction)"},
	},
	inert:   map[string][]string{"AWS::WAFv2::WebACL": {"Rules", "DefaultAction", "Description", "Scope", "VisibilityConfig"}},
	locally: "in front of the API, per client address: a rate-based rule's block, and the common rule set's body-size block, each answered with the API's WAF_FILTERED response (403); the other managed rules are listed at start-up as not emulated",
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
	rd := &reader{r: acl}
	var notes []string
	note := func(format string, args ...any) {
		notes = append(notes, acl.String()+": "+fmt.Sprintf(format, args...))
	}
	for i, raw := range acl.List("Rules") {
		rule, _ := raw.(map[string]any)
		name, _ := rule["Name"].(string)
		stmt, _ := rule["Statement"].(map[string]any)
		switch {
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
			w.RateLimits = append(w.RateLimits, RateLimit{Name: name, Limit: int(limit), Window: time.Duration(window) * time.Second})
		case stmt["ManagedRuleGroupStatement"] != nil:
			mg, _ := stmt["ManagedRuleGroupStatement"].(map[string]any)
			group, _ := mg["Name"].(string)
			if mg["VendorName"] != "AWS" || group != "AWSManagedRulesCommonRuleSet" {
				note("rule %s: the managed rule group %v (not emulated)", name, group)
				continue
			}
			note("rule %s: the common rule set's rules other than SizeRestrictions_BODY (not emulated)", name)
			if _, counted := obj(rule["OverrideAction"])["Count"]; counted || mg["ScopeDownStatement"] != nil || !blocks(mg, "SizeRestrictions_BODY") {
				if mg["ScopeDownStatement"] != nil {
					note("rule %s: its scope-down statement (SizeRestrictions_BODY is not emulated under one)", name)
				}
				continue
			}
			w.BodyLimit = sizeRestrictionsBody
		default:
			note("rule %s (not emulated)", name)
		}
	}
	sort.Strings(notes)
	return w, notes, rd.err()
}

// blocks reports whether the managed rule group statement leaves rule blocking: not excluded, and
// not overridden to an action other than Block.
func blocks(group map[string]any, rule string) bool {
	excluded, _ := group["ExcludedRules"].([]any)
	for _, e := range excluded {
		if m, _ := e.(map[string]any); m["Name"] == rule {
			return false
		}
	}
	overrides, _ := group["RuleActionOverrides"].([]any)
	for _, o := range overrides {
		m, _ := o.(map[string]any)
		if m["Name"] != rule {
			continue
		}
		_, block := obj(m["ActionToUse"])["Block"]
		return block
	}
	return true
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
