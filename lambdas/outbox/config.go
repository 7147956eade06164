package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/outbox"
)

// Config is the outbox Lambda's configuration from its environment.
type Config struct {
	TopicARN  string
	MinAge    time.Duration
	BatchSize int
}

// loadConfig reads the configuration through getenv, reporting every problem at once.
func loadConfig(getenv func(string) string) (Config, error) {
	c := Config{TopicARN: getenv("EVENT_TOPIC_ARN"), MinAge: outbox.DefaultMinAge, BatchSize: outbox.DefaultBatchSize}
	var errs []error
	if !strings.HasPrefix(c.TopicARN, "arn:") || !strings.Contains(c.TopicARN, ":sns:") {
		errs = append(errs, fmt.Errorf("EVENT_TOPIC_ARN %q is not an SNS topic ARN", c.TopicARN))
	}
	if v := getenv("OUTBOX_MIN_AGE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			errs = append(errs, fmt.Errorf("OUTBOX_MIN_AGE %q is not a duration ≥ 0 (e.g. 30s)", v))
		}
		c.MinAge = d
	}
	if v := getenv("OUTBOX_BATCH_SIZE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			errs = append(errs, fmt.Errorf("OUTBOX_BATCH_SIZE %q is not a number from 1 to 1000", v))
		}
		c.BatchSize = n
	}
	return c, errors.Join(errs...)
}
