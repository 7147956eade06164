package cost

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/wiring"
)

// The serverless services: what bills per request, message, user or GB.

const million = 1e6

func priceFunction(e *estimator, n *wiring.Node) ([]Line, string) {
	idle, profile, note := e.invocations(n.Ref)
	mem, ok := n.Number("MemorySize")
	if !ok {
		mem = 128
	}
	arch := "x86_64"
	if a := n.List("Architectures"); len(a) == 1 && a[0] == "arm64" {
		arch = "arm64"
	}
	gbs := mem / 1024 * e.profile.LambdaMS / 1000
	lines := []Line{
		e.line(n, "Lambda requests", "lambda.requests.million", idle/million, profile/million, note),
		e.line(n, fmt.Sprintf("Lambda compute (%g MB, %s, %g ms)", mem, arch, e.profile.LambdaMS),
			"lambda."+arch+".gb-second", idle*gbs, profile*gbs, ""),
	}
	return append(lines, traces(e, n, idle, profile)...), ""
}

// traces bills the X-Ray traces of a function that exports its OpenTelemetry spans (active
// tracing, OTEL_TRACES_SAMPLER=traceidratio and its ratio): each invocation's root span starts or
// joins one trace (the worker's message spans join the API's traces, its batch span is a trace of
// its own), recorded at the ratio, and each recorded trace scanned once (a console view or a
// query; an upper bound for traces nobody looks at). X-Ray's free tier (100,000 recorded, 1,000,000
// scanned a month per account) is not deducted.
func traces(e *estimator, n *wiring.Node, idle, profile float64) []Line {
	if mode, _ := n.Prop("TracingConfig", "Mode").(string); mode != "Active" {
		return nil
	}
	vars, _ := n.Prop("Environment", "Variables").(map[string]any)
	arg, _ := vars["OTEL_TRACES_SAMPLER_ARG"].(string)
	ratio, err := strconv.ParseFloat(arg, 64)
	if sampler, _ := vars["OTEL_TRACES_SAMPLER"].(string); sampler != "traceidratio" || err != nil {
		return nil
	}
	note := fmt.Sprintf("%g%% of invocations sampled (OTEL_TRACES_SAMPLER_ARG)", ratio*100)
	return []Line{
		e.line(n, "X-Ray traces recorded", "xray.traces.recorded.million", idle*ratio/million, profile*ratio/million, note),
		e.line(n, "X-Ray traces scanned", "xray.traces.scanned.million", idle*ratio/million, profile*ratio/million, "each recorded trace scanned once"),
	}
}

// priceStage bills the detailed metrics of a stage whose MethodSettings
// turn on MetricsEnabled: five per method of its API (Count, 4XXError,
// 5XXError, Latency, IntegrationLatency), custom metrics billed for the
// hours they receive data: none idle, every method at profile (an upper
// bound: a method without traffic publishes nothing).
func priceStage(e *estimator, n *wiring.Node) ([]Line, string) {
	enabled := false
	for _, s := range n.List("MethodSettings") {
		if m, _ := s.(map[string]any); m["MetricsEnabled"] == true {
			enabled = true
		}
	}
	if !enabled {
		return nil, freeAPIPart + "; no detailed metrics"
	}
	apis := e.app.RefsOfType(n.Stack, n.Prop("RestApiId"), "AWS::ApiGateway::RestApi")
	methods := 0
	for _, m := range e.app.NodesOf(n.Stack, "AWS::ApiGateway::Method") {
		mine := e.app.RefsOfType(m.Stack, m.Prop("RestApiId"), "AWS::ApiGateway::RestApi")
		if len(apis) == 1 && len(mine) == 1 && mine[0] == apis[0] {
			methods++
		}
	}
	return []Line{e.line(n, "API Gateway detailed metrics", "cloudwatch.metric.month", 0, float64(5*methods),
		fmt.Sprintf("%d methods × 5 metrics, billed for hours with traffic: none idle, all at profile", methods))}, ""
}

func priceRestAPI(e *estimator, n *wiring.Node) ([]Line, string) {
	return []Line{e.line(n, "REST API requests", "apigateway.rest.requests.million", 0, e.profile.APIRequests/million, "")}, ""
}

// priceUserPool bills monthly active users at the pool's feature plan:
// UserPoolTier when set; otherwise threat protection (AdvancedSecurityMode
// AUDIT or ENFORCED) needs Plus, and Essentials is the default plan.
func priceUserPool(e *estimator, n *wiring.Node) ([]Line, string) {
	tier := strings.ToLower(n.Str("UserPoolTier"))
	note := "UserPoolTier " + strings.ToUpper(tier)
	if tier == "" {
		switch mode := n.Str("UserPoolAddOns", "AdvancedSecurityMode"); mode {
		case "AUDIT", "ENFORCED":
			tier, note = "plus", "threat protection "+mode+" needs the Plus plan"
		default:
			tier, note = "essentials", "no UserPoolTier: Essentials, the default plan"
		}
	}
	key := "cognito.mau." + tier
	if _, ok := e.prices.Prices[key]; !ok {
		return nil, "feature plan " + tier + " is not in the price table"
	}
	lines := []Line{e.line(n, "Cognito monthly active users", key, 0, e.profile.MAU, note)}
	// Through SES the pool's mail is billed per message; Cognito's own sender
	// is free (and limited to a testing quota).
	if n.Str("EmailConfiguration", "EmailSendingAccount") == "DEVELOPER" {
		lines = append(lines, e.line(n, "SES emails (sign-up and reset codes)", "ses.email.1k", 0, e.profile.PoolEmails/1000,
			"EmailSendingAccount DEVELOPER"))
	}
	return lines, ""
}

func priceDistribution(e *estimator, n *wiring.Node) ([]Line, string) {
	return []Line{
		e.line(n, "CloudFront data transfer out", "cloudfront.transfer-out.gb", 0, e.profile.CDNGB, ""),
		e.line(n, "CloudFront HTTPS requests", "cloudfront.https-requests.10k", 0, e.profile.CDNRequests/1e4, ""),
	}, ""
}

// priceEdgeFunction bills a CloudFront function on every request of the
// distributions that run it (every request of the behaviour: an upper bound).
func priceEdgeFunction(e *estimator, n *wiring.Node) ([]Line, string) {
	uses := 0
	for _, d := range e.app.NodesOf("", "AWS::CloudFront::Distribution") {
		for _, r := range e.app.Refs(d.Stack, d.Prop("DistributionConfig")) {
			if r == n.Ref {
				uses++
			}
		}
	}
	return []Line{e.line(n, "CloudFront Functions invocations", "cloudfront.functions.million", 0,
		float64(uses)*e.profile.CDNRequests/million, fmt.Sprintf("run by %d distribution(s) on every request", uses))}, ""
}

// priceBucket bills storage and PUTs of buckets the app's functions write
// (with their old versions and their replication to another region), a
// replica's storage and replication PUTs, and GETs of buckets CloudFront
// fetches from.
func priceBucket(e *estimator, n *wiring.Node) ([]Line, string) {
	var lines []Line
	if e.writesTo(n.Ref) {
		lines = append(lines,
			e.line(n, "S3 Standard storage", "s3.standard.gb-month", 0, e.profile.StorageGB, "written by the app's functions"),
			e.line(n, "S3 PUT requests", "s3.put.1k", 0, e.profile.Uploads/1000, ""))
		if l, ok := e.versionLine(n); ok {
			lines = append(lines, l)
		}
		lines = append(lines, e.replicationLines(n)...)
	} else if src := e.replicaOf(n); len(src) > 0 {
		lines = append(lines, e.replicaLines(n, src)...)
	}
	if origins := len(e.app.Into(n.Ref, wiring.Origin)); origins > 0 {
		lines = append(lines, e.line(n, "S3 GET requests from CloudFront", "s3.get.1k", 0,
			float64(origins)*e.profile.CDNRequests*e.profile.CDNMissRatio/1000, "cache misses"))
	}
	if len(lines) == 0 {
		if len(e.app.Into(n.Ref, wiring.Logs)) > 0 {
			return nil, "access logs accumulate with traffic and lifecycle rules; their storage is not estimated"
		}
		return nil, "no writer among the app's functions and no CloudFront in front; its storage is not estimated"
	}
	return lines, ""
}

// priceQueue bills the requests of the messages through a queue (send,
// receive, delete) and the long polling of the functions reading it.
func priceQueue(e *estimator, n *wiring.Node) ([]Line, string) {
	key := "sqs.standard.requests.million"
	if b, _ := n.Prop("FifoQueue").(bool); b || n.Str("FifoQueue") == "true" {
		key = "sqs.fifo.requests.million"
	}
	_, msgs := e.messages(n.Ref)
	pollers := float64(len(e.app.Out(n.Ref, wiring.EventSource)))
	note := fmt.Sprintf("%s messages × 3 requests", num(msgs))
	if pollers > 0 {
		note += fmt.Sprintf("; %g Lambda event source(s) long-polling: %s requests a month even when empty", pollers, num(pollers*idlePolls))
	}
	if len(e.app.Into(n.Ref, wiring.DeadLetter)) > 0 {
		note += "; a dead-letter queue: only failed messages"
	}
	idle := pollers * idlePolls
	return []Line{e.line(n, "SQS requests", key, idle/million, (idle+3*msgs)/million, note)}, ""
}

func priceTopic(e *estimator, n *wiring.Node) ([]Line, string) {
	_, msgs := e.messages(n.Ref)
	note := ""
	if msgs == 0 {
		note = "no publisher among the app's functions (alarms publish rarely)"
	}
	return []Line{e.line(n, "SNS publishes", "sns.publish.million", 0, msgs/million, note)}, ""
}

func priceWebACL(e *estimator, n *wiring.Node) ([]Line, string) {
	rules := float64(len(n.List("Rules")))
	requests := e.firewalled(n.Ref)
	return []Line{
		e.line(n, "WAF web ACL", "waf.web-acl.month", 1, 1, ""),
		e.line(n, "WAF rules and rule groups", "waf.rule.month", rules, rules, ""),
		e.line(n, "WAF requests", "waf.requests.million", 0, requests/million, "requests of what it protects"),
	}, ""
}

// firewalled is the requests per month that reach what the web ACL acl protects.
func (e *estimator) firewalled(acl wiring.Ref) float64 {
	var requests float64
	for _, ed := range e.app.Out(acl, wiring.Firewall) {
		switch e.app.Nodes[ed.To].Type {
		case "AWS::CloudFront::Distribution":
			requests += e.profile.CDNRequests
		default:
			requests += e.profile.APIRequests
		}
	}
	return requests
}

// priceAlarm bills each metric an alarm watches (metric math alarms watch
// several), at high resolution when its period is under a minute;
// anomaly detection bills three metrics per band.
func priceAlarm(e *estimator, n *wiring.Node) ([]Line, string) {
	metrics, anomaly := 1.0, false
	if m := n.List("Metrics"); len(m) > 0 {
		metrics = 0
		for _, q := range m {
			qm, _ := q.(map[string]any)
			if _, ok := qm["MetricStat"]; ok {
				metrics++
			}
			if ex, _ := qm["Expression"].(string); strings.Contains(ex, "ANOMALY_DETECTION_BAND") {
				anomaly = true
			}
		}
	}
	if anomaly {
		metrics *= 3
	}
	key, item := "cloudwatch.alarm.standard.month", "standard-resolution alarm"
	if p, ok := n.Number("Period"); ok && p < 60 {
		key, item = "cloudwatch.alarm.high-resolution.month", "high-resolution alarm"
	}
	return []Line{e.line(n, item, key, metrics, metrics, "")}, ""
}

// priceLogGroup bills ingestion: what its writers log per invocation or
// request, plus the profile's LogGB once when other writers (flow logs, a
// database, builds) write to it.
func priceLogGroup(e *estimator, n *wiring.Node) ([]Line, string) {
	var idle, profile float64
	var from []string
	other := false
	for _, ed := range e.app.Into(n.Ref, wiring.Logs) {
		w := e.app.Nodes[ed.From]
		from = append(from, w.Name())
		switch w.Type {
		case "AWS::Lambda::Function":
			i, p, _ := e.invocations(ed.From)
			idle, profile = idle+i*e.profile.LogKB/1e6, profile+p*e.profile.LogKB/1e6
		case "AWS::ApiGateway::RestApi":
			profile += e.profile.APIRequests * e.profile.LogKB / 1e6
		case "AWS::WAFv2::WebACL":
			// Only what it blocks or counts: its logging filter drops the rest.
			profile += e.firewalled(ed.From) * e.profile.WAFLoggedShare * e.profile.WAFLogKB / 1e6
		default:
			other = true
		}
	}
	if other {
		profile += e.profile.LogGB
	}
	note := "writers: " + strings.Join(from, ", ")
	if len(from) == 0 {
		note = "no writer in the templates; storage not priced"
	}
	return []Line{e.line(n, "CloudWatch Logs ingestion", "cloudwatch.logs.ingest.gb", idle, profile, note)}, ""
}

func priceParameter(e *estimator, n *wiring.Node) ([]Line, string) {
	if n.Str("Tier") != "Advanced" {
		return nil, "free: a standard parameter"
	}
	return []Line{e.line(n, "advanced parameter", "ssm.parameter.advanced.month", 1, 1, "")}, ""
}

// pricePipeline bills a V2 pipeline's action minutes per run (CodeBuild
// actions BuildMinutes, manual approvals nothing, others ActionMinutes) and
// a V1 pipeline by the month.
func pricePipeline(e *estimator, n *wiring.Node) ([]Line, string) {
	if n.Str("PipelineType") != "V2" {
		return []Line{e.line(n, "active V1 pipeline", "codepipeline.v1.pipeline-month", 0, 1, "billed in months with a run")}, ""
	}
	var minutes float64
	var actions int
	for _, st := range n.List("Stages") {
		sm, _ := st.(map[string]any)
		list, _ := sm["Actions"].([]any)
		for _, a := range list {
			am, _ := a.(map[string]any)
			id, _ := am["ActionTypeId"].(map[string]any)
			switch id["Provider"] {
			case "Manual":
			case "CodeBuild":
				minutes += e.profile.BuildMinutes
				actions++
			default:
				minutes += e.profile.ActionMinutes
				actions++
			}
		}
	}
	return []Line{e.line(n, "V2 pipeline action minutes", "codepipeline.v2.action-minute", 0, e.profile.PipelineRuns*minutes,
		fmt.Sprintf("%d billed actions, %g minutes per run", actions, minutes))}, ""
}

// priceProject bills build minutes for each run of the pipelines that use it.
func priceProject(e *estimator, n *wiring.Node) ([]Line, string) {
	compute := strings.ToLower(n.Str("Environment", "ComputeType"))
	if n.Str("Environment", "Type") != "LINUX_CONTAINER" {
		compute = ""
	}
	key := "codebuild." + compute + ".minute"
	if _, ok := e.prices.Prices[key]; !ok {
		return nil, fmt.Sprintf("compute %s/%s is not in the price table", n.Str("Environment", "Type"), n.Str("Environment", "ComputeType"))
	}
	runs := float64(len(e.app.Into(n.Ref, wiring.Build))) * e.profile.PipelineRuns
	return []Line{e.line(n, "CodeBuild minutes", key, 0, runs*e.profile.BuildMinutes,
		fmt.Sprintf("%s pipeline runs × %g minutes", num(runs), e.profile.BuildMinutes))}, ""
}
