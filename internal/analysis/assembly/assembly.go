// Package assembly reads a synthesized cloud assembly (cdk.out): the stacks
// of the top-level assembly and of every stage's nested assembly, with what
// `cdk synth` reports about them, their templates (template.go) and the
// construct tree that declared their resources (tree.go). It is the one reader
// of cdk.out in this module: synthsummary, the stack tests, the cost estimate
// and the diagram all go through it.
package assembly

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Stack is one synthesized stack.
type Stack struct {
	// Stage is the stage's name, "" for a stack outside any stage.
	Stage string
	// Name is the stack's construct id within its stage.
	Name string
	// Template is the path of its template file.
	Template string
	// StackName is its CloudFormation stack name ("Dev-Data"), which
	// deployment actions name.
	StackName string
	// Account and Region are its environment; "" when the stack is
	// environment-agnostic (CDK's "unknown-account", "unknown-region").
	Account, Region string
	// Errors are its error annotations ("construct path: message"), cdk-nag's
	// unsuppressed findings among them: what makes `cdk synth` fail.
	Errors []string
}

type manifest struct {
	Artifacts map[string]struct {
		Type        string `json:"type"`
		DisplayName string `json:"displayName"`
		Environment string `json:"environment"`
		Properties  struct {
			TemplateFile  string `json:"templateFile"`
			DirectoryName string `json:"directoryName"`
			StackName     string `json:"stackName"`
		} `json:"properties"`
		Metadata metadata `json:"metadata"`
		// AdditionalMetadataFile holds the metadata instead, in newer
		// assemblies (<artifact>.metadata.json).
		AdditionalMetadataFile string `json:"additionalMetadataFile"`
	} `json:"artifacts"`
}

// metadata is a stack's annotations by construct path.
type metadata map[string][]struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// Stacks lists the stacks of the assembly in dir, sorted by stage and name.
func Stacks(dir string) ([]Stack, error) {
	var out []Stack
	if err := walk(dir, "", &out); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Stage != out[j].Stage {
			return out[i].Stage < out[j].Stage
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

func walk(dir, stage string, out *[]Stack) error {
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return err
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("%s: %v", dir, err)
	}
	for id, a := range m.Artifacts {
		switch a.Type {
		case "cdk:cloud-assembly":
			if err := walk(filepath.Join(dir, a.Properties.DirectoryName), strings.TrimPrefix(id, "assembly-"), out); err != nil {
				return err
			}
		case "aws:cloudformation:stack":
			name := a.DisplayName
			if name == "" {
				name = id
			}
			s := Stack{Stage: stage, Name: name[strings.LastIndex(name, "/")+1:], Template: filepath.Join(dir, a.Properties.TemplateFile),
				StackName: a.Properties.StackName}
			if s.StackName == "" {
				s.StackName = id
			}
			s.Account, s.Region = environment(a.Environment)
			meta := a.Metadata
			if f := a.AdditionalMetadataFile; f != "" {
				raw, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					return err
				}
				if err := json.Unmarshal(raw, &meta); err != nil {
					return fmt.Errorf("%s: %v", f, err)
				}
			}
			for path, entries := range meta {
				for _, e := range entries {
					if e.Type == "aws:cdk:error" {
						s.Errors = append(s.Errors, path+": "+message(e.Data))
					}
				}
			}
			sort.Strings(s.Errors)
			*out = append(*out, s)
		}
	}
	return nil
}

// Path is the stack's construct path: "<Stage>/<Name>", or "<Name>" outside
// a stage.
func (s Stack) Path() string {
	if s.Stage == "" {
		return s.Name
	}
	return s.Stage + "/" + s.Name
}

// environment splits "aws://ACCOUNT/REGION", leaving out CDK's placeholders
// for an environment-agnostic stack.
func environment(env string) (account, region string) {
	account, region, _ = strings.Cut(strings.TrimPrefix(env, "aws://"), "/")
	if account == "unknown-account" {
		account = ""
	}
	if region == "unknown-region" {
		region = ""
	}
	return account, region
}

// message is an annotation's text (a JSON string), or its raw JSON.
func message(data json.RawMessage) string {
	var s string
	if json.Unmarshal(data, &s) == nil {
		return strings.TrimSpace(s)
	}
	return string(data)
}
