package test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/stacks"
)

// request is what the edge tests send through a web ACL.
type request struct {
	method, path, body string
	headers            map[string]string // lower-case names
}

// managedBodyRules stand in for the managed rules that inspect a body, by the label each adds:
// what they match is AWS's and unpublished, so each is modelled by a request it surely matches
// (SizeRestrictions_BODY's 8 KB is documented; markup and a parent path are what the other two
// are for).
var managedBodyRules = []struct {
	group, rule, label string
	matches            func(body string) bool
}{
	{"AWSManagedRulesCommonRuleSet", "SizeRestrictions_BODY", "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body",
		func(b string) bool { return len(b) > 8192 }},
	{"AWSManagedRulesCommonRuleSet", "CrossSiteScripting_BODY", "awswaf:managed:aws:core-rule-set:CrossSiteScripting_Body",
		func(b string) bool { return strings.Contains(strings.ToLower(b), "<script") }},
	{"AWSManagedRulesCommonRuleSet", "GenericLFI_BODY", "awswaf:managed:aws:core-rule-set:GenericLFI_Body",
		func(b string) bool { return strings.Contains(b, "../") }},
}

// blockedBy evaluates req against the rules of a synthesized web ACL, in priority order, as WAF
// does for the statements these ACLs use (managed groups with their rule action overrides,
// rate-based rules, label, byte-match, and, or and not statements): the name of the rule that
// blocks it, or "".
func blockedBy(t *testing.T, acl resource, req request) string {
	t.Helper()
	rules, _ := acl.Properties["Rules"].([]any)
	sorted := slices.Clone(rules)
	slices.SortFunc(sorted, func(a, b any) int {
		return int(a.(map[string]any)["Priority"].(float64) - b.(map[string]any)["Priority"].(float64))
	})
	labels := map[string]bool{}
	for _, raw := range sorted {
		rule := raw.(map[string]any)
		name, _ := rule["Name"].(string)
		stmt, _ := rule["Statement"].(map[string]any)
		if mg, ok := stmt["ManagedRuleGroupStatement"].(map[string]any); ok {
			_, counted := asMap(rule["OverrideAction"])["Count"]
			for _, m := range managedBodyRules {
				if mg["Name"] != m.group || !m.matches(req.body) {
					continue
				}
				labels[m.label] = true
				if !counted && overriddenAction(mg, m.rule) == "Block" {
					return name + "/" + m.rule
				}
			}
			continue
		}
		if _, ok := stmt["RateBasedStatement"]; ok {
			continue // one request stays under every limit
		}
		if matches(t, stmt, req, labels) {
			if _, block := asMap(rule["Action"])["Block"]; block {
				return name
			}
		}
	}
	return ""
}

// overriddenAction is the action a managed group's rule takes: its RuleActionOverrides' one, or Block.
func overriddenAction(group map[string]any, rule string) string {
	overrides, _ := group["RuleActionOverrides"].([]any)
	for _, o := range overrides {
		if m := asMap(o); m["Name"] == rule {
			for action := range asMap(m["ActionToUse"]) {
				return action
			}
		}
	}
	return "Block"
}

func matches(t *testing.T, stmt map[string]any, req request, labels map[string]bool) bool {
	t.Helper()
	for kind, v := range stmt {
		s := asMap(v)
		switch kind {
		case "LabelMatchStatement":
			if s["Scope"] != "LABEL" {
				t.Fatalf("label match by %v: the test reads LABEL scope only", s["Scope"])
			}
			return labels[s["Key"].(string)]
		case "ByteMatchStatement":
			field := asMap(s["FieldToMatch"])
			if h, ok := field["SingleHeader"]; ok && s["PositionalConstraint"] == "EXACTLY" {
				v, sent := req.headers[asMap(h)["Name"].(string)]
				// A token (a secret's dynamic reference) stands for its resolved value.
				return sent && v == fmt.Sprint(s["SearchString"])
			}
			if _, uri := field["UriPath"]; !uri || s["PositionalConstraint"] != "STARTS_WITH" {
				t.Fatalf("byte match %v: the test reads STARTS_WITH on the URI path and EXACTLY on a header only", s)
			}
			return strings.HasPrefix(req.path, s["SearchString"].(string))
		case "AndStatement", "OrStatement":
			all := kind == "AndStatement"
			for _, sub := range s["Statements"].([]any) {
				if matches(t, asMap(sub), req, labels) != all {
					return !all
				}
			}
			return all
		case "NotStatement":
			return !matches(t, asMap(s["Statement"]), req, labels)
		}
		t.Fatalf("statement %s: not read by this test", kind)
	}
	return false
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// webACLs are a stage's web ACLs: the API's (regional, in App) and the site's (CloudFront, in Edge).
func webACLs(st stageTemplates) map[string]resource {
	out := map[string]resource{}
	for _, tpl := range st.all() {
		for id, r := range tpl.ofType("AWS::WAFv2::WebACL") {
			out[fmt.Sprint(r.Properties["Scope"], " ", id)] = r
		}
	}
	return out
}

// noteBody is the JSON of an item whose notes are notes, as a browser's JSON.stringify writes it
// (markup unescaped).
func noteBody(notes string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]any{"title": "t", "notes": notes})
	return b.String()
}

// What the API's models accept, no web ACL refuses: the longest note, markup and paths in notes,
// on creating and on updating an item. Everywhere else the body rules still block.
func TestWebACLsLetTheAppsTextThrough(t *testing.T) {
	accepted := map[string]string{
		"a note of MaxNotes characters": noteBody(strings.Repeat("n", contract.MaxNotes)),
		"a note holding <script>":       noteBody(`Paste this: <script src="x.js"></script>`),
		"a note holding ../":            noteBody("the file is in ../../shared/notes.txt"),
	}
	for _, stage := range []*stacks.Stage{built.Staging, built.Prod} {
		st := loadStage(t, stage)
		acls := webACLs(st)
		if len(acls) != 2 {
			t.Fatalf("%s: %d web ACLs, want the API's and the site's", stage.Config.Name, len(acls))
		}
		for name, acl := range acls {
			headers := throughTheSite(acl)
			for what, body := range accepted {
				for _, req := range []request{{"POST", "/v1/items", body, headers}, {"PATCH", "/v1/items/0b6f6b4e-3f7e-4d7e-9d1e-1a2b3c4d5e6f", body, headers}} {
					if rule := blockedBy(t, acl, req); rule != "" {
						t.Errorf("%s %s: %s %s with %s is blocked by %s", stage.Config.Name, name, req.method, req.path, what, rule)
					}
				}
				if rule := blockedBy(t, acl, request{"POST", "/v1/health", body, headers}); rule == "" {
					t.Errorf("%s %s: %s outside the text routes is let through", stage.Config.Name, name, what)
				}
			}
		}
	}
}

// Each part of the text-route exemption matters: the same ACL with the overrides removed blocks
// the notes, and without the rule that blocks elsewhere, a script body passes anywhere.
func TestWebACLTextExemptionMutations(t *testing.T) {
	st := loadStage(t, built.Prod)
	for name, acl := range webACLs(st) {
		long := request{"POST", "/v1/items", noteBody(strings.Repeat("n", contract.MaxNotes)), throughTheSite(acl)}
		noOverrides := mutateACL(t, acl, func(rules []any) {
			for _, r := range rules {
				delete(asMap(asMap(asMap(r)["Statement"])["ManagedRuleGroupStatement"]), "RuleActionOverrides")
			}
		})
		if blockedBy(t, noOverrides, long) == "" {
			t.Errorf("%s: without the rule action overrides, a long note still passes: the test reads nothing", name)
		}
		noElsewhere := mutateACL(t, acl, func(rules []any) {
			for i, r := range rules {
				if asMap(r)["Name"] == "TextBodyRulesOutsideTextPaths" {
					rules[i] = map[string]any{"Name": "removed", "Priority": 99.0, "Statement": map[string]any{"RateBasedStatement": map[string]any{}}}
				}
			}
		})
		if blockedBy(t, noElsewhere, request{"POST", "/v1/health", noteBody("<script>"), throughTheSite(acl)}) != "" {
			t.Errorf("%s: without TextBodyRulesOutsideTextPaths, a script body is still blocked off the text routes", name)
		}
	}
}

// throughTheSite are the headers a request has when the distribution forwards it to the API: the
// origin secret the API's web ACL requires, as its rule spells the value.
func throughTheSite(acl resource) map[string]string {
	headers := map[string]string{}
	for _, r := range acl.Properties["Rules"].([]any) {
		if asMap(r)["Name"] == "OriginHeaderRequired" {
			bm := asMap(asMap(asMap(asMap(asMap(r)["Statement"])["NotStatement"])["Statement"])["ByteMatchStatement"])
			headers[asMap(asMap(bm["FieldToMatch"])["SingleHeader"])["Name"].(string)] = fmt.Sprint(bm["SearchString"])
		}
	}
	return headers
}

// The API is reachable only through the site, whose web ACL rate-limits per client: the API's web
// ACL blocks a request without the origin secret (a call to the execute-api endpoint), the
// distribution adds that secret to every request it forwards to the API, and the only per-IP rate
// rule that sees the API's users is the site's (the API's would count CloudFront's addresses).
func TestAPIReachableOnlyThroughTheSite(t *testing.T) {
	for _, stage := range []*stacks.Stage{built.Staging, built.Prod} {
		st := loadStage(t, stage)
		name := stage.Config.Name
		_, apiACL := st.app.one(t, "AWS::WAFv2::WebACL", "ApiWebAcl")
		secretID, _ := st.app.one(t, "AWS::SecretsManager::Secret", "OriginSecret")
		through := throughTheSite(apiACL)
		value, ok := through["x-origin-verify"]
		if !ok || !strings.Contains(value, "resolve:secretsmanager:") || !strings.Contains(value, "Ref:"+secretID) {
			t.Fatalf("%s: the API's web ACL does not require the origin secret %s: %v", name, secretID, through)
		}
		direct := request{"GET", "/v1/health", "", nil}
		if rule := blockedBy(t, apiACL, direct); rule != "OriginHeaderRequired" {
			t.Errorf("%s: a direct call to the API is blocked by %q, want OriginHeaderRequired", name, rule)
		}
		if rule := blockedBy(t, apiACL, request{"GET", "/v1/health", "", through}); rule != "" {
			t.Errorf("%s: a call through the site is blocked by %s", name, rule)
		}
		if rule := blockedBy(t, apiACL, request{"GET", "/v1/health", "", map[string]string{"x-origin-verify": "guess"}}); rule == "" {
			t.Errorf("%s: a guessed origin header passes", name)
		}

		// The distribution adds the same secret on its way to the API.
		var header map[string]any
		for _, o := range asMap(st.distribution(t))["Origins"].([]any) {
			headers, _ := asMap(o)["OriginCustomHeaders"].([]any)
			for _, h := range headers {
				if asMap(h)["HeaderName"] == "X-Origin-Verify" {
					header = asMap(h)
				}
			}
		}
		if header == nil {
			t.Fatalf("%s: no origin of the distribution adds X-Origin-Verify", name)
		}
		hv := fmt.Sprint(header["HeaderValue"])
		if !strings.Contains(hv, "resolve:secretsmanager:") || !strings.Contains(hv, "Fn::GetStackOutput") {
			t.Errorf("%s: X-Origin-Verify is %s, not the App stack's secret", name, hv)
		}
		for out, o := range st.app.Outputs {
			if strings.Contains(hv, out) && fmt.Sprint(o["Value"]) != fmt.Sprint(map[string]any{"Ref": secretID}) {
				t.Errorf("%s: the header reads output %s = %v, not the secret %s", name, out, o["Value"], secretID)
			}
		}

		// Rate limits: per viewer on the site's ACL, none on the API's.
		for id, acl := range webACLs(st) {
			var keyed []string
			for _, r := range acl.Properties["Rules"].([]any) {
				if rb := asMap(asMap(asMap(r)["Statement"])["RateBasedStatement"]); rb != nil {
					keyed = append(keyed, fmt.Sprint(rb["AggregateKeyType"]))
				}
			}
			want := "[]"
			if acl.Properties["Scope"] == "CLOUDFRONT" {
				want = "[IP]"
			}
			if fmt.Sprint(keyed) != want {
				t.Errorf("%s %s: rate rules keyed on %v, want %s", name, id, keyed, want)
			}
		}
	}
}

// mutateACL is a deep copy of acl with its rules edited.
func mutateACL(t *testing.T, acl resource, edit func(rules []any)) resource {
	t.Helper()
	raw, _ := json.Marshal(acl)
	var c resource
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	edit(c.Properties["Rules"].([]any))
	return c
}

// Every web ACL logs what it blocks or counts, to a log group WAF accepts (aws-waf-logs-…, with
// the stage's retention), with the bearer token and cookies redacted.
func TestWebACLsLog(t *testing.T) {
	for _, stage := range []*stacks.Stage{built.Staging, built.Prod} {
		st := loadStage(t, stage)
		for _, tpl := range st.all() {
			for id := range tpl.ofType("AWS::WAFv2::WebACL") {
				var logging *resource
				for _, l := range tpl.ofType("AWS::WAFv2::LoggingConfiguration") {
					if fmt.Sprint(l.Properties["ResourceArn"]) == fmt.Sprint(map[string]any{"Fn::GetAtt": []any{id, "Arn"}}) {
						logging = &l
					}
				}
				if logging == nil {
					t.Errorf("%s %s: no LoggingConfiguration", stage.Config.Name, id)
					continue
				}
				redacted := fmt.Sprint(logging.Properties["RedactedFields"])
				for _, h := range []string{"authorization", "cookie"} {
					if !strings.Contains(redacted, "Name:"+h) {
						t.Errorf("%s %s: header %s is not redacted (%s)", stage.Config.Name, id, h, redacted)
					}
				}
				filter := asMap(logging.Properties["LoggingFilter"])
				if filter["DefaultBehavior"] != "DROP" || !strings.Contains(fmt.Sprint(filter["Filters"]), "Action:BLOCK") {
					t.Errorf("%s %s: the logging filter does not keep only blocked and counted requests: %v", stage.Config.Name, id, filter)
				}
				// The destination is the group's ARN without LogGroupArn's ":*", around a Ref to it.
				dest := fmt.Sprint(logging.Properties["LogDestinationConfigs"])
				found := false
				for gid, g := range tpl.ofType("AWS::Logs::LogGroup") {
					if !strings.Contains(dest, "map[Ref:"+gid+"]") {
						continue
					}
					found = strings.Contains(fmt.Sprint(g.Properties["LogGroupName"]), "aws-waf-logs-") && g.Properties["RetentionInDays"] != nil
				}
				if !found || strings.Contains(dest, ":*") {
					t.Errorf("%s %s: logs to %s, not an aws-waf-logs- group of its stack with a retention", stage.Config.Name, id, dest)
				}
			}
		}
	}
}

// TLS older than 1.2 is refused wherever a template can refuse it: the API's stage and custom
// domains (TLS_1_2, see apiwithauth), the site on a custom domain (TLSv1.2_2021). CloudFront's
// default certificate cannot: the synth summary warns of it (cmd/synthsummary).
func TestOldTLSRefused(t *testing.T) {
	dist := loadStage(t, withDomain).distribution(t)
	if v := asMap(dist["ViewerCertificate"])["MinimumProtocolVersion"]; v != "TLSv1.2_2021" {
		t.Errorf("with a custom domain, the site's MinimumProtocolVersion is %v, want TLSv1.2_2021", v)
	}
	for _, s := range []*stacks.Stage{built.Dev, built.Staging, built.Prod} {
		for id, api := range loadStage(t, s).app.ofType("AWS::ApiGateway::RestApi") {
			if api.Properties["SecurityPolicy"] != "TLS_1_2" {
				t.Errorf("%s %s: SecurityPolicy %v, want TLS_1_2", s.Config.Name, id, api.Properties["SecurityPolicy"])
			}
		}
	}
}
