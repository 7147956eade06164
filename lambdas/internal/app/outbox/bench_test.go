package outbox_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/event"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/outbox"
)

type nopBus struct{}

func (nopBus) Publish(context.Context, awsx.Message) error { return nil }

// BenchmarkFlush1 is what publishing after commit adds to an API request besides the SNS call:
// claim the row, mark it published (one transaction).
func BenchmarkFlush1(b *testing.B) {
	db := newPool(b)
	relay := outbox.New(db, nopBus{}, outbox.Options{Logger: quiet()})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		e := saveItem(b, db, "bench", "item", 0)
		b.StartTimer()
		relay.Flush(ctx, []event.Event{e})
	}
}

// BenchmarkRun50 is one outbox run over 50 waiting rows (one batch), without the SNS calls.
func BenchmarkRun50(b *testing.B) {
	db := newPool(b)
	relay := outbox.New(db, nopBus{}, outbox.Options{Logger: quiet(), BatchSize: 50})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for i := range 50 {
			saveItem(b, db, "bench", fmt.Sprint("item ", i), time.Minute)
		}
		b.StartTimer()
		if res, err := relay.Run(ctx, 30*time.Second); err != nil || res.Published != 50 {
			b.Fatal(res, err)
		}
	}
}
