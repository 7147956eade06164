// Package drift is the release's drift gate: CloudFormation drift detection
// on a list of stacks (DetectStackDrift, DescribeStackDriftDetectionStatus
// polled with a bounded wait, DescribeStackResourceDrifts), each drifted
// resource classified and each drifted property named.
//
// Drift of a stateful resource (a type internal/statelock guards) or of an
// IAM resource or resource policy (see Classify) fails the release: a deploy
// would silently revert a manual access change, or trip over, replace or
// lose data in a resource someone changed by hand. Other drift (a tag, a
// function's memory) is a warning. A stack that does not exist is "not
// deployed yet" and passes: the first release of a new stage has nothing to
// drift. Detection that fails or does not finish in time, and throttling
// the SDK's retryer gives up on, are errors naming the stack.
//
// The package is CDK-free; cmd/drift (`make drift STAGE=Prod`) and the
// pipeline's drift step run it.
package drift

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
)

// API is the part of the CloudFormation client the gate calls.
type API interface {
	DetectStackDrift(context.Context, *cloudformation.DetectStackDriftInput, ...func(*cloudformation.Options)) (*cloudformation.DetectStackDriftOutput, error)
	DescribeStackDriftDetectionStatus(context.Context, *cloudformation.DescribeStackDriftDetectionStatusInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStackDriftDetectionStatusOutput, error)
	DescribeStackResourceDrifts(context.Context, *cloudformation.DescribeStackResourceDriftsInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStackResourceDriftsOutput, error)
}

var _ API = (*cloudformation.Client)(nil)

// Stack is one stack to check.
type Stack struct {
	// Name is the CloudFormation stack name ("Prod-Data").
	Name string
	// Region the stack is deployed in.
	Region string
}

// Status is the outcome for one stack.
type Status string

const (
	InSync      Status = "in sync"
	Drifted     Status = "drifted"
	NotDeployed Status = "not deployed yet"
	Failed      Status = "error"
)

// Property is one drifted property of a resource (a PropertyDifference).
type Property struct {
	// Path is the property's JSON pointer ("/PolicyDocument/Statement/0/Action").
	Path string
	// Expected is the value in the stack's template, Actual the live one
	// (JSON; empty when the property is absent on that side).
	Expected, Actual string
	// Difference is ADD, REMOVE or NOT_EQUAL.
	Difference string
}

// Resource is one drifted resource.
type Resource struct {
	Stack      string
	LogicalID  string
	PhysicalID string
	Type       string
	// Status is MODIFIED or DELETED.
	Status string
	Class  Class
	// Properties are the drifted properties, by path (none when DELETED).
	Properties []Property
}

// Fails reports whether this drift fails the release.
func (r Resource) Fails() bool { return r.Class.Fails() }

// StackResult is the gate's answer for one stack.
type StackResult struct {
	Stack     Stack
	Status    Status
	Resources []Resource
	// Err is why the stack could not be checked (Status Failed).
	Err error
}

// Report is the gate's answer for every stack, in the order given.
type Report struct {
	Stacks []StackResult
}

// Failed reports whether the release must stop: a stack could not be
// checked, or a stateful or IAM resource drifted.
func (r Report) Failed() bool {
	for _, s := range r.Stacks {
		if s.Err != nil {
			return true
		}
		for _, res := range s.Resources {
			if res.Fails() {
				return true
			}
		}
	}
	return false
}

// Defaults of Checker.
const (
	DefaultPollInterval = 5 * time.Second
	DefaultTimeout      = 10 * time.Minute
	DefaultMaxAttempts  = 10
	DefaultMaxBackoff   = 20 * time.Second
)

// Checker runs the gate.
type Checker struct {
	// Client returns the CloudFormation client of a region.
	Client func(region string) API
	// PollInterval between DescribeStackDriftDetectionStatus calls.
	// Default: - DefaultPollInterval.
	PollInterval time.Duration
	// Timeout bounds the wait for every stack's detection together.
	// Default: - DefaultTimeout.
	Timeout time.Duration
}

// Retryer is the retryer the gate's clients use: the SDK's standard retryer
// (exponential backoff with jitter, retrying Throttling, RequestLimitExceeded
// and transient errors) with more attempts and a longer backoff than the
// default, since DetectStackDrift's quota is low and a pipeline may check
// several stacks at once, and without the client-side retry quota, which
// would turn a burst of throttling into an immediate failure.
func Retryer(maxAttempts int, maxBackoff time.Duration) func() aws.Retryer {
	return func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = maxAttempts
			o.MaxBackoff = maxBackoff
			o.RateLimiter = ratelimit.None
		})
	}
}

// NewClient is a CloudFormation client of cfg for region with Retryer's
// defaults.
func NewClient(cfg aws.Config, region string) *cloudformation.Client {
	return cloudformation.NewFromConfig(cfg, func(o *cloudformation.Options) {
		o.Region = region
		o.Retryer = Retryer(DefaultMaxAttempts, DefaultMaxBackoff)()
	})
}

// NotFoundError says a stack does not exist (in that account and region).
type NotFoundError struct {
	Stack Stack
	Err   error
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("stack %s does not exist in %s: %v", e.Stack.Name, e.Stack.Region, e.Err)
}

func (e *NotFoundError) Unwrap() error { return e.Err }

// Check runs drift detection on every stack: all detections are started
// first, then each is awaited within one Timeout, then the drifted
// resources of each drifted stack are read.
func (c *Checker) Check(ctx context.Context, stacks []Stack) Report {
	interval := c.PollInterval
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	report := Report{Stacks: make([]StackResult, len(stacks))}
	ids := make([]string, len(stacks))
	for i, s := range stacks {
		report.Stacks[i].Stack = s
		id, err := c.start(ctx, s)
		var nf *NotFoundError
		switch {
		case errors.As(err, &nf):
			report.Stacks[i].Status = NotDeployed
		case err != nil:
			report.Stacks[i].Status, report.Stacks[i].Err = Failed, err
		}
		ids[i] = id
	}
	waitCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for i, s := range stacks {
		r := &report.Stacks[i]
		if ids[i] == "" {
			continue
		}
		drifted, err := c.await(ctx, waitCtx, s, ids[i], interval, timeout)
		if err != nil {
			r.Status, r.Err = Failed, err
			continue
		}
		if !drifted {
			r.Status = InSync
			continue
		}
		r.Resources, err = c.resources(ctx, s)
		if err != nil {
			r.Status, r.Err = Failed, err
			continue
		}
		r.Status = Drifted
		if len(r.Resources) == 0 {
			// Only NOT_CHECKED or IN_SYNC resources were listed after all.
			r.Status = InSync
		}
	}
	return report
}

// start begins detection and returns its id.
func (c *Checker) start(ctx context.Context, s Stack) (string, error) {
	out, err := c.Client(s.Region).DetectStackDrift(ctx, &cloudformation.DetectStackDriftInput{StackName: aws.String(s.Name)})
	if err != nil {
		if notFound(err) {
			return "", &NotFoundError{Stack: s, Err: err}
		}
		return "", apiError("DetectStackDrift", s, err)
	}
	return aws.ToString(out.StackDriftDetectionId), nil
}

// await polls the detection until it completes, fails or waitCtx expires;
// it reports whether the stack drifted.
func (c *Checker) await(ctx, waitCtx context.Context, s Stack, id string, interval, timeout time.Duration) (bool, error) {
	for {
		out, err := c.Client(s.Region).DescribeStackDriftDetectionStatus(ctx, &cloudformation.DescribeStackDriftDetectionStatusInput{
			StackDriftDetectionId: aws.String(id),
		})
		if err != nil {
			return false, apiError("DescribeStackDriftDetectionStatus", s, err)
		}
		switch out.DetectionStatus {
		case types.StackDriftDetectionStatusDetectionComplete:
			return out.StackDriftStatus == types.StackDriftStatusDrifted, nil
		case types.StackDriftDetectionStatusDetectionFailed:
			return false, fmt.Errorf("drift detection of %s in %s FAILED (detection %s): %s", s.Name, s.Region, id,
				aws.ToString(out.DetectionStatusReason))
		}
		select {
		case <-waitCtx.Done():
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			return false, fmt.Errorf("drift detection of %s in %s still in progress after %s (detection %s): timed out", s.Name, s.Region, timeout, id)
		case <-time.After(interval):
		}
	}
}

// resources lists the stack's MODIFIED and DELETED resources, every page.
func (c *Checker) resources(ctx context.Context, s Stack) ([]Resource, error) {
	pages := cloudformation.NewDescribeStackResourceDriftsPaginator(c.Client(s.Region), &cloudformation.DescribeStackResourceDriftsInput{
		StackName: aws.String(s.Name),
		StackResourceDriftStatusFilters: []types.StackResourceDriftStatus{
			types.StackResourceDriftStatusModified, types.StackResourceDriftStatusDeleted,
		},
	})
	var out []Resource
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, apiError("DescribeStackResourceDrifts", s, err)
		}
		for _, d := range page.StackResourceDrifts {
			if d.StackResourceDriftStatus != types.StackResourceDriftStatusModified && d.StackResourceDriftStatus != types.StackResourceDriftStatusDeleted {
				continue
			}
			r := Resource{
				Stack:      s.Name,
				LogicalID:  aws.ToString(d.LogicalResourceId),
				PhysicalID: aws.ToString(d.PhysicalResourceId),
				Type:       aws.ToString(d.ResourceType),
				Status:     string(d.StackResourceDriftStatus),
			}
			var paths []string
			for _, p := range d.PropertyDifferences {
				r.Properties = append(r.Properties, Property{
					Path:       aws.ToString(p.PropertyPath),
					Expected:   aws.ToString(p.ExpectedValue),
					Actual:     aws.ToString(p.ActualValue),
					Difference: string(p.DifferenceType),
				})
				paths = append(paths, aws.ToString(p.PropertyPath))
			}
			sort.Slice(r.Properties, func(i, j int) bool { return r.Properties[i].Path < r.Properties[j].Path })
			r.Class = Classify(r.Type, paths)
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].LogicalID < out[j].LogicalID })
	return out, nil
}

// notFound reports CloudFormation's answer for a stack that does not exist:
// a ValidationError "Stack with id NAME does not exist".
func notFound(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" && strings.Contains(ae.ErrorMessage(), "does not exist")
}

// apiError names the call and the stack, and says when the retryer gave up
// on throttling.
func apiError(op string, s Stack, err error) error {
	var ae smithy.APIError
	var maxed *retry.MaxAttemptsError
	if errors.As(err, &maxed) && errors.As(err, &ae) && isThrottle(ae.ErrorCode()) {
		return fmt.Errorf("%s of %s in %s: throttled by CloudFormation (%s) on each of %d attempts; retry later or check fewer stacks at once: %w",
			op, s.Name, s.Region, ae.ErrorCode(), maxed.Attempt, err)
	}
	return fmt.Errorf("%s of %s in %s: %w", op, s.Name, s.Region, err)
}

func isThrottle(code string) bool {
	_, ok := retry.DefaultThrottleErrorCodes[code]
	return ok
}
