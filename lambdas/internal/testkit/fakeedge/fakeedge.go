// Package fakeedge is a local stand-in for the three AWS APIs that the origin
// secret's rotation calls, on one HTTP server that the real SDK clients (or
// a bootstrap, through AWS_ENDPOINT_URL) talk to:
//
//   - Secrets Manager (JSON 1.1): one secret, its versions and stages, and a
//     [Edge.Rotate] that drives the four rotation steps as Secrets Manager
//     does;
//   - WAFv2 (JSON 1.1): one web ACL, seeded from a synthesized template, with
//     GetWebACL and UpdateWebACL under a lock token;
//   - CloudFront (REST XML): one distribution's config under an ETag, and
//     its status, InProgress for a few reads after each change.
//
// After every change it checks the rotation's invariant: the value the
// distribution sends is one the web ACL accepts. A break is recorded in
// Violations.
package fakeedge

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/stratus-cdk/stratus/contract"
)

// Edge is the fake. Its exported fields are read under Lock.
type Edge struct {
	*httptest.Server
	sync.Mutex

	// SecretARN is the one secret's ARN.
	SecretARN string
	versions  map[string]*version
	// WebACLArn is the web ACL's ARN, ...:regional/webacl/<name>/<id>.
	WebACLArn string
	acl       map[string]any
	lockToken string
	// DistributionID is the distribution's id.
	DistributionID string
	config         []byte
	etag           string
	inProgress     int
	// propagating are the values edge locations may still send while the
	// distribution is InProgress.
	propagating []string
	// DeployReads is how many GetDistribution answers say InProgress after
	// each change. Default 0.
	DeployReads int

	header, rule string
	// Log lists the changes in order: "waf [v1 v2]", "cloudfront v",
	// "current v".
	Log []string
	// Violations lists each moment the distribution sent a value the web
	// ACL refused.
	Violations []string
	// Stale makes the next n writes of the web ACL and of the distribution
	// fail as if another writer had changed them (a stale lock token or
	// ETag).
	Stale int
}

type version struct {
	value  *string
	stages []string
}

// New starts an Edge for a stage's templates (see ReadStage): the secret's
// first value is value, which replaces every SearchString of the web ACL
// that is not a plain string (the template's dynamic reference).
func New(t testing.TB, s Stage, value string) *Edge {
	t.Helper()
	acl, rule, header := s.ACL, s.Rule, s.Header
	e := &Edge{
		SecretARN:      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:OriginSecret-AbCdEf",
		versions:       map[string]*version{"v0": {value: &value, stages: []string{"AWSCURRENT"}}},
		WebACLArn:      "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/ApiWebAcl/" + uuid.NewString(),
		DistributionID: "E2EXAMPLE",
		etag:           "E1",
		lockToken:      uuid.NewString(),
		header:         header, rule: rule,
	}
	e.acl = apiACL(acl, value)
	parts := strings.Split(e.WebACLArn, "/")
	e.acl["Name"], e.acl["Id"], e.acl["ARN"] = parts[2], parts[3], e.WebACLArn
	e.config = []byte(fmt.Sprintf(distributionConfig, header, value))
	e.Server = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(e.Close)
	return e
}

// distributionConfig is a distribution with the site's bucket and the API,
// whose origin sends the header (%s) with the secret (%s).
const distributionConfig = `<?xml version="1.0" encoding="UTF-8"?>
<DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><CallerReference>stratus</CallerReference><Comment>Stratus site</Comment><Enabled>true</Enabled>` +
	`<Origins><Quantity>2</Quantity><Items>` +
	`<Origin><Id>site</Id><DomainName>site.s3.eu-west-1.amazonaws.com</DomainName><S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></S3OriginConfig></Origin>` +
	`<Origin><Id>api</Id><DomainName>abc.execute-api.eu-west-1.amazonaws.com</DomainName><OriginPath>/</OriginPath>` +
	`<CustomHeaders><Quantity>1</Quantity><Items><OriginCustomHeader><HeaderName>%s</HeaderName><HeaderValue>%s</HeaderValue></OriginCustomHeader></Items></CustomHeaders>` +
	`<CustomOriginConfig><HTTPPort>80</HTTPPort><HTTPSPort>443</HTTPSPort><OriginProtocolPolicy>https-only</OriginProtocolPolicy></CustomOriginConfig></Origin>` +
	`</Items></Origins>` +
	`<DefaultCacheBehavior><TargetOriginId>site</TargetOriginId><ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy></DefaultCacheBehavior></DistributionConfig>`

// apiACL is a template's web ACL as the WAFv2 API returns it: the secret's
// value in place of dynamic references, and search strings base64-encoded
// (they are blobs in the API's JSON).
func apiACL(props map[string]any, value string) map[string]any {
	var walk func(v any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, e := range v {
				if k == "SearchString" {
					s, ok := e.(string)
					if !ok {
						s = value
					}
					out[k] = base64.StdEncoding.EncodeToString([]byte(s))
					continue
				}
				out[k] = walk(e)
			}
			return out
		case []any:
			out := make([]any, len(v))
			for i, e := range v {
				out[i] = walk(e)
			}
			return out
		}
		return v
	}
	acl := walk(props).(map[string]any)
	delete(acl, "Scope")
	return acl
}

// ACL is the web ACL now, as the API returns it.
func (e *Edge) ACL() map[string]any {
	e.Lock()
	defer e.Unlock()
	b, _ := json.Marshal(e.acl)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// Accepted is the values the rule accepts now.
func (e *Edge) Accepted() []string {
	e.Lock()
	defer e.Unlock()
	return e.accepted()
}

func (e *Edge) accepted() []string {
	for _, r := range e.acl["Rules"].([]any) {
		r := r.(map[string]any)
		if r["Name"] != e.rule {
			continue
		}
		var out []string
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, e := range v {
					if k == "SearchString" {
						b, _ := base64.StdEncoding.DecodeString(e.(string))
						out = append(out, string(b))
					} else {
						walk(e)
					}
				}
			case []any:
				for _, e := range v {
					walk(e)
				}
			}
		}
		walk(r["Statement"])
		slices.Sort(out)
		return out
	}
	return nil
}

// Sent is the values the distribution's origins send in the header now.
func (e *Edge) Sent() []string {
	e.Lock()
	defer e.Unlock()
	return e.sent()
}

func (e *Edge) sent() []string {
	var cfg struct {
		Origins []struct {
			Id      string
			Headers []struct{ HeaderName, HeaderValue string } `xml:"CustomHeaders>Items>OriginCustomHeader"`
		} `xml:"Origins>Items>Origin"`
	}
	if err := xml.Unmarshal(e.config, &cfg); err != nil {
		return []string{"unreadable config: " + err.Error()}
	}
	var out []string
	for _, o := range cfg.Origins {
		for _, h := range o.Headers {
			if strings.EqualFold(h.HeaderName, e.header) {
				out = append(out, h.HeaderValue)
			}
		}
	}
	return out
}

// Config is the distribution's config XML now.
func (e *Edge) Config() string {
	e.Lock()
	defer e.Unlock()
	return string(e.config)
}

// Current is the secret's AWSCURRENT value.
func (e *Edge) Current() string {
	e.Lock()
	defer e.Unlock()
	for _, v := range e.versions {
		if slices.Contains(v.stages, "AWSCURRENT") && v.value != nil {
			return *v.value
		}
	}
	return ""
}

// Rotate runs a rotation as Secrets Manager does: a new version id labelled
// AWSPENDING, then each step through invoke until one fails. It returns the
// version id and the first error.
func (e *Edge) Rotate(invoke func(step, token string) error) (string, error) {
	token := uuid.NewString()
	e.Lock()
	e.versions[token] = &version{stages: []string{"AWSPENDING"}}
	e.Unlock()
	for _, step := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
		if err := invoke(step, token); err != nil {
			return token, fmt.Errorf("%s: %w", step, err)
		}
	}
	e.Lock()
	if v := e.versions[token]; v != nil {
		v.stages = slices.DeleteFunc(v.stages, func(s string) bool { return s == "AWSPENDING" })
	}
	e.Unlock()
	return token, nil
}

func (e *Edge) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	e.Lock()
	defer e.Unlock()
	target := r.Header.Get("X-Amz-Target")
	var status int
	var out any
	switch {
	case strings.HasPrefix(target, "secretsmanager."):
		status, out = e.secrets(strings.TrimPrefix(target, "secretsmanager."), body)
	case strings.HasPrefix(target, "AWSWAF_20190729."):
		status, out = e.waf(strings.TrimPrefix(target, "AWSWAF_20190729."), body)
	case strings.HasPrefix(r.URL.Path, "/2020-05-31/distribution/"+e.DistributionID):
		e.cloudfront(w, r, body)
		return
	default:
		status, out = 400, jsonError("UnknownOperationException", r.Method+" "+r.URL.Path+" "+target)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(out)
}

func jsonError(code, msg string) map[string]any {
	return map[string]any{"__type": code, "message": msg, "Message": msg}
}

func (e *Edge) secrets(op string, body []byte) (int, any) {
	var in struct {
		SecretId, VersionId, VersionStage, ClientRequestToken, SecretString string
		MoveToVersionId, RemoveFromVersionId                                string
		VersionStages                                                       []string
		PasswordLength                                                      int
	}
	_ = json.Unmarshal(body, &in)
	if op != "GetRandomPassword" && in.SecretId != e.SecretARN {
		return 400, jsonError("ResourceNotFoundException", "no secret "+in.SecretId)
	}
	switch op {
	case "DescribeSecret":
		stages := map[string][]string{}
		for id, v := range e.versions {
			stages[id] = v.stages
		}
		return 200, map[string]any{"ARN": e.SecretARN, "Name": "OriginSecret", "RotationEnabled": true, "VersionIdsToStages": stages}
	case "GetSecretValue":
		for id, v := range e.versions {
			if (in.VersionId == "" || in.VersionId == id) && (in.VersionStage == "" || slices.Contains(v.stages, in.VersionStage)) && v.value != nil {
				return 200, map[string]any{"ARN": e.SecretARN, "VersionId": id, "SecretString": *v.value, "VersionStages": v.stages}
			}
		}
		return 400, jsonError("ResourceNotFoundException", "Secrets Manager can't find the specified secret value for VersionId: "+in.VersionId+" and staging label: "+in.VersionStage)
	case "GetRandomPassword":
		if in.PasswordLength <= 0 {
			return 400, jsonError("InvalidParameterException", "PasswordLength")
		}
		pw := strings.Repeat(strings.ReplaceAll(uuid.NewString(), "-", ""), 1+in.PasswordLength/32)[:in.PasswordLength]
		return 200, map[string]any{"RandomPassword": pw}
	case "PutSecretValue":
		v := e.versions[in.ClientRequestToken]
		if v == nil {
			v = &version{}
			e.versions[in.ClientRequestToken] = v
		}
		if v.value != nil && *v.value != in.SecretString {
			return 400, jsonError("ResourceExistsException", "version "+in.ClientRequestToken+" has another value")
		}
		v.value = &in.SecretString
		for _, s := range in.VersionStages {
			if !slices.Contains(v.stages, s) {
				v.stages = append(v.stages, s)
			}
		}
		return 200, map[string]any{"ARN": e.SecretARN, "VersionId": in.ClientRequestToken, "VersionStages": v.stages}
	case "UpdateSecretVersionStage":
		to, from := e.versions[in.MoveToVersionId], e.versions[in.RemoveFromVersionId]
		if to == nil || (in.VersionStage == "AWSCURRENT" && (from == nil || !slices.Contains(from.stages, "AWSCURRENT"))) {
			return 400, jsonError("InvalidParameterException", "the stage is not on RemoveFromVersionId")
		}
		for _, v := range e.versions {
			v.stages = slices.DeleteFunc(v.stages, func(s string) bool {
				return s == in.VersionStage || (in.VersionStage == "AWSCURRENT" && s == "AWSPREVIOUS")
			})
		}
		if in.VersionStage == "AWSCURRENT" {
			from.stages = append(from.stages, "AWSPREVIOUS")
			e.Log = append(e.Log, "current "+*to.value)
		}
		to.stages = append(to.stages, in.VersionStage)
		return 200, map[string]any{"ARN": e.SecretARN}
	}
	return 400, jsonError("UnknownOperationException", op)
}

func (e *Edge) waf(op string, body []byte) (int, any) {
	var in map[string]any
	_ = json.Unmarshal(body, &in)
	if in["Name"] != e.acl["Name"] || in["Id"] != e.acl["Id"] || in["Scope"] != "REGIONAL" {
		return 400, jsonError("WAFNonexistentItemException", fmt.Sprintf("no web ACL %v/%v in %v", in["Name"], in["Id"], in["Scope"]))
	}
	switch op {
	case "GetWebACL":
		return 200, map[string]any{"WebACL": e.acl, "LockToken": e.lockToken}
	case "UpdateWebACL":
		if e.Stale > 0 {
			e.Stale--
			e.lockToken = uuid.NewString()
		}
		if in["LockToken"] != e.lockToken {
			return 400, jsonError("WAFOptimisticLockException", "the lock token is stale")
		}
		acl := map[string]any{"ARN": e.WebACLArn}
		for k, v := range in {
			if k != "LockToken" && k != "Scope" {
				acl[k] = v
			}
		}
		e.acl = acl
		e.lockToken = uuid.NewString()
		e.Log = append(e.Log, fmt.Sprint("waf ", e.accepted()))
		e.check()
		return 200, map[string]any{"NextLockToken": e.lockToken}
	}
	return 400, jsonError("WAFInvalidOperationException", op)
}

var etagNumber = regexp.MustCompile(`\d+`)

func (e *Edge) cloudfront(w http.ResponseWriter, r *http.Request, body []byte) {
	base := "/2020-05-31/distribution/" + e.DistributionID
	w.Header().Set("Content-Type", "text/xml")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == base+"/config":
		w.Header().Set("ETag", e.etag)
		_, _ = w.Write(e.config)
	case r.Method == http.MethodPut && r.URL.Path == base+"/config":
		if e.Stale > 0 {
			e.Stale--
			e.bumpETag()
		}
		if r.Header.Get("If-Match") != e.etag {
			w.WriteHeader(http.StatusPreconditionFailed)
			_, _ = io.WriteString(w, `<ErrorResponse><Error><Type>Sender</Type><Code>PreconditionFailed</Code><Message>stale ETag</Message></Error></ErrorResponse>`)
			return
		}
		e.propagating = e.sent()
		e.config = body
		e.bumpETag()
		e.inProgress = e.DeployReads
		e.Log = append(e.Log, "cloudfront "+strings.Join(e.sent(), " "))
		e.check()
		w.Header().Set("ETag", e.etag)
		_, _ = io.WriteString(w, e.distribution())
	case r.Method == http.MethodGet && r.URL.Path == base:
		w.Header().Set("ETag", e.etag)
		_, _ = io.WriteString(w, e.distribution())
		if e.inProgress > 0 {
			e.inProgress--
		}
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchDistribution</Code><Message>no such distribution</Message></Error></ErrorResponse>`)
	}
}

func (e *Edge) bumpETag() {
	var n int
	_, _ = fmt.Sscan(etagNumber.FindString(e.etag), &n)
	e.etag = fmt.Sprintf("E%d", n+1)
}

func (e *Edge) distribution() string {
	status := "Deployed"
	if e.inProgress > 0 {
		status = "InProgress"
	}
	return `<?xml version="1.0" encoding="UTF-8"?><Distribution xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>` + e.DistributionID +
		`</Id><Status>` + status + `</Status><DomainName>d111111abcdef8.cloudfront.net</DomainName></Distribution>`
}

// check records a moment the distribution sends a value the rule refuses,
// counting those its edge locations may still send while it deploys.
func (e *Edge) check() {
	accepted := e.accepted()
	sent := e.sent()
	if e.inProgress > 0 {
		sent = append(sent, e.propagating...)
	}
	for _, v := range sent {
		if !slices.Contains(accepted, v) {
			e.Violations = append(e.Violations, fmt.Sprintf("after %q: CloudFront sends %s, the web ACL accepts %v", e.Log[len(e.Log)-1], v, accepted))
		}
	}
}

// Stage is what a stage's synthesized templates (stagetest.Golden)
// give the fake and the rotation function: the API's web ACL as declared,
// and the rule and header names the Web stack sets on the function.
type Stage struct {
	ACL          map[string]any
	Rule, Header string
}

// ReadStage reads dir/App.template.json and dir/Web.template.json.
func ReadStage(t testing.TB, dir string) Stage {
	t.Helper()
	type tmpl struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	read := func(name string) tmpl {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var out tmpl
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return out
	}
	var s Stage
	for _, r := range read("Web.template.json").Resources {
		env, _ := r.Properties["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		if rule, ok := vars[contract.EnvWebAclRule].(string); ok && r.Type == "AWS::Lambda::Function" {
			s.Rule, s.Header = rule, vars[contract.EnvOriginHeader].(string)
		}
	}
	if s.Rule == "" {
		t.Fatalf("%s/Web.template.json has no function with %s", dir, contract.EnvWebAclRule)
	}
	for _, r := range read("App.template.json").Resources {
		if r.Type != "AWS::WAFv2::WebACL" {
			continue
		}
		for _, rule := range r.Properties["Rules"].([]any) {
			if rule.(map[string]any)["Name"] == s.Rule {
				s.ACL = r.Properties
			}
		}
	}
	if s.ACL == nil {
		t.Fatalf("%s/App.template.json has no web ACL with rule %s", dir, s.Rule)
	}
	return s
}
