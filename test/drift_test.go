package test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/stratus-cdk/stratus/internal/analysis/assembly"
)

// pipelineAction is one action of the synthesized pipeline.
type pipelineAction struct {
	Name, Category string
	RunOrder       float64
	Project        string // the CodeBuild project's logical id, for a CodeBuild action
}

// pipelineStages are the stages of the Pipeline stack's CodePipeline, in
// order, with their actions.
func pipelineStages(t *testing.T, tpl template) ([]string, map[string][]pipelineAction) {
	t.Helper()
	var names []string
	actions := map[string][]pipelineAction{}
	for _, r := range tpl.ofType("AWS::CodePipeline::Pipeline") {
		for _, s := range r.Properties["Stages"].([]any) {
			sm := s.(map[string]any)
			name := sm["Name"].(string)
			names = append(names, name)
			for _, a := range sm["Actions"].([]any) {
				am := a.(map[string]any)
				// A name may be a token (CDK Pipelines names asset actions so).
				actionName, _ := am["Name"].(string)
				pa := pipelineAction{Name: actionName, Category: am["ActionTypeId"].(map[string]any)["Category"].(string),
					RunOrder: am["RunOrder"].(float64)}
				if cfg, ok := am["Configuration"].(map[string]any); ok {
					if ref, ok := cfg["ProjectName"].(map[string]any); ok {
						pa.Project, _ = ref["Ref"].(string)
					}
				}
				actions[name] = append(actions[name], pa)
			}
		}
	}
	return names, actions
}

// The drift gate runs in Staging's and Prod's pipeline stages (each after
// the stage before it), after Prod's approval and before any deploy action
// of the stage, running cmd/drift on that stage of the synthesized assembly
// as the stage's account's lookup role.
func TestPipelineChecksDriftBeforeStagingAndProdDeploy(t *testing.T) {
	if built.Pipeline == nil {
		t.Fatal("no pipeline: the test app is built with an account")
	}
	tpl := load(t, awscdk.Stack_Of(built.Pipeline.Construct))
	names, actions := pipelineStages(t, tpl)
	if i, j, k := slices.Index(names, "UpdatePipeline"), slices.Index(names, "Staging"), slices.Index(names, "Prod"); i < 0 || !(i < j && j < k) {
		t.Fatalf("pipeline stages %q: want UpdatePipeline, then Staging, then Prod", names)
	}
	stacks, err := assembly.Stacks(assemblyDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, stage := range []string{"Staging", "Prod"} {
		var check *pipelineAction
		for i, a := range actions[stage] {
			if a.Name == "DriftCheck" {
				check = &actions[stage][i]
			}
		}
		if check == nil || check.Category != "Build" || check.Project == "" {
			t.Errorf("%s: no DriftCheck CodeBuild action in %+v", stage, actions[stage])
			continue
		}
		deploys := 0
		for _, a := range actions[stage] {
			switch a.Category {
			case "Deploy":
				deploys++
				if a.RunOrder <= check.RunOrder {
					t.Errorf("%s: %s runs at %v, not after the drift check (%v)", stage, a.Name, a.RunOrder, check.RunOrder)
				}
			case "Approval":
				if a.RunOrder >= check.RunOrder {
					t.Errorf("%s: approval %s at %v, not before the drift check (%v)", stage, a.Name, a.RunOrder, check.RunOrder)
				}
			}
		}
		if deploys == 0 {
			t.Errorf("%s: no deploy actions", stage)
		}
		if stage == "Prod" && actions[stage][0].Category != "Approval" {
			t.Errorf("Prod's first action is %s, want the approval", actions[stage][0].Name)
		}

		project := tpl.Resources[check.Project].Properties
		spec := project["Source"].(map[string]any)["BuildSpec"].(string)
		want := `go run ./cmd/drift -assembly cdk.out -role-arn \"$DRIFT_ROLE_ARN\" -account \"$DRIFT_ACCOUNT\" ` + stage + `"`
		if !strings.Contains(spec, want) {
			t.Errorf("%s: the drift step does not run %s:\n%s", stage, want, spec)
		}
		// The stage cmd/drift is told exists in the assembly, with its
		// stacks in the account the step assumes a role in.
		var account string
		for _, s := range stacks {
			if s.Stage == stage {
				account = s.Account
			}
		}
		vars := map[string]string{}
		for _, v := range project["Environment"].(map[string]any)["EnvironmentVariables"].([]any) {
			vm := v.(map[string]any)
			b, _ := json.Marshal(vm["Value"])
			vars[vm["Name"].(string)] = string(b)
		}
		if account == "" || vars["DRIFT_ACCOUNT"] != `"`+account+`"` ||
			!strings.Contains(vars["DRIFT_ROLE_ARN"], ":iam::"+account+":role/cdk-hnb659fds-lookup-role-"+account+"-eu-west-1") {
			t.Errorf("%s: stacks in account %q, drift step environment %v", stage, account, vars)
		}
	}
}
