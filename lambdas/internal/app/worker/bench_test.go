package worker_test

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/event"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/worker"
)

// BenchmarkWorkerBatch10 processes an SQS batch of 10 new item events (10 activity entries, 10
// processed ids, one transaction each) against the local PostgreSQL server.
func BenchmarkWorkerBatch10(b *testing.B) {
	db := newPool(b)
	c := worker.New(db, &fakeS3{}, worker.Options{Logger: quiet()})
	ctx := context.Background()
	batch := func() events.SQSEvent {
		recs := make([]events.SQSMessage, 10)
		for i := range recs {
			recs[i] = sqsRecord(itemEvent(event.ItemCreated, "bench", uuid.NewString(), "benchmark item", nil))
		}
		return events.SQSEvent{Records: recs}
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		ev := batch()
		b.StartTimer()
		resp, _ := c.HandleSQS(ctx, ev)
		if len(resp.BatchItemFailures) != 0 {
			b.Fatalf("failures: %v", failures(resp))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*10), "µs/event")
}

// BenchmarkWorkerBatch10Redelivered is the same batch delivered again: every event is a duplicate.
func BenchmarkWorkerBatch10Redelivered(b *testing.B) {
	db := newPool(b)
	c := worker.New(db, &fakeS3{}, worker.Options{Logger: quiet()})
	ctx := context.Background()
	recs := make([]events.SQSMessage, 10)
	for i := range recs {
		recs[i] = sqsRecord(itemEvent(event.ItemCreated, "bench", uuid.NewString(), "benchmark item", nil))
	}
	ev := events.SQSEvent{Records: recs}
	if resp, _ := c.HandleSQS(ctx, ev); len(resp.BatchItemFailures) != 0 {
		b.Fatal(failures(resp))
	}
	b.ReportAllocs()
	for b.Loop() {
		if resp, _ := c.HandleSQS(ctx, ev); len(resp.BatchItemFailures) != 0 {
			b.Fatal(failures(resp))
		}
	}
}
