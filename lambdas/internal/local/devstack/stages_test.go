package devstack

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/local/mapping"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/stagetest"
)

// stageOf reads a stage's golden templates (test/testdata/<stage>, which the snapshot test keeps
// equal to `make synth`'s), so that these tests run what that stage deploys without a synth.
func stageOf(tb testing.TB, stage string) *mapping.Stage {
	tb.Helper()
	s, err := mapping.Read(stagetest.Golden(stage))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// startStage starts the stack on the stage in dir, on a database of its own.
func startStage(t *testing.T, dir string) (*Stack, client) {
	t.Helper()
	stage, err := mapping.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	stack, err := Start(ctx, Config{Stage: stage, Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: pgtest.NewDB(t), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stack.Shutdown(ctx) })
	return stack, client{t: t, stack: stack}
}

// confirmedUser signs email up and confirms it with the mailbox's code, without signing in.
func (c client) confirmedUser(email, password string) (status int, out map[string]any) {
	c.t.Helper()
	if status, out := c.cognito("SignUp", map[string]any{"ClientId": ClientID, "Username": email, "Password": password,
		"UserAttributes": []map[string]string{{"Name": "email", "Value": email}}}); status != 200 {
		return status, out
	}
	_, mail := c.call(http.MethodGet, c.stack.URLs.Mailbox+"?to="+email, nil, nil)
	msgs, _ := mail["messages"].([]any)
	if len(msgs) == 0 {
		c.t.Fatalf("no confirmation code for %s: %v", email, mail)
	}
	code, _ := msgs[len(msgs)-1].(map[string]any)["code"].(string)
	return c.cognito("ConfirmSignUp", map[string]any{"ClientId": ClientID, "Username": email, "ConfirmationCode": code})
}

// The local stack follows the templates it runs, with no local code touched: in a copy of Dev's
// templates with one setting changed, the behaviour that setting controls changes, and in the
// unchanged copy (the control) it does not.
func TestLocalBehaviourFollowsTheTemplates(t *testing.T) {
	type edit func(resource map[string]any) bool
	on := func(typ string, change func(props map[string]any) bool) edit {
		return func(r map[string]any) bool { return r["Type"] == typ && change(stagetest.Props(r)) }
	}
	cases := []struct {
		name string
		edit edit
		// observe returns what the behaviour looked like: it must differ between the control and the edit.
		observe func(t *testing.T, stack *Stack, c client) string
	}{
		{"the password's minimum length",
			on("AWS::Cognito::UserPool", func(p map[string]any) bool {
				p["Policies"].(map[string]any)["PasswordPolicy"].(map[string]any)["MinimumLength"] = 30
				return true
			}),
			func(t *testing.T, _ *Stack, c client) string {
				status, out := c.cognito("SignUp", map[string]any{"ClientId": ClientID, "Username": "len@example.com", "Password": password,
					"UserAttributes": []map[string]string{{"Name": "email", "Value": "len@example.com"}}})
				return fmt.Sprint(status, " ", out["__type"])
			}},
		{"MFA off → on",
			on("AWS::Cognito::UserPool", func(p map[string]any) bool { p["MfaConfiguration"] = "ON"; return true }),
			func(t *testing.T, _ *Stack, c client) string {
				if status, out := c.confirmedUser("mfa@example.com", password); status != 200 {
					t.Fatalf("sign-up = %d %v", status, out)
				}
				_, out := c.cognito("InitiateAuth", map[string]any{"ClientId": ClientID, "AuthFlow": "USER_PASSWORD_AUTH",
					"AuthParameters": map[string]string{"USERNAME": "mfa@example.com", "PASSWORD": password}})
				return fmt.Sprint("challenge: ", out["ChallengeName"], ", tokens: ", out["AuthenticationResult"] != nil)
			}},
		{"the API's throttle rate and burst",
			on("AWS::ApiGateway::Stage", func(p map[string]any) bool {
				s := p["MethodSettings"].([]any)[0].(map[string]any)
				s["ThrottlingRateLimit"], s["ThrottlingBurstLimit"] = 0.1, 2
				return true
			}),
			func(t *testing.T, _ *Stack, c client) string {
				var statuses []string
				for range 3 {
					status, out := c.api("GET", "/health", "", nil)
					statuses = append(statuses, fmt.Sprint(status, out["error"]))
				}
				return strings.Join(statuses, ", ")
			}},
		{"a request model's maxLength",
			on("AWS::ApiGateway::Model", func(p map[string]any) bool {
				props, _ := p["Schema"].(map[string]any)["properties"].(map[string]any)
				title, ok := props["title"].(map[string]any)
				if ok {
					title["maxLength"] = 5
				}
				return ok
			}),
			func(t *testing.T, _ *Stack, c client) string {
				token := c.signUp("model@example.com", password)
				status, out := c.api("POST", "/items", token, map[string]any{"title": "Longer than five"})
				return fmt.Sprint(status, " ", out["error"])
			}},
		{"maxReceiveCount",
			on("AWS::SQS::Queue", func(p map[string]any) bool {
				rp, ok := p["RedrivePolicy"].(map[string]any)
				if ok {
					rp["maxReceiveCount"] = 1
				}
				return ok
			}),
			func(t *testing.T, stack *Stack, _ client) string { return fmt.Sprint(stack.queue.opts.MaxReceiveCount) }},
		{"the event source mapping's batching window",
			on("AWS::Lambda::EventSourceMapping", func(p map[string]any) bool { p["MaximumBatchingWindowInSeconds"] = 2; return true }),
			func(t *testing.T, stack *Stack, _ client) string { return stack.queue.opts.BatchingWindow.String() }},
		{"a function's timeout",
			on("AWS::Lambda::Function", func(p map[string]any) bool {
				if _, ok := p["Timeout"]; ok {
					p["Timeout"] = 1
				}
				return true
			}),
			func(t *testing.T, stack *Stack, _ client) string { return stack.queue.opts.Timeout.String() }},
		{"the app's SSM parameter",
			on("AWS::SSM::Parameter", func(p map[string]any) bool {
				v, _ := p["Value"].(string)
				p["Value"] = `{"maxAttachmentBytes": 4}`
				return strings.Contains(v, "maxAttachmentBytes")
			}),
			func(t *testing.T, _ *Stack, c client) string {
				status, out, _ := presignAttachment(t, c, "param@example.com")
				return fmt.Sprint(status, " ", out["error"])
			}},
		{"a function's environment",
			on("AWS::Lambda::Function", func(p map[string]any) bool {
				env, _ := p["Environment"].(map[string]any)
				vars, _ := env["Variables"].(map[string]any)
				if _, ok := vars["UPLOADS_BUCKET"]; !ok {
					return false
				}
				vars["UPLOADS_BUCKET"] = "team-uploads"
				return true
			}),
			func(t *testing.T, _ *Stack, c client) string {
				_, _, url := presignAttachment(t, c, "env@example.com")
				bucket, _, _ := strings.Cut(url.Path[len("/_local/s3/"):], "/")
				return bucket
			}},
		{"the bucket notification's key filter",
			on("Custom::S3BucketNotifications", func(p map[string]any) bool {
				for _, c := range p["NotificationConfiguration"].(map[string]any)["TopicConfigurations"].([]any) {
					rules := c.(map[string]any)["Filter"].(map[string]any)["Key"].(map[string]any)["FilterRules"].([]any)
					rules[0].(map[string]any)["Value"] = "elsewhere/"
				}
				return true
			}),
			func(t *testing.T, stack *Stack, c client) string {
				_, _, url := presignAttachment(t, c, "filter@example.com")
				bucket, key, _ := strings.Cut(url.Path[len("/_local/s3/"):], "/")
				return fmt.Sprint("notifies: ", stack.objects.notifies(bucket, key))
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := stagetest.Mutated(t, stagetest.Golden("Dev"), tc.edit)
			if dir == "" {
				t.Fatal("the edit found nothing to change in Dev's templates")
			}
			control := stagetest.Mutated(t, stagetest.Golden("Dev"), func(map[string]any) bool { return true })
			stack, c := startStage(t, control)
			want := tc.observe(t, stack, c)
			stack, c = startStage(t, dir)
			got := tc.observe(t, stack, c)
			t.Logf("control: %s; edited: %s", want, got)
			if got == want {
				t.Errorf("the edited template changed nothing: %s", got)
			}
		})
	}
}

// presignAttachment signs email up, creates an item and asks for a 5-byte attachment's upload:
// the API's answer, and the presigned URL when it gave one.
func presignAttachment(t *testing.T, c client, email string) (int, map[string]any, *url.URL) {
	t.Helper()
	token := c.signUp(email, password)
	status, item := c.api("POST", "/items", token, map[string]any{"title": "with a file"})
	if status != 201 {
		t.Fatalf("create = %d %v", status, item)
	}
	status, out := c.api("POST", "/items/"+item["id"].(string)+"/attachments", token,
		map[string]any{"fileName": "notes.txt", "contentType": "text/plain", "size": 5})
	up, _ := out["upload"].(map[string]any)
	raw, _ := up["url"].(string)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return status, out, u
}

// Each stage's site serves the config.json its deployment generates, with the pool's MFA setting
// and the stage's region, and the local Cognito's ids and endpoint; its queue runs with the stage's
// subscription settings.
func TestSiteConfigPerStage(t *testing.T) {
	for _, stage := range stagetest.Stages() {
		t.Run(stage, func(t *testing.T) {
			s := stageOf(t, stage)
			stack, c := startStage(t, stagetest.Golden(stage))
			o, q := stack.queue.opts, s.Queue
			if o.VisibilityTimeout != q.VisibilityTimeout || o.MaxReceiveCount != q.MaxReceiveCount || o.BatchSize != q.BatchSize ||
				o.Timeout != q.Function.Timeout || q.MaxReceiveCount < 1 {
				t.Errorf("queue options %+v, want the stage's %+v", o, q)
			}
			status, conf := c.call("GET", stack.URLs.Site+"config.json", nil, nil)
			if status != 200 || conf["mfa"] != s.Cognito.Settings.MFA || conf["region"] != "eu-west-1" ||
				conf["userPoolId"] != PoolID || conf["userPoolClientId"] != ClientID || conf["cognitoEndpoint"] != stack.URLs.Cognito {
				t.Errorf("config.json = %d %v", status, conf)
			}
		})
	}
}

// Prod's web ACL, emulated: its per-IP rate-based rule and the common rule set's body-size rule
// answer as the template says (the rules' custom JSON responses), and follow the template (a lower
// limit, the body rule blocking everywhere once its count override is gone).
func TestProdWebACLFollowsTheTemplate(t *testing.T) {
	webACL := func(change func(rules []any) bool) func(map[string]any) bool {
		return func(r map[string]any) bool {
			return r["Type"] == "AWS::WAFv2::WebACL" && stagetest.Props(r)["Scope"] == "REGIONAL" && change(stagetest.Props(r)["Rules"].([]any))
		}
	}
	statement := func(rules []any, kind string) map[string]any {
		for _, r := range rules {
			if s, ok := r.(map[string]any)["Statement"].(map[string]any)[kind].(map[string]any); ok {
				return s
			}
		}
		return nil
	}
	// The longest note the model accepts: over WAF's 8 KB, on the text routes the ACL exempts.
	bigNotes := strings.Repeat("n", contract.MaxNotes)
	health := func(c client, n int) string {
		var out []string
		for range n {
			status, _ := c.api("GET", "/health", "", nil)
			out = append(out, fmt.Sprint(status))
		}
		return strings.Join(out, " ")
	}
	code := func(out map[string]any) any {
		e, _ := out["error"].(map[string]any)
		return e["code"]
	}

	_, prod := startStage(t, stagetest.Golden("Prod"))
	token := prod.signUpWithTOTP(t, "waf@example.com")
	status, created := prod.api("POST", "/items", token, map[string]any{"title": "long", "notes": bigNotes})
	if status != 201 {
		t.Fatalf("a %d-character note under Prod's web ACL = %d %v, want 201", contract.MaxNotes, status, created)
	}
	if status, out := prod.api("PATCH", "/items/"+created["id"].(string), token, map[string]any{"notes": bigNotes}); status == 403 {
		t.Errorf("updating it = %d %v: the web ACL refused", status, out)
	}
	if got := health(prod, 5); got != "200 200 200 200 200" {
		t.Errorf("five requests under Prod's rate limit = %s", got)
	}

	blocking := stagetest.Mutated(t, stagetest.Golden("Prod"), webACL(func(rules []any) bool {
		delete(statement(rules, "ManagedRuleGroupStatement"), "RuleActionOverrides")
		return true
	}))
	_, c := startStage(t, blocking)
	token = c.signUpWithTOTP(t, "blocking@example.com")
	if status, out := c.api("POST", "/items", token, map[string]any{"title": "long", "notes": bigNotes}); status != 403 || code(out) != "WAF_FILTERED" {
		t.Errorf("the same note with SizeRestrictions_BODY blocking = %d %v, want WAF's 403", status, out)
	}

	// The per-client rate rule is the site's web ACL's (the API's own sees only CloudFront).
	limited := stagetest.Mutated(t, stagetest.Golden("Prod"), func(r map[string]any) bool {
		if r["Type"] != "AWS::WAFv2::WebACL" || stagetest.Props(r)["Scope"] != "CLOUDFRONT" {
			return false
		}
		statement(stagetest.Props(r)["Rules"].([]any), "RateBasedStatement")["Limit"] = 3
		return true
	})
	_, c = startStage(t, limited)
	if got := health(c, 5); got != "200 200 200 429 429" {
		t.Errorf("five requests with the rate limit at 3 = %s, want 200 200 200 429 429 (the rule's custom response)", got)
	}
	if status, out := c.api("GET", "/health", "", nil); status != 429 || code(out) != "RATE_LIMITED" {
		t.Errorf("over the limit = %d %v, want the rule's RATE_LIMITED", status, out)
	}
}

// signUpWithTOTP signs email up under a pool that requires MFA: confirmation from the mailbox,
// then the MFA_SETUP challenge (an authenticator app enrolled with its secret), and returns the
// ID token.
func (c client) signUpWithTOTP(t *testing.T, email string) string {
	t.Helper()
	if status, out := c.confirmedUser(email, password); status != 200 {
		t.Fatalf("sign-up = %d %v", status, out)
	}
	step := func(op string, body map[string]any) map[string]any {
		t.Helper()
		status, out := c.cognito(op, body)
		if status != 200 {
			t.Fatalf("%s = %d %v", op, status, out)
		}
		return out
	}
	out := step("InitiateAuth", map[string]any{"ClientId": ClientID, "AuthFlow": "USER_PASSWORD_AUTH",
		"AuthParameters": map[string]string{"USERNAME": email, "PASSWORD": password}})
	if out["ChallengeName"] != "MFA_SETUP" {
		t.Fatalf("InitiateAuth = %v, want the MFA_SETUP challenge", out)
	}
	out = step("AssociateSoftwareToken", map[string]any{"Session": out["Session"]})
	code, err := totp.GenerateCode(out["SecretCode"].(string), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	out = step("VerifySoftwareToken", map[string]any{"Session": out["Session"], "UserCode": code})
	out = step("RespondToAuthChallenge", map[string]any{"ClientId": ClientID, "ChallengeName": "MFA_SETUP", "Session": out["Session"],
		"ChallengeResponses": map[string]string{"USERNAME": email}})
	token, _ := out["AuthenticationResult"].(map[string]any)["IdToken"].(string)
	if token == "" {
		t.Fatalf("RespondToAuthChallenge = %v, want tokens", out)
	}
	return token
}
