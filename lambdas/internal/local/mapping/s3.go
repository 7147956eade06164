package mapping

import (
	"errors"
	"sort"
	"strings"
)

var notificationEmulation = emulation{
	service: "S3 event notifications of the uploads", file: "s3.go",
	reads: map[string][]string{
		"Custom::S3BucketNotifications": {"BucketName", "NotificationConfiguration (Events, Filter.Key.FilterRules prefix and suffix, TopicArn, QueueArn)"},
		"AWS::SNS::Subscription":        {"TopicArn", "Endpoint", "Protocol"},
	},
	inert: map[string][]string{
		"Custom::S3BucketNotifications": {"ServiceToken", "Managed", "SkipDestinationValidation", "NotificationConfiguration"},
	},
	locally: "a presigned upload (`s3:ObjectCreated:Put`) notifies the worker's queue where a notification of its bucket, whose event and key filters match, reaches that queue (directly or through an SNS topic's sqs subscription)",
}

// Notification is one event notification of a bucket that reaches the worker's queue.
type Notification struct {
	Bucket *Resource
	// Events are the notification's event types ("s3:ObjectCreated:*").
	Events []string
	// Prefix and Suffix are its key filter's rules; "" where it has none.
	Prefix, Suffix string
}

// Matches reports whether event (such as "s3:ObjectCreated:Put") on key is one the notification
// sends, as S3 matches them: an event type ending in ":*" matches every event it prefixes, and
// the key filter's rules are case-sensitive.
func (n Notification) Matches(event, key string) bool {
	if !strings.HasPrefix(key, n.Prefix) || !strings.HasSuffix(key, n.Suffix) {
		return false
	}
	for _, e := range n.Events {
		if e == event || (strings.HasSuffix(e, "*") && strings.HasPrefix(event, strings.TrimSuffix(e, "*"))) {
			return true
		}
	}
	return false
}

// readNotifications reads the notifications of every bucket (CDK's Custom::S3BucketNotifications)
// whose destination is queue, or a topic that queue subscribes to.
func readNotifications(a *Assembly, queue *Resource) ([]Notification, []string, error) {
	topics := map[*Resource]bool{}
	for _, s := range a.OfType("AWS::SNS::Subscription") {
		if s.Str("Protocol") == "sqs" && s.refersTo(s.Prop("Endpoint"), queue) {
			topics[s.Target(s.Prop("TopicArn"))] = true
		}
	}
	var out []Notification
	var notes []string
	var errs []error
	for _, r := range a.OfType("Custom::S3BucketNotifications") {
		rd := &reader{r: r}
		bucket := r.Target(r.Prop("BucketName"))
		if bucket == nil || bucket.Type != "AWS::S3::Bucket" {
			rd.fail([]string{"BucketName"}, "does not refer to an AWS::S3::Bucket of its stack")
		}
		for _, kind := range []struct{ list, dest string }{{"TopicConfigurations", "TopicArn"}, {"QueueConfigurations", "QueueArn"}, {"LambdaFunctionConfigurations", "LambdaFunctionArn"}} {
			for _, c := range r.List("NotificationConfiguration", kind.list) {
				c, _ := c.(map[string]any)
				dest := r.Target(c[kind.dest])
				if dest == nil || (dest != queue && !topics[dest]) {
					notes = append(notes, r.String()+": a notification in "+kind.list+" that does not reach the worker's queue")
					continue
				}
				n := Notification{Bucket: bucket}
				for _, e := range asList(c["Events"]) {
					if s, ok := e.(string); ok {
						n.Events = append(n.Events, s)
					}
				}
				filter, _ := c["Filter"].(map[string]any)
				key, _ := filter["Key"].(map[string]any)
				for _, rule := range asList(key["FilterRules"]) {
					rule, _ := rule.(map[string]any)
					name, _ := rule["Name"].(string)
					value, isStr := rule["Value"].(string)
					switch strings.ToLower(name) {
					case "prefix":
						n.Prefix = value
					case "suffix":
						n.Suffix = value
					default:
						isStr = false
					}
					if !isStr {
						rd.fail([]string{"NotificationConfiguration", kind.list, "Filter"}, "has rule %s, not a prefix or suffix the local bucket can apply", describe(rule))
					}
				}
				out = append(out, n)
			}
		}
		errs = append(errs, rd.err())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Prefix+out[i].Suffix < out[j].Prefix+out[j].Suffix })
	return out, notes, errors.Join(errs...)
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
