package mapping

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/stagetest"
)

// The golden templates of each stage, which the snapshot test (go test ./test) keeps equal to
// what `make synth` writes.
var stages = []string{"Dev", "Staging", "Prod"}

func golden(stage string) string {
	return filepath.Join("..", "..", "..", "..", "test", "testdata", stage)
}

func TestReadsEveryStage(t *testing.T) {
	for _, stage := range stages {
		t.Run(stage, func(t *testing.T) {
			s, err := Read(golden(stage))
			if err != nil {
				t.Fatal(err)
			}
			c := s.Cognito.Settings
			if c.Password.MinimumLength < 8 || c.AccessTokenTTL <= 0 || c.RefreshTokenTTL <= c.AccessTokenTTL {
				t.Errorf("Cognito settings look unread: %+v", c)
			}
			if s.API.Function.Resource == nil || s.Queue.Function.Resource == nil || s.Outbox.Function.Resource == nil {
				t.Errorf("functions not found: api %v, worker %v, outbox %v", s.API.Function.Resource, s.Queue.Function.Resource, s.Outbox.Function.Resource)
			}
			if s.Queue.Function.Resource == s.API.Function.Resource || s.Outbox.Function.Resource == s.API.Function.Resource {
				t.Error("the worker or the outbox was taken for the API's function")
			}
			if s.Queue.MaxReceiveCount < 1 || s.Queue.VisibilityTimeout <= s.Queue.Function.Timeout || s.Outbox.Every <= 0 {
				t.Errorf("queue or schedule look unread: %+v, every %v", s.Queue, s.Outbox.Every)
			}
		})
	}
}

// Prod requires MFA, Dev and Staging offer it: read from each stage's pool, as the sign-in guard
// in ./test expects.
func TestMFAPerStage(t *testing.T) {
	want := map[string]string{"Dev": "OPTIONAL", "Staging": "OPTIONAL", "Prod": "ON"}
	for _, stage := range stages {
		s, err := Read(golden(stage))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Cognito.Settings.MFA; got != want[stage] {
			t.Errorf("%s: MFA %q, want %q", stage, got, want[stage])
		}
		if !reflect.DeepEqual(s.Cognito.Settings.EnabledMFAs, []string{"SOFTWARE_TOKEN_MFA"}) {
			t.Errorf("%s: EnabledMFAs %v", stage, s.Cognito.Settings.EnabledMFAs)
		}
	}
}

// Every property the stand-ins read is in every stage's templates, and the mapping follows it: a
// copy with the number changed, or without the property, reads differently. So a property renamed by a CDK upgrade, or dropped by a
// construct, fails here instead of silently taking CloudFormation's default.
func TestEveryReadPropertyIsPresentAndFollowed(t *testing.T) {
	read := []struct {
		typ  string
		path []string
	}{
		{"AWS::Cognito::UserPool", []string{"Policies", "PasswordPolicy", "MinimumLength"}},
		{"AWS::Cognito::UserPool", []string{"MfaConfiguration"}},
		{"AWS::Cognito::UserPool", []string{"EnabledMfas"}},
		{"AWS::Cognito::UserPool", []string{"AccountRecoverySetting"}},
		{"AWS::Cognito::UserPoolClient", []string{"ExplicitAuthFlows"}},
		{"AWS::Cognito::UserPoolClient", []string{"AccessTokenValidity"}},
		{"AWS::Cognito::UserPoolClient", []string{"IdTokenValidity"}},
		{"AWS::Cognito::UserPoolClient", []string{"RefreshTokenValidity"}},
		{"AWS::Cognito::UserPoolClient", []string{"PreventUserExistenceErrors"}},
		{"AWS::ApiGateway::Stage", []string{"MethodSettings"}},
		{"AWS::SQS::Queue", []string{"VisibilityTimeout"}},
		{"AWS::SQS::Queue", []string{"RedrivePolicy", "maxReceiveCount"}},
		{"AWS::Lambda::EventSourceMapping", []string{"BatchSize"}},
		{"AWS::Events::Rule", []string{"ScheduleExpression"}},
		{"AWS::Lambda::Function", []string{"Environment", "Variables"}},
		{"AWS::SSM::Parameter", []string{"Value"}},
		{"Custom::S3BucketNotifications", []string{"NotificationConfiguration"}},
		{"Custom::CDKBucketDeployment", []string{"SourceMarkers"}},
	}
	for _, stage := range stages {
		base, err := Read(golden(stage))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range read {
			name := stage + "/" + p.typ + "." + strings.Join(p.path, ".")
			dir := stagetest.Mutated(t, golden(stage), func(r map[string]any) bool {
				if r["Type"] != p.typ {
					return false
				}
				props, _ := r["Properties"].(map[string]any)
				parent := props
				for _, k := range p.path[:len(p.path)-1] {
					parent, _ = parent[k].(map[string]any)
				}
				key := p.path[len(p.path)-1]
				v, ok := parent[key]
				if !ok {
					return false
				}
				if n, isNumber := v.(float64); isNumber {
					parent[key] = n + 1
				} else {
					delete(parent, key)
				}
				return true
			})
			if dir == "" {
				t.Errorf("%s: no such property in the templates (renamed?); the local stack reads it", name)
				continue
			}
			after, err := Read(dir)
			if err == nil && reflect.DeepEqual(settingsOf(base), settingsOf(after)) {
				t.Errorf("%s: changing it changes nothing the local stack reads", name)
			}
		}
	}
}

// settingsOf is what the stand-ins are given, without the resources' identities.
func settingsOf(s *Stage) []any {
	params := map[string]string{}
	for name, p := range s.Parameters {
		params[name] = fmt.Sprint(p.Value, p.Problem)
	}
	var notifications, site []string
	for _, n := range s.Notifications {
		notifications = append(notifications, fmt.Sprint(n.Events, n.Prefix, n.Suffix))
	}
	for _, f := range s.Site {
		site = append(site, fmt.Sprint(f.Path, string(f.Body), f.Markers))
	}
	return []any{s.Cognito.Settings, s.API.ThrottleRate, s.API.ThrottleBurst, s.Queue.VisibilityTimeout,
		s.Queue.MaxReceiveCount, s.Queue.BatchSize, s.Queue.Function.Timeout, s.Outbox.Every,
		s.API.Function.Environment, s.Queue.Function.Environment, params, notifications, site}
}

// Each function's environment resolves to the local stand-ins' names, in every stage: the API's
// bucket is the worker's and the one the notifications come from, its parameter is one of the
// stage's, and a token the local stack cannot resolve is an error naming the variable.
func TestEnvironmentResolvesToTheStandIns(t *testing.T) {
	for _, stage := range stages {
		s, err := Read(golden(stage))
		if err != nil {
			t.Fatal(err)
		}
		db := []string{"DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_IAM_AUTH", "DB_PROXY"}
		api, err := s.Env(s.API.Function, Locals{}, db...)
		if err != nil {
			t.Fatalf("%s: %v", stage, err)
		}
		worker, err := s.Env(s.Queue.Function, Locals{}, db...)
		if err != nil {
			t.Fatalf("%s: %v", stage, err)
		}
		if api["STAGE"] != stage || api["UPLOADS_BUCKET"] == "" || api["UPLOADS_BUCKET"] != worker["UPLOADS_BUCKET"] {
			t.Errorf("%s: api %v, worker %v", stage, api, worker)
		}
		if p, ok := s.Parameters[api["APP_CONFIG_PARAM"]]; !ok || p.Problem != nil || !strings.Contains(p.Value, "maxAttachmentBytes") {
			t.Errorf("%s: APP_CONFIG_PARAM %q is not the app's parameter: %+v", stage, api["APP_CONFIG_PARAM"], p)
		}
		if !strings.HasPrefix(api["EVENT_TOPIC_ARN"], "arn:aws:sns:local:000000000000:") {
			t.Errorf("%s: EVENT_TOPIC_ARN %q", stage, api["EVENT_TOPIC_ARN"])
		}
		if len(s.Notifications) != 1 || (Locals{}).Ref(s.Notifications[0].Bucket) != api["UPLOADS_BUCKET"] ||
			!s.Notifications[0].Matches("s3:ObjectCreated:Put", "attachments/a/b") || s.Notifications[0].Matches("s3:ObjectCreated:Put", "other/a") ||
			s.Notifications[0].Matches("s3:ObjectRemoved:Delete", "attachments/a/b") {
			t.Errorf("%s: notifications %+v", stage, s.Notifications)
		}
		if _, err := s.Env(s.API.Function, Locals{}); err == nil || !strings.Contains(err.Error(), "Environment.Variables.DB_HOST") {
			t.Errorf("%s: DB_HOST (an Aurora endpoint) resolved, or its error does not name it: %v", stage, err)
		}
	}
}

func TestErrorsNameTheResourceAndProperty(t *testing.T) {
	dir := stagetest.Mutated(t, golden("Prod"), func(r map[string]any) bool {
		props, _ := r["Properties"].(map[string]any)
		switch r["Type"] {
		case "AWS::Cognito::UserPool":
			props["MfaConfiguration"] = map[string]any{"Fn::If": []any{"c", "ON", "OFF"}}
		case "AWS::SQS::Queue":
			if _, ok := props["RedrivePolicy"]; !ok {
				return false
			}
			delete(props, "RedrivePolicy")
		default:
			return false
		}
		return true
	})
	_, err := Read(dir)
	if err == nil {
		t.Fatal("Read accepted an unresolvable MfaConfiguration and a queue without a dead-letter queue")
	}
	for _, want := range []string{
		"AWS::Cognito::UserPool App/ApiUserPool", "property MfaConfiguration is an unresolved Fn::If",
		"AWS::SQS::Queue App/EventsWorkerQueue", "property RedrivePolicy is missing",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestAnAssemblyWithoutAPoolIsAStartUpError(t *testing.T) {
	dir := stagetest.Mutated(t, golden("Dev"), func(r map[string]any) bool {
		if r["Type"] == "AWS::Cognito::UserPool" {
			r["Type"] = "AWS::Cognito::Removed"
			return true
		}
		return false
	})
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "has no AWS::Cognito::UserPool") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadsACloudAssemblyThroughItsManifest(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, golden("Dev"), dir)
	// As cdk synth writes it: stack templates named by artifact id, listed in manifest.json, next
	// to other artifacts.
	manifest := map[string]any{"version": "48.0.0", "artifacts": map[string]any{}}
	arts := manifest["artifacts"].(map[string]any)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		stack := strings.TrimSuffix(e.Name(), ".template.json")
		renamed := "Dev" + stack + "0123ABCD.template.json"
		if err := os.Rename(filepath.Join(dir, e.Name()), filepath.Join(dir, renamed)); err != nil {
			t.Fatal(err)
		}
		arts["Dev"+stack] = map[string]any{"type": "aws:cloudformation:stack", "properties": map[string]any{"templateFile": renamed, "stackName": "Dev-" + stack}}
		arts["Dev"+stack+".assets"] = map[string]any{"type": "cdk:asset-manifest", "properties": map[string]any{"file": "Dev" + stack + "0123ABCD.assets.json"}}
	}
	// The site's generated config.json is an asset, found through the stack's asset manifest by
	// the object key its deployment names (the goldens' is "<ASSET-HASH>.zip").
	asset := filepath.Join(dir, "asset.config")
	if err := os.MkdirAll(asset, 0o755); err != nil {
		t.Fatal(err)
	}
	config := `{"region":"eu-west-1","userPoolClientId":"<<marker:0xbaba:0>>","userPoolId":"<<marker:0xbaba:1>>"}`
	if err := os.WriteFile(filepath.Join(asset, "config.json"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	writeJSON(t, filepath.Join(dir, "DevWeb0123ABCD.assets.json"), map[string]any{"files": map[string]any{
		"abc": map[string]any{"source": map[string]any{"path": "asset.config", "packaging": "zip"},
			"destinations": map[string]any{"d": map[string]any{"objectKey": "<ASSET-HASH>.zip"}}},
	}})
	writeJSON(t, filepath.Join(dir, "manifest.json"), manifest)
	s, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Assembly.Stacks) != len(entries) {
		t.Errorf("read %d stacks, want %d", len(s.Assembly.Stacks), len(entries))
	}
	if len(s.Site) != 1 || s.Site[0].Path != "config.json" {
		t.Fatalf("site files %+v, want the deployment's config.json", s.Site)
	}
	body, err := s.Site[0].Resolve(s.Assembly, Locals{Refs: map[*Resource]string{s.Cognito.Pool: "pool-1", s.Cognito.Client: "client-1"}})
	if want := `{"region":"eu-west-1","userPoolClientId":"client-1","userPoolId":"pool-1"}`; err != nil || string(body) != want {
		t.Errorf("config.json resolved to %s, %v; want %s", body, err, want)
	}
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(src, "*.template.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Staging and Prod put a web ACL in front of the API: its per-IP rate limit and the common rule
// set's 8 KB body limit are read; Dev has none.
func TestWAFPerStage(t *testing.T) {
	for _, stage := range stages {
		s, err := Read(golden(stage))
		if err != nil {
			t.Fatal(err)
		}
		if stage == "Dev" {
			if s.WAF.ACL != nil {
				t.Errorf("Dev: a web ACL %v", s.WAF.ACL)
			}
			continue
		}
		w := s.WAF
		if len(w.RateLimits) != 1 || w.RateLimits[0].Limit < 1 || w.RateLimits[0].Window <= 0 || w.RateLimits[0].Response.Status != 429 {
			t.Errorf("%s: rate limits %+v", stage, w.RateLimits)
		}
		// The app's text routes are exempt from the body limit (issue 29), everything else is not.
		if w.BodyLimit != 8192 || !reflect.DeepEqual(w.BodyLimitExempt, []string{"/v1/items"}) || w.BodyResponse.Status != 403 ||
			!strings.Contains(string(w.BodyResponse.Body), "REQUEST_BLOCKED") {
			t.Errorf("%s: body limit %d, exempt %v, response %d %s", stage, w.BodyLimit, w.BodyLimitExempt, w.BodyResponse.Status, w.BodyResponse.Body)
		}
	}
	webACL := func(edit func(rules []any) []any) string {
		return stagetest.Mutated(t, golden("Prod"), func(r map[string]any) bool {
			if r["Type"] != "AWS::WAFv2::WebACL" {
				return false
			}
			p := stagetest.Props(r)
			p["Rules"] = edit(p["Rules"].([]any))
			return true
		})
	}
	read := func(dir string) WAF {
		t.Helper()
		s, err := Read(dir)
		if err != nil {
			t.Fatal(err)
		}
		return s.WAF
	}
	// Without the rule that blocks the size label off the text routes, nothing blocks on size.
	w := read(webACL(func(rules []any) []any {
		var kept []any
		for _, r := range rules {
			if r.(map[string]any)["Name"] != "TextBodyRulesOutsideTextPaths" {
				kept = append(kept, r)
			}
		}
		return kept
	}))
	if w.BodyLimit != 0 {
		t.Errorf("SizeRestrictions_BODY counted and no rule on its label: BodyLimit %d, want 0", w.BodyLimit)
	}
	// Without the count override, the managed rule blocks everywhere with WAF's own answer.
	w = read(webACL(func(rules []any) []any {
		for _, r := range rules {
			if mg, ok := r.(map[string]any)["Statement"].(map[string]any)["ManagedRuleGroupStatement"].(map[string]any); ok {
				delete(mg, "RuleActionOverrides")
			}
		}
		return rules
	}))
	if w.BodyLimit != 8192 || len(w.BodyLimitExempt) != 0 || w.BodyResponse.Status != 0 {
		t.Errorf("SizeRestrictions_BODY blocking: body limit %d, exempt %v, response %d", w.BodyLimit, w.BodyLimitExempt, w.BodyResponse.Status)
	}
}
