package drift_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/stratus-cdk/stratus/internal/analysis/drift"
)

// The testdata responses are CloudFormation's awsquery XML, the wire
// protocol service/cloudformation v1.84.0 deserializes (awsquery.New in its
// api_client.go): the shapes of the SDK's own response snapshots
// (response_snapshot/*.snap in the module), with the values a drifted
// Stratus stage answers (logical ids, ARNs, property JSON).

// reply is one recorded answer: an HTTP status and a testdata file.
type reply struct {
	status int
	file   string
}

func ok(file string) reply { return reply{http.StatusOK, file} }

// server answers each request from script(action, form) and records the
// actions called, in order.
type server struct {
	mu    sync.Mutex
	calls []string
	forms []url.Values
}

func serve(t *testing.T, script func(action string, form url.Values, n int) reply) (*server, *cloudformation.Client) {
	t.Helper()
	s := &server{}
	counts := map[string]int{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		action := r.PostForm.Get("Action")
		s.mu.Lock()
		s.calls = append(s.calls, action)
		s.forms = append(s.forms, r.PostForm)
		n := counts[action]
		counts[action]++
		s.mu.Unlock()
		rep := script(action, r.PostForm, n)
		body, err := os.ReadFile(filepath.Join("testdata", rep.file))
		if err != nil {
			t.Errorf("%s: %v", action, err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("X-Amzn-Requestid", "test")
		w.WriteHeader(rep.status)
		w.Write(body)
	}))
	t.Cleanup(ts.Close)
	client := cloudformation.New(cloudformation.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(ts.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:      drift.Retryer(3, time.Millisecond)(),
	})
	return s, client
}

func (s *server) actions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

var prodApp = drift.Stack{Name: "Prod-App", Region: "eu-west-1"}

func check(t *testing.T, client *cloudformation.Client, stacks ...drift.Stack) drift.Report {
	t.Helper()
	c := &drift.Checker{
		Client:       func(string) drift.API { return client },
		PollInterval: time.Millisecond,
		Timeout:      2 * time.Second,
	}
	return c.Check(context.Background(), stacks)
}

// detected runs detection that completes with status after one poll in
// progress, then answers drift listings with pages.
func detected(status string, pages ...string) func(string, url.Values, int) reply {
	return func(action string, form url.Values, n int) reply {
		switch action {
		case "DetectStackDrift":
			return ok("detect-app.xml")
		case "DescribeStackDriftDetectionStatus":
			if n == 0 {
				return ok("status-in-progress.xml")
			}
			return ok(status)
		case "DescribeStackResourceDrifts":
			if form.Get("NextToken") != "" {
				return ok(pages[1])
			}
			return ok(pages[0])
		}
		return reply{http.StatusBadRequest, "error-not-found.xml"}
	}
}

func TestInSyncStackPasses(t *testing.T) {
	s, client := serve(t, detected("status-in-sync.xml"))
	r := check(t, client, prodApp)
	if r.Failed() || r.Stacks[0].Status != drift.InSync || r.Stacks[0].Err != nil || len(r.Stacks[0].Resources) != 0 {
		t.Fatalf("want in sync, have %+v", r.Stacks[0])
	}
	// Polled until complete; no resource listing for a stack in sync.
	want := []string{"DetectStackDrift", "DescribeStackDriftDetectionStatus", "DescribeStackDriftDetectionStatus"}
	if got := s.actions(); !slices.Equal(got, want) {
		t.Errorf("calls %v, want %v", got, want)
	}
	if got := s.forms[0].Get("StackName"); got != "Prod-App" {
		t.Errorf("DetectStackDrift StackName %q", got)
	}
	if got := s.forms[1].Get("StackDriftDetectionId"); got != "b78ac9b0-dec1-11e7-a451-503a3e7f1f6e" {
		t.Errorf("polled detection %q, want the id DetectStackDrift answered", got)
	}
}

func TestDriftedIAMPolicyFailsAndNamesTheProperty(t *testing.T) {
	s, client := serve(t, detected("status-drifted.xml", "drifts-iam-policy.xml"))
	r := check(t, client, prodApp)
	if !r.Failed() {
		t.Fatal("a drifted IAM policy must fail the release")
	}
	res := r.Stacks[0].Resources
	if r.Stacks[0].Status != drift.Drifted || len(res) != 1 {
		t.Fatalf("want one drifted resource, have %+v", r.Stacks[0])
	}
	got := res[0]
	if got.LogicalID != "ApiHandlerServiceRoleDefaultPolicy7C5A3B12" || got.Type != "AWS::IAM::Policy" || got.Status != "MODIFIED" || got.Class != drift.IAM {
		t.Errorf("resource %+v", got)
	}
	want := []drift.Property{{Path: "/PolicyDocument/Statement/0/Action/1", Expected: "", Actual: `"s3:*"`, Difference: "ADD"}}
	if !slices.Equal(got.Properties, want) {
		t.Errorf("properties %+v, want %+v", got.Properties, want)
	}
	// The listing asks for MODIFIED and DELETED resources of the stack only.
	form := s.forms[len(s.forms)-1]
	if f := []string{form.Get("StackResourceDriftStatusFilters.member.1"), form.Get("StackResourceDriftStatusFilters.member.2")}; !slices.Equal(f, []string{"MODIFIED", "DELETED"}) || form.Get("StackName") != "Prod-App" {
		t.Errorf("DescribeStackResourceDrifts form %v", form)
	}
}

func TestTagDriftOfAStatelessResourceWarnsAndPasses(t *testing.T) {
	_, client := serve(t, detected("status-drifted.xml", "drifts-tags.xml"))
	r := check(t, client, prodApp)
	if r.Failed() {
		t.Fatalf("a tag on a function must only warn: %+v", r.Stacks[0])
	}
	res := r.Stacks[0].Resources
	if len(res) != 1 || res[0].Class != drift.Other || res[0].Fails() || res[0].Properties[0].Path != "/Tags/1" {
		t.Fatalf("want one warning on /Tags/1, have %+v", res)
	}
}

func TestDeletedStatefulResourceFails(t *testing.T) {
	_, client := serve(t, detected("status-drifted.xml", "drifts-deleted-queue.xml"))
	r := check(t, client, prodApp)
	res := r.Stacks[0].Resources
	if !r.Failed() || len(res) != 1 || res[0].Status != "DELETED" || res[0].Class != drift.Stateful || res[0].Type != "AWS::SQS::Queue" {
		t.Fatalf("a deleted queue must fail as stateful: %+v", r.Stacks[0])
	}
}

func TestFailedDetectionIsAnErrorWithItsReason(t *testing.T) {
	_, client := serve(t, detected("status-failed.xml"))
	r := check(t, client, prodApp)
	err := r.Stacks[0].Err
	if !r.Failed() || r.Stacks[0].Status != drift.Failed || err == nil {
		t.Fatalf("want a failure, have %+v", r.Stacks[0])
	}
	for _, want := range []string{"Prod-App", "FAILED", "b78ac9b0-dec1-11e7-a451-503a3e7f1f6e", "not authorized to perform: iam:GetRolePolicy"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestEveryPageIsRead(t *testing.T) {
	s, client := serve(t, detected("status-drifted.xml", "drifts-page1.xml", "drifts-page2.xml"))
	r := check(t, client, prodApp)
	var ids []string
	for _, res := range r.Stacks[0].Resources {
		ids = append(ids, res.LogicalID+":"+string(res.Class))
	}
	if want := []string{"UploadsPolicy3A7B9C1D:iam", "WorkerFunction5C8A2D1E:other"}; !slices.Equal(ids, want) {
		t.Fatalf("resources %v, want %v (both pages)", ids, want)
	}
	if !r.Failed() {
		t.Error("the bucket policy on page 2 must fail the release")
	}
	form := s.forms[len(s.forms)-1]
	if form.Get("NextToken") != "AAEAAY2xvdWRmb3JtYXRpb24tZHJpZnQtcGFnZS0y" {
		t.Errorf("second page asked with NextToken %q", form.Get("NextToken"))
	}
}

func TestAStackNotDeployedYetPasses(t *testing.T) {
	_, client := serve(t, func(string, url.Values, int) reply { return reply{http.StatusBadRequest, "error-not-found.xml"} })
	r := check(t, client, prodApp)
	if r.Failed() || r.Stacks[0].Status != drift.NotDeployed || r.Stacks[0].Err != nil {
		t.Fatalf("a stack that does not exist yet must pass: %+v", r.Stacks[0])
	}
}

func TestThrottlingIsRetried(t *testing.T) {
	script := detected("status-in-sync.xml")
	s, client := serve(t, func(action string, form url.Values, n int) reply {
		if action == "DetectStackDrift" && n < 2 {
			return reply{http.StatusBadRequest, "error-throttling.xml"}
		}
		return script(action, form, n)
	})
	r := check(t, client, prodApp)
	if r.Failed() || r.Stacks[0].Status != drift.InSync {
		t.Fatalf("throttled twice then answered: want in sync, have %+v", r.Stacks[0])
	}
	if got := s.actions()[:3]; !slices.Equal(got, []string{"DetectStackDrift", "DetectStackDrift", "DetectStackDrift"}) {
		t.Errorf("calls %v", got)
	}
}

func TestThrottlingTheRetryerGivesUpOnIsNamed(t *testing.T) {
	_, client := serve(t, func(string, url.Values, int) reply { return reply{http.StatusBadRequest, "error-throttling.xml"} })
	r := check(t, client, prodApp)
	err := r.Stacks[0].Err
	if !r.Failed() || err == nil {
		t.Fatalf("want an error, have %+v", r.Stacks[0])
	}
	for _, want := range []string{"DetectStackDrift of Prod-App in eu-west-1", "throttled", "Throttling", "3 attempts"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestDetectionStillRunningAtTheTimeoutIsAnError(t *testing.T) {
	_, client := serve(t, func(action string, _ url.Values, _ int) reply {
		if action == "DetectStackDrift" {
			return ok("detect-app.xml")
		}
		return ok("status-in-progress.xml")
	})
	c := &drift.Checker{Client: func(string) drift.API { return client }, PollInterval: time.Millisecond, Timeout: 50 * time.Millisecond}
	r := c.Check(context.Background(), []drift.Stack{prodApp})
	err := r.Stacks[0].Err
	if !r.Failed() || err == nil || !strings.Contains(err.Error(), "still in progress after 50ms") {
		t.Fatalf("want a timeout error, have %+v", r.Stacks[0])
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		typ   string
		paths []string
		want  drift.Class
	}{
		{"AWS::RDS::DBCluster", []string{"/BackupRetentionPeriod"}, drift.Stateful},
		{"AWS::S3::Bucket", []string{"/Tags/0"}, drift.Stateful},
		{"AWS::KMS::Key", []string{"/KeyPolicy/Statement/1"}, drift.Stateful},
		{"AWS::IAM::Role", []string{"/MaxSessionDuration"}, drift.IAM},
		{"AWS::IAM::ManagedPolicy", nil, drift.IAM},
		{"AWS::S3::BucketPolicy", nil, drift.IAM},
		{"AWS::SQS::QueuePolicy", nil, drift.IAM},
		{"AWS::SNS::TopicPolicy", nil, drift.IAM},
		{"AWS::Lambda::Permission", []string{"/Principal"}, drift.IAM},
		{"AWS::ApiGateway::RestApi", []string{"/Policy/Statement/0"}, drift.IAM},
		{"AWS::OpenSearchService::Domain", []string{"/AccessPolicies"}, drift.IAM},
		// A vault is stateful, which wins over its access policy (both fail).
		{"AWS::Backup::BackupVault", []string{"/AccessPolicy"}, drift.Stateful},
		{"AWS::ApiGateway::RestApi", []string{"/Description"}, drift.Other},
		{"AWS::Lambda::Function", []string{"/Tags/1", "/MemorySize"}, drift.Other},
		{"AWS::Lambda::Function", nil, drift.Other},
	} {
		if got := drift.Classify(c.typ, c.paths); got != c.want {
			t.Errorf("Classify(%s, %v) = %s, want %s", c.typ, c.paths, got, c.want)
		}
	}
}
