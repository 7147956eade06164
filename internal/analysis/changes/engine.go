// Package changes compares two synthesized versions of the app, stack by
// stack, and reports what a deployment from the first to the second does:
// resources added, removed and modified; which are replaced; IAM
// permissions widened; security-group rules opened. It is `make diff`'s
// report (cmd/stratusdiff), which adds the stateful-lock check.
//
// # Engine and replacements
//
// Added, removed and modified resources, IAM statements and security-group
// rules come from npm @aws-cdk/cloudformation-diff, the engine behind `cdk
// diff` (pinned in package.json), run by cfndiff.js, the Node script next to this file: this
// package writes no template differ of its own. Replacements do not come
// from the engine but from the pinned resource schemas (package cfnspec,
// the same data the stateful-resource lock uses), because the engine
// misses some: it looks only at top-level properties (a nested create-only
// property such as AWS::EC2::VPCEndpoint DnsOptions.PrivateDnsPreference
// counts as an update), and it propagates a replacement to the resources
// referring to the replaced one only from a certain replacement ("yes", not
// "maybe") and only through Ref and Fn::GetAtt, not Fn::Sub. Where the two
// disagree, the report says so (the tests pin each case).
//
// Both count a replacing property that reads an attribute of a replaced
// resource (Fn::GetAtt) as changed, although some attributes survive a
// replacement (an Aurora cluster's Endpoint.Port): an over-report the
// schemas cannot settle, since they do not say which attributes change.
package changes

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
)

// Engine runs cfndiff.js (internal/analysis/changes/cfndiff.js) with Node.
type Engine struct {
	// Root is the repository root: the script and its node_modules are there.
	Root string
	// Node is the node binary. Default: "node" on the PATH.
	Node string
}

// engineRequest is one pair of templates; "" is a stack that does not exist.
type engineRequest struct {
	Stack string  `json:"stack"`
	Old   *string `json:"old"`
	New   *string `json:"new"`
}

// engineStack is the engine's answer for one stack.
type engineStack struct {
	Stack     string           `json:"stack"`
	Resources []engineResource `json:"resources"`
	IAM       struct {
		Added                []Statement `json:"added"`
		Removed              []Statement `json:"removed"`
		ManagedPoliciesAdded []string    `json:"managedPoliciesAdded"`
	} `json:"iam"`
	SecurityGroups struct {
		IngressAdded []Rule `json:"ingressAdded"`
		EgressAdded  []Rule `json:"egressAdded"`
	} `json:"securityGroups"`
}

type engineResource struct {
	LogicalID  string            `json:"logicalId"`
	OldType    string            `json:"oldType"`
	NewType    string            `json:"newType"`
	Change     string            `json:"change"` // added, removed, modified
	Impact     string            `json:"impact"` // WILL_UPDATE, WILL_REPLACE, MAY_REPLACE, …
	Properties map[string]string `json:"properties"`
	Other      []string          `json:"other"`
}

// Statement is an IAM policy statement as the engine reads it.
type Statement struct {
	Effect       string   `json:"effect"`
	Negative     bool     `json:"negative"`
	Actions      []string `json:"actions"`
	NotActions   bool     `json:"notActions"`
	Resources    []string `json:"resources"`
	NotResources bool     `json:"notResources"`
	Principals   []string `json:"principals"`
	Rendered     struct {
		Resource, Action, Principal, Condition string
	} `json:"rendered"`
}

// Rule is a security-group rule as the engine reads it.
type Rule struct {
	GroupID  string `json:"groupId"`
	Protocol string `json:"protocol"`
	PeerText string `json:"peerText"`
	Peer     struct {
		Kind string `json:"kind"`
		IP   string `json:"ip"`
	} `json:"peer"`
}

// run diffs every pair in one Node process (the engine loads the
// resource schemas once).
func (e Engine) run(ctx context.Context, pairs []engineRequest) ([]engineStack, error) {
	node := e.Node
	if node == "" {
		node = "node"
	}
	req, err := json.Marshal(pairs)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, node, filepath.Join("internal", "analysis", "changes", "cfndiff.js"))
	cmd.Dir = e.Root
	cmd.Stdin = bytes.NewReader(req)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("internal/analysis/changes/cfndiff.js (run `make deps` to install @aws-cdk/cloudformation-diff): %v\n%s", err, stderr.String())
	}
	var out []engineStack
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("internal/analysis/changes/cfndiff.js: %v", err)
	}
	if len(out) != len(pairs) {
		return nil, fmt.Errorf("internal/analysis/changes/cfndiff.js answered %d stacks for %d", len(out), len(pairs))
	}
	return out, nil
}
