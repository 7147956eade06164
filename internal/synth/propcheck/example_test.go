package propcheck_test

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
)

// queueProps are the props of a made-up construct, queue.New.
type queueProps struct {
	// Default: - 4 days.
	RetentionDays *float64
	// Default: - a name CloudFormation picks.
	Name *string
	// Consumer is required.
	Consumer *string
}

// validate is what queue.New calls first: every problem at once, tokens
// skipped, one panic.
func validate(scope constructs.Construct, id string, p *queueProps) {
	c := propcheck.For("queue.New", scope, id)
	if days := p.RetentionDays; propcheck.Known(days) && (*days < 1 || *days > 14) {
		c.Add("RetentionDays", days, "must be 1-14")
	}
	if propcheck.Known(p.Name) && strings.Contains(*p.Name, " ") {
		c.Add("Name", p.Name, "must not hold spaces")
	}
	c.Require("Consumer", p.Consumer, "the function that reads the queue")
	c.Panic()
}

// Bad props panic with one message naming the construct path and each prop
// with its value; a value known only at deploy time (a token) is not
// checked.
func Example() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Prod"), nil)
	fromParameter := awscdk.Token_AsNumber(awscdk.NewCfnParameter(stack, jsii.String("Days"), nil).Value())

	for _, props := range []*queueProps{
		{RetentionDays: jsii.Number(30), Name: jsii.String("my jobs")},
		{RetentionDays: fromParameter, Consumer: jsii.String("Worker")},
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					fmt.Println(r)
				}
			}()
			validate(stack, "Jobs", props)
			fmt.Println("valid")
		}()
	}
	// Output:
	// queue.New Prod/Jobs: invalid props:
	//   - RetentionDays 30: must be 1-14
	//   - Name "my jobs": must not hold spaces
	//   - Consumer (unset): required: the function that reads the queue
	// valid
}
