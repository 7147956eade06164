package diagram

import (
	"context"
	"strings"
	"testing"
)

// testdata/twostacks is a hand-written assembly: stage S with a Data stack
// exporting a queue (with a dead-letter queue) and an App stack whose topic
// feeds it and whose worker polls it through the import; a custom resource's
// provider (absent from tree.json, as CDK's are) and a queue wired to
// nothing; and a stage Other.
const twoStacks = "testdata/twostacks"

func TestEdgesFollowTheWiringAcrossStacks(t *testing.T) {
	g, err := Build(twoStacks, Options{Detail: []string{"S"}})
	if err != nil {
		t.Fatal(err)
	}
	m := g.Mermaid()
	for _, want := range []string{
		"S_App_Topic --> S_Data_Queue\n",  // subscription through Fn::ImportValue
		"S_Data_Queue --> S_App_Worker\n", // event source through Fn::ImportValue
		`S_Data_Queue -->|"dead letters"| S_Data_DeadLetters` + "\n",
		`S_App_Worker -->|"publish"| S_App_Topic` + "\n", // an IAM grant
		`S_App_Worker["Lambda<br/>Worker"]`,              // named from tree.json, hash dropped
		`subgraph group_S_Data["Data stack"]`,
		`unit_Other[["Other stage<br/>1 stack, not detailed"]]`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("Mermaid lacks %q:\n%s", want, m)
		}
	}
	for _, unwanted := range []string{"ProviderHandler", "Lonely", "S_App_Worker --> S_Data_Queue", `"consume"`} {
		if strings.Contains(m, unwanted) {
			t.Errorf("Mermaid has %q (plumbing, an unwired node, or a consumer's grant repeating its event source):\n%s", unwanted, m)
		}
	}
}

func TestEverythingInDetailByDefault(t *testing.T) {
	g, err := Build(twoStacks, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range g.Nodes {
		if n.Service == "stage" {
			t.Errorf("with no Detail, %s is collapsed", n.ID)
		}
	}
}

func TestUnknownDetailIsNamed(t *testing.T) {
	_, err := Build(twoStacks, Options{Detail: []string{"Prod", "S"}})
	if err == nil || !strings.Contains(err.Error(), "no stage or top-level stack named Prod (there are Other, S)") {
		t.Errorf("err = %v", err)
	}
}

func TestSVGRendersEveryNode(t *testing.T) {
	g, err := Build(twoStacks, Options{Detail: []string{"S"}})
	if err != nil {
		t.Fatal(err)
	}
	svg, err := g.SVG(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range g.Nodes {
		if !strings.Contains(string(svg), "<title>"+n.ID+"</title>") {
			t.Errorf("the SVG has no node %s", n.ID)
		}
	}
	if got := strings.Count(string(svg), `class="edge"`); got != len(g.Edges) {
		t.Errorf("the SVG has %d edges, the graph %d", got, len(g.Edges))
	}
}
