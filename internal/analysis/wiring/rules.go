package wiring

import (
	"fmt"
	"sort"
	"strings"
)

// The types the rules below connect.
const (
	tFunction     = "AWS::Lambda::Function"
	tQueue        = "AWS::SQS::Queue"
	tTopic        = "AWS::SNS::Topic"
	tBucket       = "AWS::S3::Bucket"
	tRestAPI      = "AWS::ApiGateway::RestApi"
	tHTTPAPI      = "AWS::ApiGatewayV2::Api"
	tLogGroup     = "AWS::Logs::LogGroup"
	tSecGroup     = "AWS::EC2::SecurityGroup"
	tRole         = "AWS::IAM::Role"
	tCodeBuild    = "AWS::CodeBuild::Project"
	tPipeline     = "AWS::CodePipeline::Pipeline"
	tStateMachine = "AWS::StepFunctions::StateMachine"
)

// wire applies every rule to every resource.
func (a *App) wire() {
	for _, ref := range a.sortedRefs() {
		n := a.Nodes[ref]
		s := ref.Stack
		switch t := n.Type; {
		case t == "AWS::ApiGateway::Method":
			for _, api := range a.RefsOfType(s, n.Prop("RestApiId"), tRestAPI) {
				for _, fn := range a.RefsOfType(s, n.Prop("Integration", "Uri"), tFunction) {
					a.add(api, fn, Integration, "")
				}
			}
		case t == "AWS::ApiGatewayV2::Integration":
			for _, api := range a.RefsOfType(s, n.Prop("ApiId"), tHTTPAPI) {
				for _, fn := range a.RefsOfType(s, n.Prop("IntegrationUri"), tFunction) {
					a.add(api, fn, Integration, "")
				}
			}
		case t == "AWS::ApiGateway::Authorizer":
			a.cross(s, n.Prop("RestApiId"), n.Prop("ProviderARNs"), Authorizer, "")
		case t == "AWS::ApiGateway::Stage":
			a.cross(s, n.Prop("RestApiId"), n.Prop("AccessLogSetting", "DestinationArn"), Logs, "")
		case t == "AWS::Lambda::Alias":
			if u, ok := n.UpdatePolicy["CodeDeployLambdaAliasUpdate"].(map[string]any); ok {
				a.cross(s, u["DeploymentGroupName"], n.Prop("FunctionName"), Rollout, "")
			}
		case t == "AWS::Lambda::EventSourceMapping":
			a.cross(s, n.Prop("EventSourceArn"), n.Prop("FunctionName"), EventSource, "")
		case t == "AWS::SNS::Subscription":
			a.cross(s, n.Prop("TopicArn"), n.Prop("Endpoint"), Subscription, n.Str("Protocol"))
		case t == tTopic:
			for _, sub := range n.List("Subscription") {
				m, _ := sub.(map[string]any)
				a.cross(s, Ref{s, ref.ID}, m["Endpoint"], Subscription, fmt.Sprint(m["Protocol"]))
			}
		case t == tBucket:
			a.notifications(s, ref, n.Prop("NotificationConfiguration"), "Topic", "Queue", "Function")
			a.cross(s, Ref{s, ref.ID}, n.Prop("LoggingConfiguration", "DestinationBucketName"), Logs, "")
		case t == "Custom::S3BucketNotifications":
			for _, b := range a.RefsOfType(s, n.Prop("BucketName"), tBucket) {
				a.notifications(s, b, n.Prop("NotificationConfiguration"), "TopicArn", "QueueArn", "LambdaFunctionArn")
			}
			a.cross(s, Ref{s, ref.ID}, n.Prop("ServiceToken"), CustomResource, "")
		case t == "AWS::CloudFront::Distribution":
			a.distribution(s, ref, n)
		case t == "AWS::Events::Rule":
			a.rule(s, ref, n)
		case t == tQueue:
			a.cross(s, Ref{s, ref.ID}, n.Prop("RedrivePolicy", "deadLetterTargetArn"), DeadLetter, "")
		case t == tFunction:
			a.cross(s, Ref{s, ref.ID}, n.Prop("DeadLetterConfig", "TargetArn"), DeadLetter, "")
			a.cross(s, Ref{s, ref.ID}, n.Prop("LoggingConfig", "LogGroup"), Logs, "")
		case t == "AWS::IAM::Policy" || t == "AWS::IAM::ManagedPolicy":
			for _, role := range a.Refs(s, n.Prop("Roles")) {
				a.grants(role, s, n.Prop("PolicyDocument"))
			}
		case t == tRole:
			for _, p := range n.List("Policies") {
				m, _ := p.(map[string]any)
				a.grants(ref, s, m["PolicyDocument"])
			}
		case t == "AWS::EC2::SecurityGroupIngress":
			a.ingress(s, n.Prop("GroupId"), n.Prop("SourceSecurityGroupId"), n.Prop("FromPort"))
		case t == tSecGroup:
			for _, in := range n.List("SecurityGroupIngress") {
				m, _ := in.(map[string]any)
				a.ingress(s, Ref{s, ref.ID}, m["SourceSecurityGroupId"], m["FromPort"])
			}
		case t == "AWS::RDS::DBProxyTargetGroup":
			a.cross(s, n.Prop("DBProxyName"), n.Prop("DBClusterIdentifiers"), Proxy, "")
		case t == "AWS::RDS::DBInstance":
			for _, c := range a.Refs(s, n.Prop("DBClusterIdentifier")) {
				a.add(ref, c, Member, "")
			}
		case t == "AWS::WAFv2::WebACLAssociation":
			a.cross(s, n.Prop("WebACLArn"), n.Prop("ResourceArn"), Firewall, "")
		case t == "AWS::WAFv2::LoggingConfiguration":
			a.cross(s, n.Prop("ResourceArn"), n.Prop("LogDestinationConfigs"), Logs, "")
		case t == tLogGroup:
			// A log group named after its writer: /aws/lambda/<function>,
			// /aws/rds/cluster/<cluster>/postgresql.
			a.cross(s, n.Prop("LogGroupName"), Ref{s, ref.ID}, Logs, "")
		case t == "AWS::EC2::FlowLog":
			a.cross(s, n.Prop("ResourceId"), n.Prop("LogGroupName"), Logs, "")
		case t == tCodeBuild:
			a.cross(s, Ref{s, ref.ID}, n.Prop("LogsConfig", "CloudWatchLogs", "GroupName"), Logs, "")
		case t == tPipeline:
			a.pipeline(s, ref, n)
		case strings.HasPrefix(t, "Custom::") || t == "AWS::CloudFormation::CustomResource":
			a.cross(s, Ref{s, ref.ID}, n.Prop("ServiceToken"), CustomResource, "")
		}
	}
}

func (a *App) sortedRefs() []Ref {
	refs := make([]Ref, 0, len(a.Nodes))
	for r := range a.Nodes {
		refs = append(refs, r)
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].String() < refs[j].String() })
	return refs
}

// cross adds an edge from every resource from names to every resource to
// names; either may be a Ref already.
func (a *App) cross(stack string, from, to any, kind Kind, detail string) {
	for _, f := range a.resolve(stack, from) {
		for _, t := range a.resolve(stack, to) {
			a.add(f, t, kind, detail)
		}
	}
}

func (a *App) resolve(stack string, v any) []Ref {
	if r, ok := v.(Ref); ok {
		return []Ref{a.Owner(r)}
	}
	var out []Ref
	for _, r := range a.Refs(stack, v) {
		out = append(out, a.Owner(r))
	}
	return out
}

// notifications reads S3 notification configurations, in the native
// (TopicConfigurations[].Topic) or CDK custom resource (…[].TopicArn) shape.
func (a *App) notifications(stack string, bucket Ref, cfg any, topicKey, queueKey, fnKey string) {
	m, _ := cfg.(map[string]any)
	for list, key := range map[string]string{"TopicConfigurations": topicKey, "QueueConfigurations": queueKey,
		"LambdaConfigurations": fnKey, "LambdaFunctionConfigurations": fnKey} {
		items, _ := m[list].([]any)
		for _, it := range items {
			im, _ := it.(map[string]any)
			a.cross(stack, bucket, im[key], Notification, "")
		}
	}
}

func (a *App) distribution(stack string, ref Ref, n *Node) {
	for _, o := range n.List("DistributionConfig", "Origins") {
		m, _ := o.(map[string]any)
		a.cross(stack, ref, m["DomainName"], Origin, strings.Join(originPaths(n, m["Id"]), " "))
	}
	a.cross(stack, n.Prop("DistributionConfig", "WebACLId"), ref, Firewall, "")
	a.cross(stack, ref, n.Prop("DistributionConfig", "Logging", "Bucket"), Logs, "")
}

// originPaths lists the path patterns a distribution sends to origin id:
// "default" for its default behaviour.
func originPaths(n *Node, id any) []string {
	var out []string
	if n.Prop("DistributionConfig", "DefaultCacheBehavior", "TargetOriginId") == id {
		out = append(out, "default")
	}
	for _, b := range n.List("DistributionConfig", "CacheBehaviors") {
		m, _ := b.(map[string]any)
		if m["TargetOriginId"] == id {
			out = append(out, fmt.Sprint(m["PathPattern"]))
		}
	}
	return out
}

func (a *App) rule(stack string, ref Ref, n *Node) {
	kind, detail := EventRule, ""
	if expr := n.Str("ScheduleExpression"); expr != "" {
		kind, detail = Schedule, expr
	}
	for _, t := range n.List("Targets") {
		m, _ := t.(map[string]any)
		a.cross(stack, ref, m["Arn"], kind, detail)
		if dl, ok := m["DeadLetterConfig"].(map[string]any); ok {
			a.cross(stack, ref, dl["Arn"], DeadLetter, "")
		}
	}
}

// grants adds an edge from each principal of role to each resource an
// Allow statement names, with the statement's actions. Resource "*" names
// nothing in particular and adds no edge.
func (a *App) grants(role Ref, stack string, doc any) {
	d, _ := doc.(map[string]any)
	stmts, ok := d["Statement"].([]any)
	if !ok {
		stmts = []any{d["Statement"]}
	}
	principals := a.principals(role)
	for _, st := range stmts {
		m, _ := st.(map[string]any)
		if m == nil || m["Effect"] != "Allow" {
			continue
		}
		detail := strings.Join(strs(m["Action"]), ",")
		for _, target := range a.resolve(stack, m["Resource"]) {
			for _, p := range principals {
				a.add(p, target, Grant, detail)
			}
		}
	}
}

// principals are the resources that act with role: functions, build
// projects, pipelines, state machines; the role itself when none does.
func (a *App) principals(role Ref) []Ref {
	var out []Ref
	for _, n := range a.NodesOf(role.Stack, tFunction, tCodeBuild, tPipeline, tStateMachine) {
		var v any
		switch n.Type {
		case tFunction:
			v = n.Prop("Role")
		case tCodeBuild:
			v = n.Prop("ServiceRole")
		default:
			v = n.Prop("RoleArn")
		}
		for _, r := range a.Refs(n.Stack, v) {
			if r == role {
				out = append(out, n.Ref)
			}
		}
	}
	if len(out) == 0 {
		out = []Ref{role}
	}
	return out
}

// ingress connects the resources using the source security group to those
// using the target group.
func (a *App) ingress(stack string, group, source, port any) {
	detail := ""
	if p, ok := port.(float64); ok {
		detail = fmt.Sprint(p)
	}
	for _, g := range a.resolve(stack, group) {
		for _, src := range a.resolve(stack, source) {
			for _, client := range a.sgMembers(src) {
				for _, server := range a.sgMembers(g) {
					a.add(client, server, Connection, detail)
				}
			}
		}
	}
}

// sgMembers lists the resources placed in security group sg.
func (a *App) sgMembers(sg Ref) []Ref {
	props := map[string][]string{
		tFunction:                        {"VpcConfig", "SecurityGroupIds"},
		"AWS::RDS::DBCluster":            {"VpcSecurityGroupIds"},
		"AWS::RDS::DBProxy":              {"VpcSecurityGroupIds"},
		"AWS::RDS::DBInstance":           {"VPCSecurityGroups"},
		tCodeBuild:                       {"VpcConfig", "SecurityGroupIds"},
		"AWS::EC2::VPCEndpoint":          {"SecurityGroupIds"},
		"AWS::ElastiCache::CacheCluster": {"VpcSecurityGroupIds"},
	}
	var out []Ref
	for _, n := range a.sortedRefs() {
		node := a.Nodes[n]
		keys, ok := props[node.Type]
		if !ok {
			continue
		}
		for _, r := range a.Refs(n.Stack, node.Prop(keys...)) {
			if r == sg {
				out = append(out, a.Owner(n))
			}
		}
	}
	return out
}

// pipeline adds the stacks a pipeline deploys and the projects it builds with.
func (a *App) pipeline(stack string, ref Ref, n *Node) {
	for _, st := range n.List("Stages") {
		sm, _ := st.(map[string]any)
		actions, _ := sm["Actions"].([]any)
		for _, ac := range actions {
			am, _ := ac.(map[string]any)
			cfg, _ := am["Configuration"].(map[string]any)
			if name, ok := cfg["StackName"].(string); ok {
				if path, ok := a.byName[name]; ok {
					a.add(ref, Ref{Stack: path}, Deploy, "")
				}
			}
			a.cross(stack, ref, cfg["ProjectName"], Build, "")
		}
	}
}

// strs flattens a string or a list of strings.
func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		sort.Strings(out)
		return out
	}
	return nil
}
