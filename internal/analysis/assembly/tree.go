package assembly

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Construct is the construct that declared a CloudFormation resource, from
// the assembly's tree.json.
type Construct struct {
	// Path is the construct path of the resource's L1 ("Dev/App/Worker/Resource").
	Path string
	// FQNs are the construct classes from the L1 up to the stack's child
	// ("aws-cdk-lib.aws_lambda.CfnFunction", "aws-cdk-lib.aws_lambda.Function").
	FQNs []string
}

type treeNode struct {
	ID            string               `json:"id"`
	Path          string               `json:"path"`
	Children      map[string]*treeNode `json:"children"`
	ConstructInfo struct {
		FQN string `json:"fqn"`
	} `json:"constructInfo"`
	Attributes map[string]json.RawMessage `json:"attributes"`
}

// Constructs reads tree.json of the assembly in dir and returns, for each
// stack (by Stack.Path), the construct of each logical id the tree names.
// Resources that CDK declares through a raw CfnResource (its own custom
// resource providers) carry no logical id in the tree and are absent.
func Constructs(dir string, stacks []Stack) (map[string]map[string]Construct, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "tree.json"))
	if err != nil {
		return nil, err
	}
	var doc struct {
		Tree *treeNode `json:"tree"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, "tree.json"), err)
	}
	out := map[string]map[string]Construct{}
	isStack := map[string]bool{}
	for _, s := range stacks {
		isStack[s.Path()] = true
		out[s.Path()] = map[string]Construct{}
	}
	if doc.Tree != nil {
		visit(doc.Tree, "", nil, isStack, out)
	}
	return out, nil
}

// visit walks the tree keeping the enclosing stack and the classes of the
// constructs between it and n.
func visit(n *treeNode, stack string, fqns []string, isStack map[string]bool, out map[string]map[string]Construct) {
	if isStack[n.Path] {
		stack, fqns = n.Path, nil
	} else if stack != "" {
		fqns = append([]string{n.ConstructInfo.FQN}, fqns...)
	}
	if raw, ok := n.Attributes["aws:cdk:cloudformation:logicalId"]; ok && stack != "" {
		var id string
		if json.Unmarshal(raw, &id) == nil {
			out[stack][id] = Construct{Path: n.Path, FQNs: fqns}
		}
	}
	for _, c := range n.Children {
		visit(c, stack, fqns, isStack, out)
	}
}
