package mapping

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

var siteEmulation = emulation{
	service: "the site's runtime files (S3 bucket deployment)", file: "site.go",
	reads: map[string][]string{"Custom::CDKBucketDeployment": {"SourceObjectKeys", "SourceMarkers", "SourceMarkersConfig"}},
	inert: map[string][]string{"Custom::CDKBucketDeployment": {"ServiceToken", "SourceBucketNames", "DestinationBucketName",
		"DestinationBucketKeyPrefix", "Prune", "RetainOnDelete", "DistributionId", "DistributionPaths", "WaitForDistributionInvalidation",
		"OutputObjectKeys", "Extract"}},
	locally: "the files a deployment generates at deploy time (`config.json`), from the assembly's asset, with their tokens resolved to the local stand-ins (the local Cognito's pool and client ids), served ahead of `web/dist`",
}

// SiteFile is a file that a bucket deployment writes with deploy-time values: a source with
// markers (s3deploy's Source.jsonData, such as the site's config.json).
type SiteFile struct {
	Deployment *Resource
	// Path is the object key, relative to the deployment's destination.
	Path string
	// Body is the file as synthesized, with its markers.
	Body []byte
	// Markers are the values the deployment substitutes for each marker, unresolved.
	Markers map[string]any
	// JSONEscape escapes the values as JSON string content (SourceMarkersConfig.jsonEscape).
	JSONEscape bool
}

// Resolve is the file with its markers replaced by their local values (see [Assembly.Resolve]).
func (f SiteFile) Resolve(a *Assembly, l Locals) ([]byte, error) {
	markers := make([]string, 0, len(f.Markers))
	for m := range f.Markers {
		markers = append(markers, m)
	}
	sort.Strings(markers)
	body := string(f.Body)
	var errs []error
	for _, m := range markers {
		v, err := a.Resolve(f.Deployment, f.Markers[m], l)
		if err != nil {
			errs = append(errs, &PropertyError{Resource: f.Deployment, Property: "SourceMarkers." + m, Problem: err.Error()})
			continue
		}
		if f.JSONEscape {
			quoted, _ := json.Marshal(v)
			v = string(quoted[1 : len(quoted)-1])
		}
		body = strings.ReplaceAll(body, m, v)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return []byte(body), nil
}

// readSite reads the files of every bucket deployment's sources that carry markers. Each source
// is found through its stack's asset manifest (<stack>.assets.json: the asset whose object key
// the template names); in a folder of templates, in the folder <stack>.<deployment>.source<i>.
func readSite(a *Assembly) ([]SiteFile, []string, error) {
	var files []SiteFile
	var notes []string
	var errs []error
	for _, d := range a.OfType("Custom::CDKBucketDeployment") {
		notes = append(notes, unemulated(d, siteEmulation.known(d.Type)...)...)
		rd := &reader{r: d}
		keys := rd.strings(nil, "SourceObjectKeys")
		markers := d.List("SourceMarkers")
		configs := d.List("SourceMarkersConfig")
		for i, m := range markers {
			m, _ := m.(map[string]any)
			if len(m) == 0 || i >= len(keys) {
				continue
			}
			escape := false
			if i < len(configs) {
				c, _ := configs[i].(map[string]any)
				escape, _ = c["jsonEscape"].(bool)
			}
			source, err := sourceFiles(a, d, i, keys[i])
			if err != nil {
				rd.fail([]string{"SourceObjectKeys", fmt.Sprint(i)}, "%v", err)
				continue
			}
			for path, body := range source {
				files = append(files, SiteFile{Deployment: d, Path: path, Body: body, Markers: m, JSONEscape: escape})
			}
		}
		errs = append(errs, rd.err())
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, notes, errors.Join(errs...)
}

// SourceDir is the folder that holds, in a folder of templates, source i of deployment d.
func SourceDir(dir, stack, deployment string, i int) string {
	return filepath.Join(dir, fmt.Sprintf("%s.%s.source%d", stack, deployment, i))
}

// sourceFiles reads the files of source i (object key key) of deployment d.
func sourceFiles(a *Assembly, d *Resource, i int, key string) (map[string][]byte, error) {
	if d.Stack.StackName == "" {
		dir := SourceDir(a.Dir, d.Stack.Name, d.LogicalID, i)
		return readTree(os.DirFS(dir), dir)
	}
	manifest := strings.TrimSuffix(d.Stack.Template, ".template.json") + ".assets.json"
	raw, err := os.ReadFile(manifest)
	if err != nil {
		return nil, fmt.Errorf("the asset manifest: %w", err)
	}
	var m struct {
		Files map[string]struct {
			Source struct {
				Path      string `json:"path"`
				Packaging string `json:"packaging"`
			} `json:"source"`
			Destinations map[string]struct {
				ObjectKey string `json:"objectKey"`
			} `json:"destinations"`
		} `json:"files"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", manifest, err)
	}
	for _, f := range m.Files {
		for _, dst := range f.Destinations {
			if dst.ObjectKey != key {
				continue
			}
			path := filepath.Join(filepath.Dir(manifest), f.Source.Path)
			if info, err := os.Stat(path); err == nil && info.IsDir() {
				return readTree(os.DirFS(path), path)
			}
			z, err := zip.OpenReader(path)
			if err != nil {
				return nil, fmt.Errorf("asset %s: %w", path, err)
			}
			defer z.Close()
			return readTree(z, path)
		}
	}
	return nil, fmt.Errorf("is %q, which no asset of %s names", key, manifest)
}

// readTree reads every file of fsys (a source's folder or zip, at where).
func readTree(fsys fs.FS, where string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		f, err := fsys.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		out[path], err = io.ReadAll(f)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", where, err)
	}
	return out, nil
}
