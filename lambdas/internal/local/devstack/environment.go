package devstack

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/local/mapping"
)

// functionEnvs are the environments of the functions the local stack runs, from the stage's
// templates with their tokens resolved to the stand-ins (mapping.Stage.Env).
type functionEnvs struct{ api, worker, outbox map[string]string }

func environments(stage *mapping.Stage, locals mapping.Locals) (functionEnvs, error) {
	var e functionEnvs
	var errs [3]error
	e.api, errs[0] = stage.Env(stage.API.Function, locals, replacedLocally...)
	e.worker, errs[1] = stage.Env(stage.Queue.Function, locals, replacedLocally...)
	e.outbox, errs[2] = stage.Env(stage.Outbox.Function, locals, replacedLocally...)
	if err := errors.Join(errs[:]...); err != nil {
		return e, fmt.Errorf("devstack: %w", err)
	}
	if p, ok := stage.Parameters[e.api[contract.EnvAppConfigParam]]; ok && p.Problem != nil {
		return e, fmt.Errorf("devstack: the API reads parameter %s: %w", p.Resource, p.Problem)
	}
	if a, w := e.api[contract.EnvUploadsBucket], e.worker[contract.EnvUploadsBucket]; a != w {
		return e, fmt.Errorf("devstack: the API presigns uploads to bucket %q and the worker checks bucket %q: the local stack runs the app's one uploads bucket", a, w)
	}
	return e, nil
}

// notifies is whether an upload to a bucket (by its local name) sends a notification to the
// worker's queue: where one of the stage's notifications matches its ObjectCreated:Put.
func notifies(ns []mapping.Notification, locals mapping.Locals) func(bucket, key string) bool {
	return func(bucket, key string) bool {
		for _, n := range ns {
			if locals.Ref(n.Bucket) == bucket && n.Matches("s3:ObjectCreated:Put", key) {
				return true
			}
		}
		return false
	}
}

// parameters are the stage's SSM parameters, read the way the handlers read SSM (awsx).
type parameters map[string]mapping.Parameter

var _ awsx.ParameterReader = parameters(nil)

func (p parameters) Parameters(_ context.Context, names ...string) (map[string]string, error) {
	out := map[string]string{}
	for _, n := range names {
		if v, ok := p[n]; ok {
			if v.Problem != nil {
				return nil, v.Problem
			}
			out[n] = v.Value
		}
	}
	return out, nil
}

func (p parameters) ParametersByPath(_ context.Context, path string) (map[string]string, error) {
	prefix := strings.TrimSuffix(path, "/") + "/"
	out := map[string]string{}
	for n, v := range p {
		if strings.HasPrefix(n, prefix) {
			if v.Problem != nil {
				return nil, v.Problem
			}
			out[n] = v.Value
		}
	}
	return out, nil
}

// generatedFiles are the files the site's deployment writes at deploy time (config.json), by path,
// resolved to the local stack.
type generatedFiles map[string][]byte

// siteFiles resolves the stage's generated site files.
func siteFiles(stage *mapping.Stage, locals mapping.Locals) (generatedFiles, error) {
	out := generatedFiles{}
	var errs []error
	for _, f := range stage.Site {
		body, err := f.Resolve(stage.Assembly, locals)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[f.Path] = body
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("devstack: the site's generated files:\n%w", err)
	}
	return out, nil
}

// serve answers the generated files ahead of next (the built site), as the deployment writes them
// over the build's; config.json also gets the local Cognito's endpoint (cognitoEndpoint, which
// the web app takes instead of the regional one). Like the deployed site's, they are not cached.
func (g generatedFiles) serve(cognitoURL string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := g[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			next.ServeHTTP(w, r)
			return
		}
		if r.URL.Path == "/config.json" {
			var conf map[string]any
			if err := json.Unmarshal(body, &conf); err != nil {
				http.Error(w, "config.json is not a JSON object: "+err.Error(), http.StatusInternalServerError)
				return
			}
			conf["cognitoEndpoint"] = cognitoURL
			body, _ = json.Marshal(conf)
		}
		w.Header().Set("Content-Type", cmp.Or(mime.TypeByExtension(path.Ext(r.URL.Path)), "application/octet-stream"))
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(body)
	})
}
