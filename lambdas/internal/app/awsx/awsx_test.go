package awsx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx/awscall"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx/s3adapter"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx/snsadapter"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx/ssmadapter"
)

// recorded is one request the fake AWS endpoint received.
type recorded struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   string
}

// fakeAWS is a local HTTP server that records requests and answers with a canned response.
type fakeAWS struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []recorded
	status int
	header http.Header
	body   string
}

func newFake(t *testing.T, status int, header http.Header, body string) *fakeAWS {
	t.Helper()
	f := &fakeAWS{status: status, header: header, body: body}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{r.Method, r.URL.EscapedPath(), r.URL.Query(), r.Header.Clone(), string(b)})
		f.mu.Unlock()
		for k, v := range f.header {
			w.Header()[k] = v
		}
		w.WriteHeader(f.status)
		_, _ = io.WriteString(w, f.body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAWS) only(t *testing.T) recorded {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) != 1 {
		t.Fatalf("got %d requests, want 1: %+v", len(f.reqs), f.reqs)
	}
	return f.reqs[0]
}

func cfg(endpoint string) aws.Config {
	return aws.Config{
		Region:           "eu-west-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:     aws.String(endpoint),
		RetryMaxAttempts: 1,
	}
}

const publishOK = `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
<PublishResult><MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult>
<ResponseMetadata><RequestId>f187a3c1-376f-11df-8963-01868b7c937a</RequestId></ResponseMetadata>
</PublishResponse>`

func TestSNSPublisherSendsAttributes(t *testing.T) {
	f := newFake(t, 200, http.Header{"Content-Type": {"text/xml"}}, publishOK)
	const topic = "arn:aws:sns:eu-west-1:123456789012:events"
	p := snsadapter.New(cfg(f.URL), topic)
	body := `{"id":"0f8e","type":"item.created"}`
	if err := p.Publish(context.Background(), awsx.Message{ID: "0f8e", Type: "item.created", Group: "u1", Body: []byte(body)}); err != nil {
		t.Fatal(err)
	}
	r := f.only(t)
	form, err := url.ParseQuery(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Action":                         "Publish",
		"TopicArn":                       topic,
		"Message":                        body,
		"MessageAttributes.entry.1.Name": "event_id",
		"MessageAttributes.entry.1.Value.DataType":    "String",
		"MessageAttributes.entry.1.Value.StringValue": "0f8e",
		"MessageAttributes.entry.2.Name":              "type",
		"MessageAttributes.entry.2.Value.DataType":    "String",
		"MessageAttributes.entry.2.Value.StringValue": "item.created",
	}
	for k, v := range want {
		if got := form.Get(k); got != v {
			t.Errorf("form %s = %q, want %q (form %v)", k, got, v, form)
		}
	}
	for _, k := range []string{"MessageGroupId", "MessageDeduplicationId"} {
		if form.Has(k) {
			t.Errorf("standard topic: %s must not be sent, got %q", k, form.Get(k))
		}
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") ||
		!strings.Contains(r.Header.Get("Authorization"), "/eu-west-1/sns/aws4_request") {
		t.Errorf("request not a SigV4-signed POST for sns in eu-west-1: %s %v", r.Method, r.Header.Get("Authorization"))
	}
}

// The adapter's Publish form is the SDK client's, field for field (standard and FIFO topics,
// with and without a trace): what the SNS client would send is what SNS gets.
func TestSNSPublisherSendsWhatTheSDKSends(t *testing.T) {
	for _, c := range []struct {
		topic string
		m     awsx.Message
	}{
		{"arn:aws:sns:eu-west-1:123456789012:events", awsx.Message{ID: "e1", Type: "item.created", Body: []byte(`{"a":"b & c=d"}`)}},
		{"arn:aws:sns:eu-west-1:123456789012:events.fifo", awsx.Message{ID: "e2", Type: "item.updated", Group: "owner-7", Body: []byte("{}"),
			TraceParent: "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01"}},
	} {
		ours := newFake(t, 200, http.Header{"Content-Type": {"text/xml"}}, publishOK)
		if err := snsadapter.New(cfg(ours.URL), c.topic).Publish(context.Background(), c.m); err != nil {
			t.Fatal(err)
		}
		sdk := newFake(t, 200, http.Header{"Content-Type": {"text/xml"}}, publishOK)
		in := &sns.PublishInput{TopicArn: aws.String(c.topic), Message: aws.String(string(c.m.Body)),
			MessageAttributes: map[string]snstypes.MessageAttributeValue{
				"type":     {DataType: aws.String("String"), StringValue: aws.String(c.m.Type)},
				"event_id": {DataType: aws.String("String"), StringValue: aws.String(c.m.ID)},
			}}
		if c.m.TraceParent != "" {
			in.MessageAttributes["traceparent"] = snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(c.m.TraceParent)}
		}
		if c.m.Group != "" {
			in.MessageGroupId, in.MessageDeduplicationId = aws.String(c.m.Group), aws.String(c.m.ID)
		}
		if _, err := sns.NewFromConfig(cfg(sdk.URL)).Publish(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		o, s := ours.only(t), sdk.only(t)
		of, _ := url.ParseQuery(o.Body)
		sf, _ := url.ParseQuery(s.Body)
		if !reflect.DeepEqual(of, sf) {
			t.Errorf("%s: form\n %v\nthe SDK's\n %v", c.topic, of, sf)
		}
		if o.Method != s.Method || o.Path != s.Path || !strings.HasPrefix(o.Header.Get("Content-Type"), "application/x-www-form-urlencoded") ||
			!strings.Contains(o.Header.Get("Authorization"), "/eu-west-1/sns/aws4_request") {
			t.Errorf("%s: %s %s %v, the SDK's %s %s", c.topic, o.Method, o.Path, o.Header, s.Method, s.Path)
		}
	}
}

// An answer that is not a PublishResponse is an error, not a silent success.
func TestSNSPublisherChecksTheAnswer(t *testing.T) {
	f := newFake(t, 200, http.Header{"Content-Type": {"text/xml"}}, "<html>proxy</html>")
	err := snsadapter.New(cfg(f.URL), "arn:aws:sns:eu-west-1:123456789012:events").Publish(context.Background(),
		awsx.Message{ID: "e1", Type: "item.created", Body: []byte("{}")})
	if err == nil || !strings.Contains(err.Error(), "MessageId") {
		t.Fatalf("err = %v", err)
	}
}

func TestSNSPublisherFIFOSetsGroupAndDedup(t *testing.T) {
	f := newFake(t, 200, http.Header{"Content-Type": {"text/xml"}}, publishOK)
	p := snsadapter.New(cfg(f.URL), "arn:aws:sns:eu-west-1:123456789012:events.fifo")
	if err := p.Publish(context.Background(), awsx.Message{ID: "e1", Type: "item.updated", Group: "owner-7", Body: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	form, _ := url.ParseQuery(f.only(t).Body)
	if form.Get("MessageGroupId") != "owner-7" || form.Get("MessageDeduplicationId") != "e1" {
		t.Errorf("FIFO fields: group %q dedup %q", form.Get("MessageGroupId"), form.Get("MessageDeduplicationId"))
	}
}

func TestSNSPublisherReturnsServiceError(t *testing.T) {
	f := newFake(t, 403, http.Header{"Content-Type": {"text/xml"}}, `<ErrorResponse><Error><Type>Sender</Type>
<Code>AuthorizationError</Code><Message>not allowed</Message></Error><RequestId>r1</RequestId></ErrorResponse>`)
	p := snsadapter.New(cfg(f.URL), "arn:aws:sns:eu-west-1:123456789012:events")
	err := p.Publish(context.Background(), awsx.Message{ID: "e1", Type: "item.created", Body: []byte("{}")})
	if err == nil || !strings.Contains(err.Error(), "AuthorizationError") || !strings.Contains(err.Error(), "e1") {
		t.Fatalf("err = %v, want the SNS error code and the event id", err)
	}
}

func TestSNSPublisherRejectsIncompleteMessage(t *testing.T) {
	f := newFake(t, 200, nil, publishOK)
	p := snsadapter.New(cfg(f.URL), "arn:aws:sns:eu-west-1:123456789012:events.fifo")
	err := p.Publish(context.Background(), awsx.Message{})
	for _, want := range []string{"ID", "Type", "Body", "Group"} {
		if err == nil || !strings.Contains(err.Error(), "message "+want) {
			t.Errorf("err = %v, want it to name %s", err, want)
		}
	}
	if len(f.reqs) != 0 {
		t.Errorf("an invalid message reached SNS")
	}
}

func s3Client(endpoint string) *s3.Client {
	return s3.NewFromConfig(cfg(endpoint), func(o *s3.Options) { o.UsePathStyle = true })
}

func TestS3HeadReadsSizeAndType(t *testing.T) {
	f := newFake(t, 200, http.Header{"Content-Length": {"1234"}, "Content-Type": {"image/png"}, "Etag": {`"abc"`}}, "")
	info, err := s3adapter.NewInspector(cfg(f.URL)).Head(context.Background(), "uploads", "attachments/u1/i1/a1/my file.png")
	if err != nil {
		t.Fatal(err)
	}
	if info != (awsx.ObjectInfo{Size: 1234, ContentType: "image/png", ETag: `"abc"`}) {
		t.Errorf("info = %+v", info)
	}
	r := f.only(t)
	if r.Method != http.MethodHead || r.Path != "/uploads/attachments/u1/i1/a1/my%20file.png" {
		t.Errorf("request = %s %s, want HEAD of the bucket/key path", r.Method, r.Path)
	}
	if !strings.Contains(r.Header.Get("Authorization"), "/eu-west-1/s3/aws4_request") {
		t.Errorf("not signed for s3: %q", r.Header.Get("Authorization"))
	}
}

func TestS3HeadNotFound(t *testing.T) {
	f := newFake(t, 404, nil, "")
	_, err := s3adapter.NewInspector(cfg(f.URL)).Head(context.Background(), "uploads", "missing")
	if !errors.Is(err, awsx.ErrObjectNotFound) {
		t.Fatalf("err = %v, want ErrObjectNotFound", err)
	}
}

func TestS3HeadOtherErrorIsNotNotFound(t *testing.T) {
	f := newFake(t, 403, nil, "")
	_, err := s3adapter.NewInspector(cfg(f.URL)).Head(context.Background(), "uploads", "k")
	if err == nil || errors.Is(err, awsx.ErrObjectNotFound) {
		t.Fatalf("err = %v, want a non-NotFound error", err)
	}
}

func TestS3PresignPutSignsSizeAndType(t *testing.T) {
	f := newFake(t, 200, nil, "")
	p, err := s3adapter.New(s3Client(f.URL)).PresignPut(context.Background(), awsx.PutRequest{
		Bucket: "uploads", Key: "attachments/u1/i1/a1/report.pdf", ContentType: "application/pdf", Size: 2048, Expires: 5 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(p.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if p.Method != http.MethodPut || u.Path != "/uploads/attachments/u1/i1/a1/report.pdf" || q.Get("X-Amz-Expires") != "300" ||
		q.Get("X-Amz-Signature") == "" {
		t.Fatalf("presigned = %s %s", p.Method, p.URL)
	}
	signed := q.Get("X-Amz-SignedHeaders")
	for _, h := range []string{"content-length", "content-type", "host"} {
		if !strings.Contains(signed, h) {
			t.Errorf("X-Amz-SignedHeaders = %q, want %s signed", signed, h)
		}
	}
	if p.Headers.Get("Content-Type") != "application/pdf" || p.Headers.Get("Content-Length") != "2048" || p.Headers.Get("Host") != "" {
		t.Errorf("headers to send = %v", p.Headers)
	}
	if time.Until(p.Expires) < 4*time.Minute {
		t.Errorf("expires %v", p.Expires)
	}
	if len(f.reqs) != 0 {
		t.Errorf("presigning must not call S3")
	}
}

func TestS3PresignPutRejectsBadRequest(t *testing.T) {
	_, err := s3adapter.New(s3Client("http://127.0.0.1:1")).PresignPut(context.Background(), awsx.PutRequest{Key: "k", Size: -1})
	if err == nil || !strings.Contains(err.Error(), "invalid request") {
		t.Fatalf("err = %v", err)
	}
}

func TestSSMParametersChunksAndDecrypts(t *testing.T) {
	f := newFake(t, 200, http.Header{"Content-Type": {"application/x-amz-json-1.1"}},
		`{"Parameters":[{"Name":"/stratus/dev/maxUploadBytes","Type":"String","Value":"1048576"}],"InvalidParameters":["/stratus/dev/missing"]}`)
	names := []string{"/stratus/dev/maxUploadBytes", "/stratus/dev/missing"}
	for i := range 10 {
		names = append(names, "/stratus/dev/p"+string(rune('a'+i)))
	}
	vals, err := ssmadapter.New(cfg(f.URL)).Parameters(context.Background(), names...)
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) != 1 || vals["/stratus/dev/maxUploadBytes"] != "1048576" {
		t.Errorf("vals = %v, want only the existing parameter", vals)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) != 2 {
		t.Fatalf("%d requests for 12 names, want 2 (GetParameters takes at most 10)", len(f.reqs))
	}
	r := f.reqs[0]
	if r.Header.Get("X-Amz-Target") != "AmazonSSM.GetParameters" || !strings.Contains(r.Body, `"WithDecryption":true`) ||
		!strings.Contains(r.Body, `"/stratus/dev/maxUploadBytes"`) || strings.Contains(r.Body, `"/stratus/dev/pj"`) {
		t.Errorf("first request: target %q body %s", r.Header.Get("X-Amz-Target"), r.Body)
	}
}

func TestSSMParametersByPathPaginates(t *testing.T) {
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		calls++
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if r.Header.Get("X-Amz-Target") != "AmazonSSM.GetParametersByPath" || !strings.Contains(string(b), `"Path":"/stratus/dev"`) ||
			!strings.Contains(string(b), `"Recursive":true`) {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"__type":"ValidationException","message":"unexpected request"}`)
			return
		}
		if !strings.Contains(string(b), `"NextToken":"t2"`) {
			_, _ = io.WriteString(w, `{"Parameters":[{"Name":"/stratus/dev/a","Value":"1"}],"NextToken":"t2"}`)
			return
		}
		_, _ = io.WriteString(w, `{"Parameters":[{"Name":"/stratus/dev/b/c","Value":"2"}]}`)
	}))
	defer srv.Close()
	vals, err := ssmadapter.New(cfg(srv.URL)).ParametersByPath(context.Background(), "/stratus/dev")
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 || len(vals) != 2 || vals["/stratus/dev/a"] != "1" || vals["/stratus/dev/b/c"] != "2" {
		t.Errorf("calls %d vals %v", calls, vals)
	}
}

func TestSSMParametersSignedForSSM(t *testing.T) {
	f := newFake(t, 200, http.Header{"Content-Type": {"application/x-amz-json-1.1"}}, `{"Parameters":[]}`)
	if _, err := ssmadapter.New(cfg(f.URL)).Parameters(context.Background(), "/stratus/dev/a"); err != nil {
		t.Fatal(err)
	}
	r := f.only(t)
	if r.Method != http.MethodPost || r.Path != "/" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" ||
		!strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") ||
		!strings.Contains(r.Header.Get("Authorization"), "/eu-west-1/ssm/aws4_request") ||
		!strings.Contains(r.Header.Get("Authorization"), "x-amz-target") {
		t.Errorf("request not a SigV4-signed JSON 1.1 POST for ssm in eu-west-1: %s %s %v", r.Method, r.Path, r.Header)
	}
}

func TestSSMParametersReturnsServiceError(t *testing.T) {
	f := newFake(t, 400, http.Header{"Content-Type": {"application/x-amz-json-1.1"}},
		`{"__type":"com.amazonaws.ssm#AccessDeniedException","message":"not allowed"}`)
	_, err := ssmadapter.New(cfg(f.URL)).Parameters(context.Background(), "/stratus/dev/a")
	var e *awscall.Error
	if !errors.As(err, &e) || e.Code != "AccessDeniedException" || e.Status != 400 || !strings.Contains(err.Error(), "/stratus/dev/a") {
		t.Fatalf("err = %v, want the SSM error code and the parameter name", err)
	}
	if len(f.reqs) != 1 {
		t.Errorf("%d requests: a client error must not be retried", len(f.reqs))
	}
}

func TestSSMParametersRetriesThrottlingAndServerErrors(t *testing.T) {
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		switch calls {
		case 1:
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
		case 2:
			w.WriteHeader(503)
		default:
			_, _ = io.WriteString(w, `{"Parameters":[{"Name":"/stratus/dev/a","Value":"1"}]}`)
		}
	}))
	defer srv.Close()
	c := cfg(srv.URL)
	c.RetryMaxAttempts = 3
	vals, err := ssmadapter.New(c).Parameters(context.Background(), "/stratus/dev/a")
	if err != nil || calls != 3 || vals["/stratus/dev/a"] != "1" {
		t.Fatalf("calls %d vals %v err %v, want throttling and 503 retried", calls, vals, err)
	}
	calls = 0
	c.RetryMaxAttempts = 1
	if _, err := ssmadapter.New(c).Parameters(context.Background(), "/stratus/dev/a"); err == nil || calls != 1 {
		t.Errorf("RetryMaxAttempts 1: calls %d err %v", calls, err)
	}
}

// The api's Presigner (no service/s3) signs exactly what the SDK's presigner
// signs: same URL, query and signature at the same time, same headers to send.
func TestPresignerMatchesTheSDK(t *testing.T) {
	for _, tc := range []struct {
		name, endpoint string
		pathStyle      bool
	}{{"regional", "", false}, {"custom endpoint, path style", "http://127.0.0.1:4566", true}, {"custom endpoint", "http://127.0.0.1:4566", false}} {
		t.Run(tc.name, func(t *testing.T) {
			c := cfg(tc.endpoint)
			if tc.endpoint == "" {
				c.BaseEndpoint = nil
			}
			sdk := s3adapter.New(s3.NewFromConfig(c, func(o *s3.Options) { o.UsePathStyle = tc.pathStyle }))
			req := awsx.PutRequest{Bucket: "stratus-uploads-1a2b", Key: "attachments/u 1/i1/a1/rapport été+(1).pdf",
				ContentType: "application/pdf", Size: 2048, Expires: 5 * time.Minute}
			want, err := sdk.PresignPut(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			wu, _ := url.Parse(want.URL)
			at, err := time.Parse("20060102T150405Z", wu.Query().Get("X-Amz-Date"))
			if err != nil {
				t.Fatal(err)
			}
			p := s3adapter.NewPresigner(c)
			p.PathStyle, p.Now = tc.pathStyle, func() time.Time { return at }
			got, err := p.PresignPut(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			gu, _ := url.Parse(got.URL)
			if gu.Scheme != wu.Scheme || gu.Host != wu.Host || gu.EscapedPath() != wu.EscapedPath() {
				t.Errorf("URL = %s\nSDK = %s", got.URL, want.URL)
			}
			for k := range wu.Query() {
				if gu.Query().Get(k) != wu.Query().Get(k) {
					t.Errorf("query %s = %q, SDK %q", k, gu.Query().Get(k), wu.Query().Get(k))
				}
			}
			if len(gu.Query()) != len(wu.Query()) {
				t.Errorf("query = %v, SDK %v", gu.Query(), wu.Query())
			}
			if got.Method != want.Method || fmt.Sprint(got.Headers) != fmt.Sprint(want.Headers) {
				t.Errorf("%s %v, SDK %s %v", got.Method, got.Headers, want.Method, want.Headers)
			}
		})
	}
	if _, err := s3adapter.NewPresigner(cfg("")).PresignPut(context.Background(), awsx.PutRequest{Key: "k", Size: -1}); err == nil ||
		!strings.Contains(err.Error(), "invalid request") {
		t.Errorf("bad request: err = %v", err)
	}
}

func TestS3HeadRetriesServerErrors(t *testing.T) {
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.WriteHeader(503)
			return
		}
		if r.Header.Get("X-Amz-Content-Sha256") == "" {
			w.WriteHeader(400)
			return
		}
		w.Header().Set("Content-Length", "7")
		w.WriteHeader(200)
	}))
	defer srv.Close()
	c := cfg(srv.URL)
	c.RetryMaxAttempts = 2
	info, err := s3adapter.NewInspector(c).Head(context.Background(), "uploads", "k")
	if err != nil || calls != 2 || info.Size != 7 {
		t.Fatalf("calls %d info %+v err %v, want the 503 retried", calls, info, err)
	}
}
