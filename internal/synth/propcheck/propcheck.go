// Package propcheck is the one way the constructs check their props: every
// problem is collected before anything is created, values that are
// unresolved CDK tokens (known only at deploy time) are skipped, and one
// panic lists them all in one format that names the construct path, each
// prop and its bad value:
//
//	apiwithauth.New Prod/App/Api: invalid props:
//	  - ThrottlingRateLimit 0: must be greater than 0
//	  - StageName "my stage": must be 1-128 letters, digits, '-' or '_'
//
// A check reads: if propcheck.Known(p.Port) && bad(*p.Port) { c.Add("Port", p.Port, "…") }.
package propcheck

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
)

// Problems collects the problems of one call: a constructor (New) or a
// method that takes props (AddSubscriber, Bind, …).
type Problems struct {
	call string // "apiwithauth.New"
	path string // the construct path the call creates or acts on
	list []string
}

// For collects the problems of call, which creates the construct id under
// scope: the message names the path that construct would have.
func For(call string, scope constructs.IConstruct, id string) *Problems {
	path := id
	if scope != nil {
		if parent := *scope.Node().Path(); parent != "" {
			path = parent + "/" + id
		}
	}
	return &Problems{call: call, path: path}
}

// On collects the problems of call, a method of the existing construct c.
func On(call string, c constructs.IConstruct) *Problems {
	return &Problems{call: call, path: *c.Node().Path()}
}

// Add records that prop holds the bad value, and why (a phrase that reads
// after the value, e.g. "must be greater than 0"). A nil value is shown as
// "(unset)", a token as "(token)".
func (p *Problems) Add(prop string, value any, reason string, args ...any) {
	if len(args) > 0 {
		reason = fmt.Sprintf(reason, args...)
	}
	p.list = append(p.list, prop+" "+Value(value)+": "+reason)
}

// Require records prop as missing when value is nil (or an empty string)
// and reports whether it is set.
func (p *Problems) Require(prop string, value any, what string, args ...any) bool {
	if isNil(value) {
		p.Add(prop, nil, "required: "+what, args...)
		return false
	}
	if s, ok := value.(*string); ok && strings.TrimSpace(*s) == "" {
		p.Add(prop, value, "required: "+what, args...)
		return false
	}
	return true
}

// Path is the construct path the problems are about.
func (p *Problems) Path() string { return p.path }

// Len is the number of problems recorded.
func (p *Problems) Len() int { return len(p.list) }

// Lines are the problems, one line each, in the order they were recorded.
func (p *Problems) Lines() []string { return append([]string(nil), p.list...) }

// Message is the text of the panic: the call, the construct path, and one
// line per problem.
func (p *Problems) Message() string {
	return fmt.Sprintf("%s %s: invalid props:\n  - %s", p.call, p.path, strings.Join(p.list, "\n  - "))
}

// Panic panics with Message when any problem was recorded.
func (p *Problems) Panic() {
	if len(p.list) > 0 {
		panic(p.Message())
	}
}

// Unresolved reports whether v is a CDK token or a pointer to one: a value
// CloudFormation fills in at deploy time, which synth-time checks skip.
// Plain strings and numbers are told apart without a round trip to jsii
// (strings encode tokens as "${Token[…]}", numbers as huge negative doubles).
func Unresolved(v any) bool {
	switch x := v.(type) {
	case nil, Shown, bool, *bool, int:
		return false
	case *string:
		return x != nil && Unresolved(*x)
	case string:
		return strings.Contains(x, "Token[") && *awscdk.Token_IsUnresolved(x)
	case *float64:
		return x != nil && Unresolved(*x)
	case float64:
		return x < -1e289 && *awscdk.Token_IsUnresolved(x)
	case awscdk.Duration:
		return x != nil && *x.IsUnresolved()
	}
	if isNil(v) {
		return false
	}
	return *awscdk.Token_IsUnresolved(v)
}

// Known reports whether v is set and resolved at synth: the values a check
// can look at.
func Known(v any) bool { return !isNil(v) && !Unresolved(v) }

// Shown is a description that stands for a value too long or too
// structured to print, e.g. Shown("200 values"); Value prints it as is.
type Shown string

// Value formats a prop's value for a message.
func Value(v any) string {
	if isNil(v) {
		return "(unset)"
	}
	if Unresolved(v) {
		return "(token)"
	}
	switch x := v.(type) {
	case Shown:
		return string(x)
	case *string:
		return fmt.Sprintf("%q", *x)
	case string:
		return fmt.Sprintf("%q", x)
	case *float64:
		return fmt.Sprint(*x)
	case *bool:
		return fmt.Sprint(*x)
	case awscdk.Duration:
		return *x.ToHumanString()
	case *[]*string:
		return Value(*x)
	case []*string:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = Value(s)
		}
		return "[" + strings.Join(out, " ") + "]"
	case []string:
		return fmt.Sprintf("%q", x)
	}
	return fmt.Sprint(v)
}

// isNil is true for nil and for a nil pointer, map, slice or interface
// inside a non-nil interface value.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch r := reflect.ValueOf(v); r.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func:
		return r.IsNil()
	}
	return false
}
