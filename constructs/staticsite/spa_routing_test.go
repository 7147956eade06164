package staticsite_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stratus-cdk/stratus/constructs/staticsite"
)

// harness runs the function code as CloudFront Functions does: a script
// defining a global handler(event), no module system. It reads the code
// and the viewer requests from files and prints each returned request.
const harness = `
const fs = require('fs');
const vm = require('vm');
const [codeFile, requestsFile] = process.argv.slice(2);
const context = vm.createContext({});
vm.runInContext(fs.readFileSync(codeFile, 'utf8'), context, { filename: 'spa-routing.js' });
if (typeof context.handler !== 'function') throw new Error('spa-routing.js defines no handler(event)');
const out = JSON.parse(fs.readFileSync(requestsFile, 'utf8')).map((uri) => {
  const request = { method: 'GET', uri, querystring: { v: { value: '1' } }, headers: { host: { value: 'example.com' } }, cookies: {} };
  const event = { version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: '192.0.2.1' }, request };
  return context.handler(event);
});
process.stdout.write(JSON.stringify(out));
`

type viewerRequest struct {
	Method      string                       `json:"method"`
	URI         string                       `json:"uri"`
	Querystring map[string]map[string]string `json:"querystring"`
	Headers     map[string]map[string]string `json:"headers"`
}

// The shipped function, run under Node against sample viewer requests.
func TestSpaRoutingFunctionUnderNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is required to test the CloudFront Function: install nodejs (Debian package nodejs)")
	}
	cases := []struct{ uri, want string }{
		{"/", "/index.html"},
		{"/items/42", "/index.html"},
		{"/items/42/", "/index.html"},
		{"/sign-in", "/index.html"},
		{"/assets/app.3f2a.js", "/assets/app.3f2a.js"},
		{"/config.json", "/config.json"},
		{"/index.html", "/index.html"},
		{"/favicon.ico", "/favicon.ico"},
		{"/assets/missing.3f2a.css", "/assets/missing.3f2a.css"},
	}
	dir := t.TempDir()
	uris := make([]string, len(cases))
	for i, c := range cases {
		uris[i] = c.uri
	}
	requests, _ := json.Marshal(uris)
	files := map[string]string{"spa-routing.js": staticsite.SpaRoutingFunctionCode(), "requests.json": string(requests), "harness.js": harness}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(node, filepath.Join(dir, "harness.js"), filepath.Join(dir, "spa-routing.js"), filepath.Join(dir, "requests.json")).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("node: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var got []viewerRequest
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("handler output %s: %v", out, err)
	}
	if len(got) != len(cases) {
		t.Fatalf("got %d requests for %d cases", len(got), len(cases))
	}
	for i, c := range cases {
		r := got[i]
		if r.URI != c.want {
			t.Errorf("%s → %s, want %s", c.uri, r.URI, c.want)
		}
		// The rest of the request passes through untouched.
		if r.Method != "GET" || r.Headers["host"]["value"] != "example.com" || r.Querystring["v"]["value"] != "1" {
			t.Errorf("%s: request not passed through: %+v", c.uri, r)
		}
	}
}

// CloudFront Functions are limited to 10 KB of code.
func TestSpaRoutingFunctionFitsCloudFrontLimits(t *testing.T) {
	if n := len(staticsite.SpaRoutingFunctionCode()); n == 0 || n > 10240 {
		t.Errorf("function code is %d bytes; CloudFront Functions take 1 to 10240", n)
	}
}
