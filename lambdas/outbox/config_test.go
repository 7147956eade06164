package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stratus-cdk/stratus/contract"
)

// env is a getenv over m, with a DSN standing in for the DB_* variables.
func env(m map[string]string) func(string) string {
	return func(k string) string {
		if k == contract.EnvDatabaseURL {
			return "postgres://localhost/app"
		}
		return m[k]
	}
}

func TestLoadConfigDefaults(t *testing.T) {
	c, err := loadConfig(env(map[string]string{contract.EnvEventTopicArn: "arn:aws:sns:eu-west-1:123456789012:events"}))
	if err != nil || c.MinAge != 30*time.Second || c.BatchSize != 50 {
		t.Fatalf("config = %+v, %v", c, err)
	}
}

func TestLoadConfigReadsOverrides(t *testing.T) {
	c, err := loadConfig(env(map[string]string{contract.EnvEventTopicArn: "arn:aws:sns:eu-west-1:123456789012:events.fifo",
		contract.EnvOutboxMinAge: "2m", contract.EnvOutboxBatchSize: "10"}))
	if err != nil || c.MinAge != 2*time.Minute || c.BatchSize != 10 {
		t.Fatalf("config = %+v, %v", c, err)
	}
}

func TestLoadConfigReportsEveryProblem(t *testing.T) {
	_, err := loadConfig(env(map[string]string{contract.EnvEventTopicArn: "events", contract.EnvOutboxMinAge: "soon", contract.EnvOutboxBatchSize: "0"}))
	for _, want := range []string{`EVENT_TOPIC_ARN "events"`, `OUTBOX_MIN_AGE "soon"`, `OUTBOX_BATCH_SIZE "0"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to name %s", err, want)
		}
	}
}
