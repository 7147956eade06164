package main

import (
	"bytes"
	"strings"
	"testing"
)

// Over a recorded describe-stacks answer: the previews older than the
// days given, grouped by stage, oldest first; Dev and the CDK toolkit,
// which carry no preview tag, never.
func TestOlderListsOldPreviewsFromDescribeStacks(t *testing.T) {
	for days, want := range map[int]string{
		7: "Preview-old\t2026-10-01\tPreview-old-Web\n" +
			"Preview-demo-branch\t2026-11-20\tPreview-demo-branch-App,Preview-demo-branch-Data\n",
		1: "Preview-old\t2026-10-01\tPreview-old-Web\n" +
			"Preview-demo-branch\t2026-11-20\tPreview-demo-branch-App,Preview-demo-branch-Data\n" +
			"Preview-feature-login-3fa1c2d9\t2026-12-05\tPreview-feature-login-3fa1c2d9-Data\n",
		// 2026-12-05 is exactly two days before: not older than two.
		2:   "Preview-old\t2026-10-01\tPreview-old-Web\nPreview-demo-branch\t2026-11-20\tPreview-demo-branch-App,Preview-demo-branch-Data\n",
		100: "",
	} {
		var out bytes.Buffer
		if err := run("", days, "2026-12-07", []string{"testdata/describe-stacks.json"}, nil, &out); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("-older-than %d:\n%s\nwant:\n%s", days, out.String(), want)
		}
	}
}

func TestOlderRefusesABadDateTag(t *testing.T) {
	in := `{"Stacks": [{"StackName": "Preview-x-Data", "Tags": [{"Key": "stratus:preview-created", "Value": "last week"}]}]}`
	if err := run("", 7, "2026-12-07", nil, strings.NewReader(in), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "Preview-x-Data") {
		t.Errorf("%v, want an error naming the stack", err)
	}
	if err := run("", 7, "2026-12-07", nil, strings.NewReader("<html>"), &bytes.Buffer{}); err == nil {
		t.Error("not JSON: no error")
	}
}

func TestNamePrintsTheStageName(t *testing.T) {
	var out bytes.Buffer
	if err := run("demo-branch", -1, "", nil, nil, &out); err != nil || out.String() != "Preview-demo-branch\n" {
		t.Errorf("%q, %v", out.String(), err)
	}
	if err := run("--", -1, "", nil, nil, &out); err == nil {
		t.Error("-name --: no error")
	}
	if err := run("", -1, "", nil, nil, &out); err == nil {
		t.Error("neither flag: no error")
	}
}
