package main

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/lambdatest"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

// BenchmarkBootstrapInit measures a cold start of the real bootstrap under
// the Runtime Interface Emulator: from an emulator that is listening to the
// answer of the first GET /health (process start, Go runtime and package
// init, wiring, the first database connection and query). ns/op is that
// cold invoke; warm-ms is the next invoke of the same instance.
//
//	go test -run '^$' -bench BootstrapInit -benchtime 10x ./lambdas/api
func BenchmarkBootstrapInit(b *testing.B) {
	bin := lambdatest.Build(b, pkg)
	rie := lambdatest.RIE(b)
	vars := env(pgtest.NewDB(b))
	ev, err := os.ReadFile("testdata/health.json")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var warm time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		fn, err := lambdatest.StartE(rie, bin, vars)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := fn.InvokeE(ctx, ev); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		start := time.Now()
		if _, err := fn.InvokeE(ctx, ev); err != nil {
			b.Fatal(err)
		}
		warm += time.Since(start)
		fn.Stop()
		b.StartTimer()
	}
	b.ReportMetric(float64(warm.Microseconds())/1000/float64(b.N), "warm-ms")
}
