package migrationcheck

import (
	"os/exec"
	"strings"
	"testing"
)

// The Lambda functions build with CGO_ENABLED=0 and PostgreSQL's parser is
// cgo: nothing under lambdas/ (tests included) may depend on this package.
func TestNothingUnderLambdasDependsOnTheParser(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-test", "-f", "{{.ImportPath}}", "./lambdas/...")
	cmd.Dir = "../../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var bad []string
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "pganalyze/pg_query_go") || strings.HasSuffix(pkg, "/internal/migrationcheck") {
			bad = append(bad, pkg)
		}
	}
	if len(bad) > 0 {
		t.Errorf("packages under lambdas/ depend on %s (cgo; the functions build with CGO_ENABLED=0)", strings.Join(bad, ", "))
	}
}
