// Package waf builds the WAFv2 web ACL that guards Stratus's entry points:
// AWS's common rule set (OWASP-style checks), known bad inputs, a per-IP rate
// limit, and logs of what it blocks or counts. Cost: a web ACL, its rules and
// two managed groups are billed monthly, plus a charge per million requests
// and the logs' ingestion (bounded: only blocked and counted requests are
// kept).
//
// # Users' free text
//
// The common rule set blocks a body over 8 KB (SizeRestrictions_BODY) and one
// that looks like markup or a path (CrossSiteScripting_BODY, GenericLFI_BODY).
// An app whose users write notes (code snippets, file paths, up to 10,000
// characters) would see those saved in Dev and refused by the firewall in Prod.
// Options.TextPaths names the paths whose bodies are such text: there the three
// rules count (their labels and logs stay), and a rule of the ACL's own blocks
// what they find on every other path. Why that is safe for the API's text
// routes: their bodies are JSON that API Gateway validates against the route's
// model (types, lengths) before a handler sees them; the app stores them as
// parameters of SQL statements, never as markup or file names, and the web app
// renders them as text. Every other managed rule (headers, query strings, URI
// paths, SSRF, bad inputs) still blocks there.
//
// # Answers
//
// A request the ACL's own rules block gets a JSON body in the API's error
// shape, {"error": {"code", "message"}}: REQUEST_BLOCKED (403) or RATE_LIMITED
// (429), whose messages the web app shows as they are.
package waf

import (
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Scope is where a web ACL can be associated.
type Scope string

const (
	// Regional web ACLs guard API Gateway stages, load balancers and the like.
	Regional Scope = "REGIONAL"
	// CloudFront web ACLs guard distributions; they must live in us-east-1.
	CloudFront Scope = "CLOUDFRONT"
)

// Options configure [NewWebAcl].
type Options struct {
	Scope       Scope
	Description string
	// RateLimit is the number of requests one IP may send in five minutes
	// before it is blocked; 0: no rate rule (where every request comes
	// through a CDN, its addresses are not the clients').
	RateLimit float64
	// OriginHeader, when set, blocks every request that does not carry the
	// header with this value: a shared secret that only the CDN in front
	// adds (CloudFront's origin custom header), so the resource cannot be
	// called past the CDN's web ACL. Default: none.
	OriginHeader *Header
	// TextPaths are the URI path prefixes ("/v1/items") whose request bodies
	// are users' free text, validated by the API's request models: there the
	// common rule set's body rules count instead of blocking (see the package
	// doc). Default: none, every body rule blocks everywhere.
	TextPaths []string
	// LogRetention of the ACL's log group. Default: one month.
	LogRetention awslogs.RetentionDays
	// LogEncryptionKey encrypts the log group; it must be in the ACL's
	// region. Default: CloudWatch Logs' own encryption.
	LogEncryptionKey awskms.IKey
	// RemovalPolicy of the log group. Default: RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Header is an HTTP header and its value (a token, such as a secret's
// dynamic reference, is resolved at deploy time).
type Header struct {
	Name  string
	Value *string
}

// WebAcl is a web ACL and the log group it logs to.
type WebAcl struct {
	Acl      awswafv2.CfnWebACL
	LogGroup awslogs.LogGroup
}

// The common rule set's rules that inspect the body for what free text holds,
// with the labels they add.
var textBodyRules = []struct{ rule, label string }{
	{"SizeRestrictions_BODY", "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"},
	{"CrossSiteScripting_BODY", "awswaf:managed:aws:core-rule-set:CrossSiteScripting_Body"},
	{"GenericLFI_BODY", "awswaf:managed:aws:core-rule-set:GenericLFI_Body"},
}

// Custom response bodies, in the API's error shape.
const (
	blockedBody     = "blocked"
	rateLimitedBody = "rateLimited"
	// LogGroupPrefix starts the name of every log group WAF may log to.
	LogGroupPrefix = "aws-waf-logs-"
)

// NewWebAcl creates the web ACL and its logging (see the package doc).
func NewWebAcl(scope constructs.Construct, id string, o Options) *WebAcl {
	common := &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{
		VendorName: jsii.String("AWS"),
		Name:       jsii.String("AWSManagedRulesCommonRuleSet"),
	}
	rules := []any{
		managedRule(0, common),
		managedRule(1, &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{
			VendorName: jsii.String("AWS"), Name: jsii.String("AWSManagedRulesKnownBadInputsRuleSet"),
		}),
	}
	if o.RateLimit > 0 {
		rules = append(rules, &awswafv2.CfnWebACL_RuleProperty{
			Name:     jsii.String("RateLimitPerIp"),
			Priority: jsii.Number(2),
			Statement: &awswafv2.CfnWebACL_StatementProperty{
				RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
					AggregateKeyType:    jsii.String("IP"),
					Limit:               jsii.Number(o.RateLimit),
					EvaluationWindowSec: jsii.Number(300),
				},
			},
			Action:           block(429, rateLimitedBody),
			VisibilityConfig: visibility("RateLimitPerIp"),
		})
	}
	if h := o.OriginHeader; h != nil {
		rules = append(rules, originHeaderRequired(4, h))
	}
	if paths := PathPrefixes(o.TextPaths); len(paths) > 0 {
		overrides := make([]any, len(textBodyRules))
		for i, r := range textBodyRules {
			overrides[i] = &awswafv2.CfnWebACL_RuleActionOverrideProperty{
				Name:        jsii.String(r.rule),
				ActionToUse: &awswafv2.CfnWebACL_RuleActionProperty{Count: map[string]any{}},
			}
		}
		common.RuleActionOverrides = &overrides
		rules = append(rules, textRulesElsewhere(3, paths))
	}
	acl := awswafv2.NewCfnWebACL(scope, jsii.String(id), &awswafv2.CfnWebACLProps{
		Scope:         jsii.String(string(o.Scope)),
		DefaultAction: &awswafv2.CfnWebACL_DefaultActionProperty{Allow: map[string]any{}},
		Description:   jsii.String(o.Description),
		Rules:         &rules,
		CustomResponseBodies: map[string]any{
			blockedBody: &awswafv2.CfnWebACL_CustomResponseBodyProperty{ContentType: jsii.String("APPLICATION_JSON"),
				Content: jsii.String(`{"error":{"code":"REQUEST_BLOCKED","message":"The firewall refused this request. If you think it should not have, tell us what you were doing and when."}}`)},
			rateLimitedBody: &awswafv2.CfnWebACL_CustomResponseBodyProperty{ContentType: jsii.String("APPLICATION_JSON"),
				Content: jsii.String(`{"error":{"code":"RATE_LIMITED","message":"Too many requests from your address. Wait a few minutes and try again."}}`)},
		},
		VisibilityConfig: visibility("WebAcl"),
	})
	return &WebAcl{Acl: acl, LogGroup: logTo(scope, id, acl, o)}
}

// OriginRuleName names the rule that requires Options.OriginHeader: the
// origin secret's rotation finds it by this name.
const OriginRuleName = "OriginHeaderRequired"

// originHeaderRequired blocks a request without the origin header's value:
// one sent to the resource directly, not through the CDN. The origin
// secret's rotation (lambdas/internal/app/originsecret) reads and writes
// this shape: NOT of an exact match, or while two values count NOT of an OR
// of two.
func originHeaderRequired(priority float64, h *Header) *awswafv2.CfnWebACL_RuleProperty {
	return &awswafv2.CfnWebACL_RuleProperty{
		Name:     jsii.String(OriginRuleName),
		Priority: jsii.Number(priority),
		Statement: &awswafv2.CfnWebACL_StatementProperty{NotStatement: &awswafv2.CfnWebACL_NotStatementProperty{
			Statement: &awswafv2.CfnWebACL_StatementProperty{ByteMatchStatement: &awswafv2.CfnWebACL_ByteMatchStatementProperty{
				FieldToMatch:         &awswafv2.CfnWebACL_FieldToMatchProperty{SingleHeader: map[string]any{"Name": strings.ToLower(h.Name)}},
				PositionalConstraint: jsii.String("EXACTLY"),
				SearchString:         h.Value,
				TextTransformations:  &[]any{&awswafv2.CfnWebACL_TextTransformationProperty{Priority: jsii.Number(0), Type: jsii.String("NONE")}},
			}},
		}},
		Action:           block(403, blockedBody),
		VisibilityConfig: visibility(OriginRuleName),
	}
}

// textRulesElsewhere blocks, outside paths, what the counted text body rules
// found.
func textRulesElsewhere(priority float64, paths []string) *awswafv2.CfnWebACL_RuleProperty {
	labels := make([]any, len(textBodyRules))
	for i, r := range textBodyRules {
		labels[i] = &awswafv2.CfnWebACL_StatementProperty{LabelMatchStatement: &awswafv2.CfnWebACL_LabelMatchStatementProperty{
			Scope: jsii.String("LABEL"), Key: jsii.String(r.label),
		}}
	}
	onText := make([]any, len(paths))
	for i, p := range paths {
		onText[i] = &awswafv2.CfnWebACL_StatementProperty{ByteMatchStatement: &awswafv2.CfnWebACL_ByteMatchStatementProperty{
			FieldToMatch:         &awswafv2.CfnWebACL_FieldToMatchProperty{UriPath: map[string]any{}},
			PositionalConstraint: jsii.String("STARTS_WITH"),
			SearchString:         jsii.String(p),
			TextTransformations:  &[]any{&awswafv2.CfnWebACL_TextTransformationProperty{Priority: jsii.Number(0), Type: jsii.String("NONE")}},
		}}
	}
	onTextPath := onText[0]
	if len(onText) > 1 {
		onTextPath = &awswafv2.CfnWebACL_StatementProperty{OrStatement: &awswafv2.CfnWebACL_OrStatementProperty{Statements: &onText}}
	}
	return &awswafv2.CfnWebACL_RuleProperty{
		Name:     jsii.String("TextBodyRulesOutsideTextPaths"),
		Priority: jsii.Number(priority),
		Statement: &awswafv2.CfnWebACL_StatementProperty{AndStatement: &awswafv2.CfnWebACL_AndStatementProperty{Statements: &[]any{
			&awswafv2.CfnWebACL_StatementProperty{OrStatement: &awswafv2.CfnWebACL_OrStatementProperty{Statements: &labels}},
			&awswafv2.CfnWebACL_StatementProperty{NotStatement: &awswafv2.CfnWebACL_NotStatementProperty{Statement: onTextPath}},
		}}},
		Action:           block(403, blockedBody),
		VisibilityConfig: visibility("TextBodyRulesOutsideTextPaths"),
	}
}

// logTo logs what acl blocks or counts to a new log group: the allowed
// requests, nearly all of them, are dropped, which bounds the cost; the
// authorization and cookie headers are redacted (tokens, sessions).
func logTo(scope constructs.Construct, id string, acl awswafv2.CfnWebACL, o Options) awslogs.LogGroup {
	stack := awscdk.Stack_Of(scope)
	retention := o.LogRetention
	if retention == "" {
		retention = awslogs.RetentionDays_ONE_MONTH
	}
	removal := o.RemovalPolicy
	if removal == "" {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	// WAF logs only to a group whose name starts with aws-waf-logs-; the
	// stack's name keeps it unique in the account and region.
	name := awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String(LogGroupPrefix), stack.StackName(), jsii.String("-" + id)})
	group := awslogs.NewLogGroup(scope, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		LogGroupName:  name,
		Retention:     retention,
		EncryptionKey: o.LogEncryptionKey,
		RemovalPolicy: removal,
	})
	// The group's ARN without the ":*" that LogGroupArn ends with, as WAF
	// takes it (a Ref to a log group is its name).
	arn := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: group.LogGroupName(),
		ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	conditions := []any{}
	for _, action := range []string{"BLOCK", "COUNT", "EXCLUDED_AS_COUNT"} {
		conditions = append(conditions, map[string]any{"ActionCondition": map[string]any{"Action": action}})
	}
	awswafv2.NewCfnLoggingConfiguration(scope, jsii.String(id+"Logging"), &awswafv2.CfnLoggingConfigurationProps{
		ResourceArn:           acl.AttrArn(),
		LogDestinationConfigs: &[]any{arn},
		RedactedFields:        redactions(o),
		LoggingFilter: map[string]any{
			"DefaultBehavior": "DROP",
			"Filters":         []any{map[string]any{"Behavior": "KEEP", "Requirement": "MEETS_ANY", "Conditions": conditions}},
		},
	})
	return group
}

// redactions are the headers kept out of the logs: the bearer token, cookies,
// and the origin header's secret.
func redactions(o Options) *[]any {
	headers := []string{"authorization", "cookie"}
	if o.OriginHeader != nil {
		headers = append(headers, strings.ToLower(o.OriginHeader.Name))
	}
	out := make([]any, len(headers))
	for i, h := range headers {
		out[i] = &awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]any{"Name": h}}
	}
	return &out
}

// PathPrefixes are the distinct prefixes of paths, each cut before its first
// path parameter ("/v1/items/{id}" → "/v1/items") without a trailing slash,
// leaving out those another prefix covers; sorted.
func PathPrefixes(paths []string) []string {
	var cut []string
	for _, p := range paths {
		if i := strings.Index(p, "{"); i >= 0 {
			p = p[:i]
		}
		if p = strings.TrimRight(p, "/"); p != "" {
			cut = append(cut, p)
		}
	}
	sort.Strings(cut)
	var out []string
	for _, p := range cut {
		if len(out) > 0 && strings.HasPrefix(p, out[len(out)-1]) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func block(status float64, body string) *awswafv2.CfnWebACL_RuleActionProperty {
	return &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{
		CustomResponse: &awswafv2.CfnWebACL_CustomResponseProperty{ResponseCode: jsii.Number(status), CustomResponseBodyKey: jsii.String(body)},
	}}
}

func managedRule(priority float64, group *awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty) *awswafv2.CfnWebACL_RuleProperty {
	return &awswafv2.CfnWebACL_RuleProperty{
		Name:             group.Name,
		Priority:         jsii.Number(priority),
		Statement:        &awswafv2.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: group},
		OverrideAction:   &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
		VisibilityConfig: visibility(*group.Name),
	}
}

func visibility(name string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
	return &awswafv2.CfnWebACL_VisibilityConfigProperty{
		CloudWatchMetricsEnabled: jsii.Bool(true),
		MetricName:               jsii.String(name),
		SampledRequestsEnabled:   jsii.Bool(true),
	}
}
