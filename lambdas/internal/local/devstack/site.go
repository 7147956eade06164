package devstack

import (
	"html/template"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// siteHandler serves the built web app as the deployed distribution does: files as they are, hashed
// assets cached for good, index.html never cached, and index.html for the app's own routes (paths
// without a file extension), so a reload of /items/… works. Without a build it says how to make one.
func siteHandler(dir string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		index := filepath.Join(dir, "index.html")
		if _, err := os.Stat(index); dir == "" || err != nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = noBuild.Execute(w, dir)
			return
		}
		name := path.Clean("/" + r.URL.Path)
		file := filepath.Join(dir, filepath.FromSlash(name))
		if info, err := os.Stat(file); err == nil && !info.IsDir() {
			if strings.HasPrefix(name, "/assets/") {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				w.Header().Set("Cache-Control", "no-cache")
			}
			http.ServeFile(w, r, file)
			return
		}
		if path.Ext(name) != "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFile(w, r, index)
	})
}

var noBuild = template.Must(template.New("").Parse(`<!doctype html>
<title>Stratus: no web build</title>
<h1>The web app is not built</h1>
<p>No <code>index.html</code> in <code>{{if .}}{{.}}{{else}}(no web folder given){{end}}</code>.
Run <code>make web</code> (or <code>npm run build</code> in <code>web/</code>) and reload.
The API, sign-in and the other local services are running.</p>
`))
