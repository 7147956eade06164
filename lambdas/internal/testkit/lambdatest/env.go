package lambdatest

import (
	"slices"
	"sync"
	"testing"

	"github.com/stratus-cdk/stratus/contract"
)

// CheckEnv fails t unless load, a function's configuration loader, reads
// exactly the variables the contract declares for fn: a variable the handler
// reads that no stack sets, or one the stack sets that the handler ignores,
// is drift. The stack side is checked against the same declaration in test/.
func CheckEnv(t testing.TB, fn contract.Function, load func(getenv func(string) string)) {
	t.Helper()
	var mu sync.Mutex
	seen := map[string]bool{}
	load(func(name string) string {
		mu.Lock()
		defer mu.Unlock()
		seen[name] = true
		return ""
	})
	var got []string
	for name := range seen {
		got = append(got, name)
	}
	slices.Sort(got)
	if want := fn.Reads(); !slices.Equal(got, want) {
		t.Errorf("lambdas/%s reads %v; contract.%s declares %v (update contract/env.go and the stack together)",
			fn.Name, got, exported(fn.Name), want)
	}
}

// exported is the contract's variable name for the function.
func exported(name string) string {
	if name == "api" {
		return "API"
	}
	return string(name[0]-'a'+'A') + name[1:]
}
