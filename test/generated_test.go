package test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/stratus-cdk/stratus/analysis/cost"
	"github.com/stratus-cdk/stratus/analysis/diagram"
	"github.com/stratus-cdk/stratus/internal/analysis/mdblock"
)

// The README's generated sections and docs/architecture.svg agree with the
// app synthesized here, which is the synthesis `make cost` and `make diagram`
// read (the placeholder account, eu-west-1): a change to the infrastructure
// that leaves them stale fails here until `make cost diagram` is run.

// diagramDetail is the stage the README draws in detail, as in the Makefile.
var diagramDetail = []string{"Prod"}

func TestReadmeCostTableIsCurrent(t *testing.T) {
	res, err := cost.Estimate(assemblyDir, cost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkBlock(t, "cost", res.Markdown(), "make cost")
}

func TestReadmeDiagramIsCurrent(t *testing.T) {
	g, err := diagram.Build(assemblyDir, diagram.Options{Detail: diagramDetail})
	if err != nil {
		t.Fatal(err)
	}
	checkBlock(t, "diagram", diagram.MarkdownBlock(g.Mermaid()), "make diagram")
	svg, err := g.SVG(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("docs/architecture.svg")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(svg, committed) {
		t.Errorf("docs/architecture.svg is stale: run make diagram\n%s", unified(string(committed), string(svg)))
	}
}

// Every resource type the app synthesizes has a price rule or a stated
// reason it is free or left out: a new type fails here, not as a silent zero.
func TestEveryResourceTypeIsPricedOrExplained(t *testing.T) {
	res, err := cost.Estimate(assemblyDir, cost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if types := res.UnpricedTypes(); len(types) > 0 {
		t.Errorf("resource types with no rule in package cost (price them, or list them as free or not priced with a reason): %v", types)
	}
	for _, s := range res.Stacks {
		for _, u := range s.Unpriced {
			if u.Reason == "" {
				t.Errorf("%s %s (%s) is left out without a reason", s.Stack.Path(), u.LogicalID, u.Type)
			}
		}
	}
}

// The diagram draws the wiring the issue names, from the templates.
func TestDiagramShowsTheWiring(t *testing.T) {
	g, err := diagram.Build(assemblyDir, diagram.Options{Detail: diagramDetail})
	if err != nil {
		t.Fatal(err)
	}
	m := g.Mermaid()
	for _, want := range []string{
		`Browser -->|"HTTPS"| Prod_Web_SiteDistribution`,
		`Prod_Web_SiteDistribution --> Prod_Web_SiteBucket`,
		`Prod_Web_SiteDistribution -->|"/v1/*"| Prod_App_Api`, // across stacks, Fn::GetStackOutput
		`Prod_App_Api --> Prod_App_ApiHandler`,
		`Prod_App_ApiHandler -->|":5432, IAM auth"| Prod_Data_DatabaseProxy`, // across stacks
		`Prod_App_ApiHandler -->|"publish"| Prod_App_EventsTopic`,
		`Prod_App_EventsTopic --> Prod_App_EventsWorkerQueue`,
		`Prod_App_EventsWorkerQueue --> Prod_App_Worker`,
		`Prod_App_EventsWorkerQueue -->|"dead letters"| Prod_App_EventsWorkerDeadLetterQueue`,
		`Prod_App_Uploads -->|"object created"| Prod_App_EventsTopic`,
		`Prod_App_OutboxSchedule -->|"rate(1 minute)"| Prod_App_Outbox`,
		`Prod_Data_DatabaseProxy -->|"pools"| Prod_Data_DatabaseCluster`,
		`Prod_Edge_SiteWebAcl -->|"filters"| Prod_Web_SiteDistribution`, // across regions
		`unit_Pipeline -->|"deploys"| group_Prod`,
		`unit_Pipeline -->|"deploys"| unit_Staging`,
	} {
		if !strings.Contains(m, want+"\n") {
			t.Errorf("the diagram lacks %s", want)
		}
	}
	if strings.Contains(m, "CustomResourceProvider") || strings.Contains(m, "BucketNotificationsHandler") {
		t.Errorf("CDK's custom resource machinery is drawn:\n%s", m)
	}
	if !strings.Contains(m, "unit_Dev[[") {
		t.Errorf("Dev, not detailed, is not one box:\n%s", m)
	}
}

// checkBlock compares a generated block of README.md with what it should be.
func checkBlock(t *testing.T, name, want, command string) {
	t.Helper()
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	got, err := mdblock.Get(string(raw), name)
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	if got != want {
		t.Errorf("README.md's %s block is stale: run %s\n%s", name, command, unified(got, want))
	}
}

func unified(a, b string) string {
	d, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{A: difflib.SplitLines(a), B: difflib.SplitLines(b),
		FromFile: "committed", ToFile: "generated", Context: 2})
	return d
}
