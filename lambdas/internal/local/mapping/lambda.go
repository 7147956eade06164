package mapping

import (
	"time"
)

var functionEmulation = emulation{
	service: "Lambda functions", file: "lambda.go",
	reads:   map[string][]string{"AWS::Lambda::Function": {"Timeout", "ReservedConcurrentExecutions"}},
	locally: "the handlers in-process: the worker's batches bounded by its Timeout, as many at once as its reserved concurrency allows",
}

// Function is a Lambda function the local stack runs in-process.
type Function struct {
	Resource *Resource
	// Timeout is the function's Timeout (Lambda's default: 3 s).
	Timeout time.Duration
	// ReservedConcurrency is its ReservedConcurrentExecutions; 0 where it has none.
	ReservedConcurrency int
	// Environment is its Environment.Variables as the template writes them: tokens unresolved.
	Environment map[string]any
}

func readFunction(r *Resource) (Function, error) {
	rd := &reader{r: r}
	f := Function{
		Resource:            r,
		Timeout:             time.Duration(rd.integer(3, "Timeout")) * time.Second,
		ReservedConcurrency: rd.integer(0, "ReservedConcurrentExecutions"),
	}
	f.Environment, _ = r.Prop("Environment", "Variables").(map[string]any)
	return f, rd.err()
}
