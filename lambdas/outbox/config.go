package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/dbpool"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/outbox"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/tracing"
)

// Config is the outbox Lambda's configuration from its environment (contract.Outbox).
type Config struct {
	Stage     string
	TopicARN  string
	MinAge    time.Duration
	BatchSize int
	DB        dbpool.Config
	Tracing   tracing.Config
}

// loadConfig reads the configuration through getenv, reporting every problem at once.
func loadConfig(getenv func(string) string) (Config, error) {
	c := Config{Stage: getenv(contract.EnvStage), TopicARN: getenv(contract.EnvEventTopicArn),
		MinAge: outbox.DefaultMinAge, BatchSize: outbox.DefaultBatchSize}
	var errs []error
	if !strings.HasPrefix(c.TopicARN, "arn:") || !strings.Contains(c.TopicARN, ":sns:") {
		errs = append(errs, fmt.Errorf("%s %q is not an SNS topic ARN", contract.EnvEventTopicArn, c.TopicARN))
	}
	if v := getenv(contract.EnvOutboxMinAge); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			errs = append(errs, fmt.Errorf("%s %q is not a duration ≥ 0 (e.g. 30s)", contract.EnvOutboxMinAge, v))
		}
		c.MinAge = d
	}
	if v := getenv(contract.EnvOutboxBatchSize); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			errs = append(errs, fmt.Errorf("%s %q is not a number from 1 to 1000", contract.EnvOutboxBatchSize, v))
		}
		c.BatchSize = n
	}
	db, err := dbpool.FromEnv(getenv)
	c.DB = db
	c.Tracing = tracing.FromEnv(getenv)
	return c, errors.Join(append(errs, err)...)
}
