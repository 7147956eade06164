// Command synthsummary prints one line per synthesized stack of a cloud
// assembly: stage, stack and resource count.
//
//	go run ./internal/synthsummary cdk.out
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
)

type manifest struct {
	Artifacts map[string]struct {
		Type       string `json:"type"`
		Properties struct {
			TemplateFile  string `json:"templateFile"`
			DirectoryName string `json:"directoryName"`
			StackName     string `json:"stackName"`
		} `json:"properties"`
		DisplayName string `json:"displayName"`
	} `json:"artifacts"`
}

type row struct {
	stage, stack string
	resources    int
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: synthsummary CLOUD_ASSEMBLY_DIR")
		os.Exit(2)
	}
	var rows []row
	if err := walk(os.Args[1], "", &rows); err != nil {
		fmt.Fprintln(os.Stderr, "synthsummary:", err)
		os.Exit(1)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].stage != rows[j].stage {
			return rows[i].stage < rows[j].stage
		}
		return rows[i].stack < rows[j].stack
	})
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "STAGE\tSTACK\tRESOURCES")
	total := 0
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%d\n", r.stage, r.stack, r.resources)
		total += r.resources
	}
	fmt.Fprintf(w, "\t%d stacks\t%d\n", len(rows), total)
	w.Flush()
}

// walk reads the manifest of an assembly and of every nested stage assembly.
func walk(dir, stage string, rows *[]row) error {
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
		case "aws:cloudformation:stack":
			tpl, err := os.ReadFile(filepath.Join(dir, a.Properties.TemplateFile))
			if err != nil {
				return err
			}
			var t struct {
				Resources map[string]json.RawMessage `json:"Resources"`
			}
			if err := json.Unmarshal(tpl, &t); err != nil {
				return fmt.Errorf("%s: %v", a.Properties.TemplateFile, err)
			}
			name := a.DisplayName
			if name == "" {
				name = id
			}
			s := stage
			if i := strings.LastIndex(name, "/"); i >= 0 {
				name = name[i+1:]
			}
			if s == "" {
				s = "-"
			}
			*rows = append(*rows, row{stage: s, stack: name, resources: len(t.Resources)})
		case "cdk:cloud-assembly":
			if err := walk(filepath.Join(dir, a.Properties.DirectoryName), strings.TrimPrefix(id, "assembly-"), rows); err != nil {
				return err
			}
		}
	}
	return nil
}
