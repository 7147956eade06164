package originsecret_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
	wafv2types "github.com/aws/aws-sdk-go-v2/service/wafv2/types"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/originsecret"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/fakeedge"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/stagetest"
)

// The stages whose API sits behind the site's web ACL, as synthesized (the
// snapshots of test/).
var stages = []string{"Staging", "Prod"}

const first = "FirstValueFromTheTemplateGenerator0123456789abcd"

func setup(t *testing.T, stage string) (*fakeedge.Edge, *originsecret.Rotator, fakeedge.Stage) {
	t.Helper()
	s := fakeedge.ReadStage(t, stagetest.Golden(stage))
	edge := fakeedge.New(t, s, first)
	cfg := aws.Config{
		Region:           "eu-west-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:     aws.String(edge.URL),
		RetryMaxAttempts: 1,
	}
	acl, err := originsecret.ParseWebACLArn(edge.WebACLArn)
	if err != nil {
		t.Fatal(err)
	}
	r := &originsecret.Rotator{
		Secrets: secretsmanager.NewFromConfig(cfg), WAF: wafv2.NewFromConfig(cfg), CloudFront: cloudfront.NewFromConfig(cfg),
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		WebACL: acl, Rule: s.Rule, Header: s.Header, DistributionID: edge.DistributionID,
		Length: contract.OriginSecretLength,
	}
	return edge, r, s
}

func (r *testRun) invoke(step, token string) error {
	return r.rot.Handle(context.Background(), events.SecretsManagerSecretRotationEvent{
		Step: step, SecretID: r.edge.SecretARN, ClientRequestToken: token,
	})
}

type testRun struct {
	edge *fakeedge.Edge
	rot  *originsecret.Rotator
}

var alnum = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// Two rotations in a row, in each stage: the distribution never sends a
// value the web ACL refuses (the fake checks after every change, counting
// edge locations that still send the old value while it deploys), each
// step happens in the order the design needs, and the web ACL ends as the
// template declares it, with the new value in the rule.
func TestRotationNeverRefusesWhatCloudFrontSends(t *testing.T) {
	for _, stage := range stages {
		t.Run(stage, func(t *testing.T) {
			edge, rot, s := setup(t, stage)
			edge.DeployReads = 3
			run := &testRun{edge, rot}
			old := first
			for range 2 {
				if _, err := edge.Rotate(run.invoke); err != nil {
					t.Fatal(err)
				}
				next := edge.Current()
				if next == old || len(next) != contract.OriginSecretLength || !alnum.MatchString(next) {
					t.Fatalf("new value %q after %q: want %d letters and digits, different", next, old, contract.OriginSecretLength)
				}
				both := []string{old, next}
				slices.Sort(both)
				wantLog := []string{"waf " + strings.Join([]string{"[" + both[0], both[1] + "]"}, " "), "cloudfront " + next, "current " + next, "waf [" + next + "]"}
				edge.Lock()
				log, violations := edge.Log, edge.Violations
				edge.Log = nil
				edge.Unlock()
				if !slices.Equal(log, wantLog) {
					t.Errorf("changes\n got %q\nwant %q", log, wantLog)
				}
				if len(violations) > 0 {
					t.Errorf("the API refused CloudFront: %q", violations)
				}
				if got := edge.Accepted(); !slices.Equal(got, []string{next}) {
					t.Errorf("web ACL accepts %q, want only %q", got, next)
				}
				if got := edge.Sent(); !slices.Equal(got, []string{next}) {
					t.Errorf("CloudFront sends %q, want %q", got, next)
				}
				assertACLAsDeclared(t, s, edge.ACL(), next)
				old = next
			}
			if cfg := edge.Config(); !strings.Contains(cfg, "site.s3.eu-west-1.amazonaws.com") || !strings.Contains(cfg, "<Comment>Stratus site</Comment>") {
				t.Errorf("the rest of the distribution's config was lost:\n%s", cfg)
			}
		})
	}
}

// assertACLAsDeclared compares the web ACL, through the SDK's own types,
// with the template's declaration resolved to value: UpdateWebACL replaces
// the whole ACL, so anything the rotation failed to carry over shows here.
func assertACLAsDeclared(t *testing.T, s fakeedge.Stage, got map[string]any, value string) {
	t.Helper()
	want := fakeedge.New(t, s, value).ACL()
	for _, m := range []map[string]any{got, want} {
		delete(m, "ARN")
		delete(m, "Id")
		delete(m, "Name")
	}
	var g, w wafv2types.WebACL
	decode(t, got, &g)
	decode(t, want, &w)
	if !reflect.DeepEqual(g, w) {
		gb, _ := json.MarshalIndent(got, "", " ")
		wb, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("web ACL after rotation differs from the template's:\n got %s\nwant %s", gb, wb)
	}
}

func decode(t *testing.T, m map[string]any, into any) {
	t.Helper()
	b, _ := json.Marshal(m)
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatal(err)
	}
}

// Secrets Manager retries a step that failed: every step run twice gives the
// same end state, and a finishSecret retried after the value became current
// still leaves the rule narrowed.
func TestStepsAreIdempotent(t *testing.T) {
	edge, rot, _ := setup(t, "Prod")
	run := &testRun{edge, rot}
	twice := func(step, token string) error {
		if err := run.invoke(step, token); err != nil {
			return err
		}
		return run.invoke(step, token)
	}
	if _, err := edge.Rotate(twice); err != nil {
		t.Fatal(err)
	}
	next := edge.Current()
	if got := edge.Accepted(); !slices.Equal(got, []string{next}) || !slices.Equal(edge.Sent(), []string{next}) {
		t.Errorf("accepted %q, sent %q; want %q", got, edge.Sent(), next)
	}
	edge.Lock()
	updates := 0
	for _, l := range edge.Log {
		if strings.HasPrefix(l, "waf ") || strings.HasPrefix(l, "cloudfront ") {
			updates++
		}
	}
	violations := edge.Violations
	edge.Unlock()
	if updates != 3 || len(violations) > 0 {
		t.Errorf("%d changes (want 3: widen, send, narrow), violations %q", updates, violations)
	}
}

// Another writer changing the web ACL or the distribution between the
// rotation's read and write: the rotation reads again and never overwrites
// with a stale copy.
func TestStaleLocksAreRetried(t *testing.T) {
	edge, rot, _ := setup(t, "Staging")
	edge.Stale = 2
	if _, err := edge.Rotate((&testRun{edge, rot}).invoke); err != nil {
		t.Fatal(err)
	}
	if got, want := edge.Accepted(), []string{edge.Current()}; !slices.Equal(got, want) {
		t.Errorf("accepted %q, want %q", got, want)
	}
}

// A rule that someone changed by hand is not the rotation's to overwrite:
// setSecret fails naming it, and CloudFront keeps the value the rule accepts.
func TestRefusesARuleOfAnotherShape(t *testing.T) {
	edge, rot, _ := setup(t, "Prod")
	rot.Rule = "AWSManagedRulesCommonRuleSet"
	_, err := edge.Rotate((&testRun{edge, rot}).invoke)
	if err == nil || !strings.Contains(err.Error(), "setSecret") || !strings.Contains(err.Error(), "AWSManagedRulesCommonRuleSet") {
		t.Fatalf("got %v, want setSecret to refuse the rule", err)
	}
	if got := edge.Sent(); !slices.Equal(got, []string{first}) || edge.Current() != first {
		t.Errorf("CloudFront sends %q, current %q: want both unchanged", got, edge.Current())
	}
}

// testSecret fails (and Secrets Manager retries later) while the
// distribution deploys for longer than the function may wait; the value is
// not promoted.
func TestTestSecretWaitsForTheDeployment(t *testing.T) {
	edge, rot, _ := setup(t, "Prod")
	edge.DeployReads = 1 << 30
	ctx, cancel := context.WithCancel(context.Background())
	rot.Poll = 1
	var token string
	_, err := edge.Rotate(func(step, tok string) error {
		token = tok
		if step == "testSecret" {
			cancel()
		}
		return rot.Handle(ctx, events.SecretsManagerSecretRotationEvent{Step: step, SecretID: edge.SecretARN, ClientRequestToken: tok})
	})
	if err == nil || !strings.Contains(err.Error(), "testSecret") {
		t.Fatalf("got %v, want testSecret to fail while InProgress", err)
	}
	if edge.Current() != first {
		t.Errorf("version %s became current before the distribution deployed", token)
	}
	if got := edge.Accepted(); len(got) != 2 {
		t.Errorf("web ACL accepts %q: want both values until the rotation finishes", got)
	}
}

func TestParseWebACLArn(t *testing.T) {
	acl, err := originsecret.ParseWebACLArn("arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/ApiWebAcl-x1/0123-ab")
	if err != nil || acl != (originsecret.WebACL{Name: "ApiWebAcl-x1", ID: "0123-ab", Scope: wafv2types.ScopeRegional}) {
		t.Errorf("got %+v, %v", acl, err)
	}
	for _, bad := range []string{"", "arn:aws:s3:::bucket", "arn:aws:wafv2:eu-west-1:1:regional/ipset/a/b", "arn:aws:wafv2:eu-west-1:1:local/webacl/a/b", "arn:aws:wafv2:eu-west-1:1:regional/webacl/a"} {
		if _, err := originsecret.ParseWebACLArn(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// UpdateWebACL replaces the whole web ACL: every field of its input that
// the web ACL also has must be carried over. A field a new SDK adds shows
// here.
func TestUpdateCarriesEveryField(t *testing.T) {
	var acl wafv2types.WebACL
	v := reflect.ValueOf(&acl).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
		case reflect.Map:
			f.Set(reflect.MakeMap(f.Type()))
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
		case reflect.String:
			f.SetString("x")
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Int64, reflect.Int32:
			f.SetInt(1)
		}
	}
	in := reflect.ValueOf(originsecret.UpdateInput(&acl, wafv2types.ScopeRegional, aws.String("token"))).Elem()
	for i := range in.NumField() {
		name := in.Type().Field(i).Name
		if !in.Type().Field(i).IsExported() {
			continue
		}
		if _, ok := v.Type().FieldByName(name); ok && in.Field(i).IsZero() {
			t.Errorf("UpdateWebACLInput.%s exists on WebACL but the rotation does not carry it over", name)
		}
	}
}
