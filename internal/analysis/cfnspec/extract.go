package cfnspec

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"sort"
)

// The parts of db.json.gz the extract reads.
type serviceSpec struct {
	Schema struct {
		Resource struct {
			Entities []struct {
				CloudFormationType string              `json:"cloudFormationType"`
				Properties         map[string]property `json:"properties"`
			} `json:"entities"`
		} `json:"resource"`
		TypeDefinition struct {
			Entities []struct {
				ID         string              `json:"$id"`
				Properties map[string]property `json:"properties"`
			} `json:"entities"`
		} `json:"typeDefinition"`
	} `json:"schema"`
}

type property struct {
	Type              propertyType `json:"type"`
	CausesReplacement string       `json:"causesReplacement"`
}

type propertyType struct {
	Type      string `json:"type"`
	Reference struct {
		Ref string `json:"$ref"`
	} `json:"reference"`
	Element *propertyType  `json:"element"`
	Types   []propertyType `json:"types"`
}

// FromServiceSpec builds the extract from the gzipped db.json of
// @aws-cdk/aws-service-spec at the given version.
func FromServiceSpec(gz io.Reader, version string) (*Extract, error) {
	zr, err := gzip.NewReader(gz)
	if err != nil {
		return nil, fmt.Errorf("db.json.gz: %v", err)
	}
	var db serviceSpec
	if err := json.NewDecoder(zr).Decode(&db); err != nil {
		return nil, fmt.Errorf("db.json.gz: %v", err)
	}
	types := map[string]map[string]property{}
	for _, t := range db.Schema.TypeDefinition.Entities {
		types[t.ID] = t.Properties
	}
	out := &Extract{Package: "@aws-cdk/aws-service-spec", Version: version, Resources: map[string]map[string]string{}}
	for _, r := range db.Schema.Resource.Entities {
		if r.CloudFormationType == "" {
			continue
		}
		paths := map[string]string{}
		for name, p := range r.Properties {
			collect(types, name, p, map[string]bool{}, paths)
		}
		out.Resources[r.CloudFormationType] = paths
	}
	if len(out.Resources) == 0 {
		return nil, fmt.Errorf("db.json.gz: no resource types")
	}
	return out, nil
}

// collect records path when p is marked, else looks into p's nested type.
// seen stops at recursive types.
func collect(types map[string]map[string]property, path string, p property, seen map[string]bool, out map[string]string) {
	switch p.CausesReplacement {
	case "yes", "maybe":
		out[path] = p.CausesReplacement
		return
	}
	descend(types, path, p.Type, seen, out)
}

func descend(types map[string]map[string]property, path string, t propertyType, seen map[string]bool, out map[string]string) {
	switch t.Type {
	case "ref":
		id := t.Reference.Ref
		if seen[id] {
			return
		}
		seen[id] = true
		defer delete(seen, id)
		for name, p := range types[id] {
			collect(types, path+"."+name, p, seen, out)
		}
	case "array":
		if t.Element != nil {
			descend(types, path+"[]", *t.Element, seen, out)
		}
	case "map":
		if t.Element != nil {
			descend(types, path+".*", *t.Element, seen, out)
		}
	case "union":
		for _, u := range t.Types {
			descend(types, path, u, seen, out)
		}
	}
}

// Marshal renders the extract with one resource type per line, sorted, so
// that a new spec version is a readable diff.
func (e *Extract) Marshal() []byte {
	var b bytes.Buffer
	head, _ := json.Marshal(e.Package)
	ver, _ := json.Marshal(e.Version)
	fmt.Fprintf(&b, "{\n\"package\": %s,\n\"version\": %s,\n\"resources\": {\n", head, ver)
	names := make([]string, 0, len(e.Resources))
	for n := range e.Resources {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		key, _ := json.Marshal(n)
		props, _ := json.Marshal(e.Resources[n]) // map keys come out sorted
		sep := ","
		if i == len(names)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "%s: %s%s\n", key, props, sep)
	}
	b.WriteString("}\n}\n")
	return b.Bytes()
}
