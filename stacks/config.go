// Package stacks composes the Stratus constructs into the stacks of each
// environment. Every environment is a typed Go value (Dev, Staging, Prod):
// the differences between them live here, not in scattered ifs.
package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// Config is one environment.
type Config struct {
	// Name is the stage's construct id (Dev, Staging, Prod).
	Name string
	// LogRetention applies to every log group of the environment.
	LogRetention awslogs.RetentionDays
}

// Dev is an engineer's own environment: cheap and disposable.
var Dev = Config{
	Name:         "Dev",
	LogRetention: awslogs.RetentionDays_ONE_WEEK,
}
