package stacks

import (
	"regexp"
	"strings"
	"testing"
)

var previewNameChars = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Branch names become preview names of [a-z0-9-], at most MaxPreviewName
// long, with no hyphen first, last or twice; a name that sanitizing or
// truncating changed carries a hash of the branch, so such branches do not
// collide.
func TestPreviewNameSanitizesLongAndOddBranches(t *testing.T) {
	long := strings.Repeat("x", 200)
	for branch, want := range map[string]string{
		"demo-branch":          "demo-branch",
		"123-start-with-digit": "123-start-with-digit",
		"feature/ÜBER_long_" + strings.Repeat("very_", 12) + "name": "feature-uber-long-very-",
		long:                               "xxxxxxxxxxxxxxxxxxxxxxx-",
		"Feature/Login":                    "feature-login-",
		"a--b":                             "a-b-",
		"exactly-32-characters-long-name1": "exactly-32-characters-long-name1",
	} {
		got, err := PreviewName(branch)
		if err != nil {
			t.Fatalf("%q: %v", branch, err)
		}
		if len(got) > MaxPreviewName || !previewNameChars.MatchString(got) {
			t.Errorf("%q: %q is not [a-z0-9-] within %d characters", branch, got, MaxPreviewName)
		}
		if got != want && !(strings.HasSuffix(want, "-") && strings.HasPrefix(got, want) && len(got) == len(want)+previewHashLen) {
			t.Errorf("%q: %q, want %q (a trailing hyphen: then 8 hex characters)", branch, got, want)
		}
		again, _ := PreviewName(branch)
		if again != got {
			t.Errorf("%q: %q then %q", branch, got, again)
		}
	}
	seen := map[string]string{}
	for _, b := range []string{"feature/x", "feature-x", "Feature-X", long, long + "y", strings.Repeat("x", 201)} {
		n, _ := PreviewName(b)
		if other, dup := seen[n]; dup {
			t.Errorf("%q and %q both name the preview %q", other, b, n)
		}
		seen[n] = b
	}
}

func TestPreviewNameRefusesBranchesWithoutLetters(t *testing.T) {
	for _, branch := range []string{"", "--", "///", "__", "ÜÜ"[:0], "日本"} {
		if _, err := PreviewName(branch); err == nil || !strings.Contains(err.Error(), "no letter or digit") {
			t.Errorf("%q: %v, want an error saying it has no letter or digit", branch, err)
		}
		if _, err := Preview(branch); err == nil {
			t.Errorf("Preview(%q) gave a config", branch)
		}
	}
}

// The preview config is Dev's, renamed and made disposable.
func TestPreviewIsDisposableDev(t *testing.T) {
	cfg, err := Preview("demo-branch")
	if err != nil {
		t.Fatal(err)
	}
	dev := Dev()
	if cfg.Name != "Preview-demo-branch" || !cfg.IsPreview() || dev.IsPreview() {
		t.Errorf("name %q", cfg.Name)
	}
	if cfg.Production || cfg.RemovalPolicy != "DESTROY" || cfg.Backup.Enabled || cfg.OnCall || cfg.Database.Restore.IsSet() {
		t.Errorf("not disposable: %+v", cfg)
	}
	if cfg.Database.MinCapacity != dev.Database.MinCapacity || cfg.Database.Proxy != dev.Database.Proxy || cfg.Api.WebAcl != dev.Api.WebAcl {
		t.Errorf("not Dev's shape: %+v", cfg)
	}
	if p := stageProblems(DefaultRegion, cfg); len(p) > 0 {
		t.Errorf("invalid: %v", p)
	}
}

func TestPreviewSettingsProblems(t *testing.T) {
	wantAll(t, Options{Preview: "--", Stage: "Dev", PreviewCreated: "07/12/2026"}.problems(),
		`preview "--" has no letter or digit`,
		`stage "Dev" and preview "--" exclude each other`,
		`previewCreated "07/12/2026" is not a date`)
	wantAll(t, Options{Preview: "demo"}.problems(), `previewCreated "" is not a date`)
	if p := (Options{Preview: "demo", PreviewCreated: "2026-12-07"}).problems(); len(p) > 0 {
		t.Errorf("valid preview settings: %v", p)
	}
	if p := (Options{PreviewCreated: "2026-02-30", Preview: "x"}).problems(); len(p) != 1 {
		t.Errorf("2026-02-30 is no date: %v", p)
	}
}
