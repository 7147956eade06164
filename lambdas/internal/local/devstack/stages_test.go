package devstack

import (
	"path/filepath"
	"testing"

	"github.com/stratus-cdk/stratus/lambdas/internal/local/mapping"
)

// stageOf reads a stage's golden templates (test/testdata/<stage>, which the snapshot test keeps
// equal to `make synth`'s), so that these tests run what that stage deploys without a synth.
func stageOf(tb testing.TB, stage string) *mapping.Stage {
	tb.Helper()
	s, err := mapping.Read(filepath.Join("..", "..", "..", "..", "test", "testdata", stage))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
