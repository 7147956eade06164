package propcheck_test

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/cdktest"
	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// One panic names the call, the construct path, each prop and its value.
func TestMessageNamesPathPropAndValue(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Stack"), nil)
	c := propcheck.For("thing.New", stack, "Thing")
	c.Add("Port", jsii.Number(80), "outside %d-%d", 1150, 65535)
	c.Add("Name", jsii.String("a b"), "must not hold spaces")
	c.Require("Handler", nil, "the function that serves it")
	c.Require("Entry", jsii.String(" "), "a directory")
	if c.Require("Dir", jsii.String("x"), "a directory") != true {
		t.Error("Require reported a set value as missing")
	}
	want := "thing.New Stack/Thing: invalid props:\n" +
		"  - Port 80: outside 1150-65535\n" +
		"  - Name \"a b\": must not hold spaces\n" +
		"  - Handler (unset): required: the function that serves it\n" +
		"  - Entry \" \": required: a directory"
	if msg := cdktest.Recover(c.Panic); msg != want {
		t.Errorf("panic:\n%s\nwant:\n%s", msg, want)
	}
	if c.Len() != 4 || len(c.Lines()) != 4 {
		t.Errorf("Len %d, Lines %d; want 4", c.Len(), len(c.Lines()))
	}
	// No problem, no panic; a method names the construct it acts on.
	if msg := cdktest.Recover(propcheck.On("thing.Bind", stack).Panic); msg != "" {
		t.Errorf("an empty check panicked: %s", msg)
	}
	on := propcheck.On("thing.Bind", stack)
	on.Add("fn", nil, "required")
	if msg := on.Message(); msg != "thing.Bind Stack: invalid props:\n  - fn (unset): required" {
		t.Errorf("On message %q", msg)
	}
}

func TestTokensAreUnresolvedAndShownAsTokens(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Stack"), nil)
	param := awscdk.NewCfnParameter(stack, jsii.String("P"), &awscdk.CfnParameterProps{Type: jsii.String("Number")})
	for name, v := range map[string]any{
		"string token":   awscdk.Fn_ImportValue(jsii.String("X")),
		"number token":   param.ValueAsNumber(),
		"duration token": awscdk.Duration_Seconds(param.ValueAsNumber()),
		"list token":     awscdk.Fn_Split(jsii.String(","), awscdk.Fn_ImportValue(jsii.String("L")), nil),
	} {
		if !propcheck.Unresolved(v) || propcheck.Known(v) {
			t.Errorf("%s: Unresolved %v Known %v, want true, false", name, propcheck.Unresolved(v), propcheck.Known(v))
		}
		if got := propcheck.Value(v); got != "(token)" && name != "list token" {
			t.Errorf("%s shown as %s", name, got)
		}
	}
	for name, v := range map[string]any{
		"string":        jsii.String("${not a token}"),
		"number":        jsii.Number(-5),
		"duration":      awscdk.Duration_Minutes(jsii.Number(5)),
		"nil pointer":   (*string)(nil),
		"nil interface": nil,
	} {
		if propcheck.Unresolved(v) {
			t.Errorf("%s: reported as a token", name)
		}
	}
	if propcheck.Known((*float64)(nil)) || !propcheck.Known(jsii.Number(0)) {
		t.Error("Known must be false for nil and true for a plain value")
	}
}

func TestValueFormats(t *testing.T) {
	for want, v := range map[string]any{
		`"x"`:           jsii.String("x"),
		`"y"`:           "y",
		"2.5":           jsii.Number(2.5),
		"true":          jsii.Bool(true),
		"(unset)":       (*bool)(nil),
		"5 minutes":     awscdk.Duration_Minutes(jsii.Number(5)),
		`["a" (unset)]`: []*string{jsii.String("a"), nil},
		`["b"]`:         []string{"b"},
		"3 values":      propcheck.Shown("3 values"),
	} {
		if got := propcheck.Value(v); got != want {
			t.Errorf("Value(%#v) = %s, want %s", v, got, want)
		}
	}
}

// The props helpers: a default for an unset prop, lists of optional strings.
func TestPropsHelpers(t *testing.T) {
	if got := propcheck.Or(nil, "v1"); got != "v1" {
		t.Errorf("Or(nil) = %q", got)
	}
	if got := propcheck.Or(jsii.String(""), "v1"); got != "" {
		t.Errorf("Or(\"\") = %q, want the set empty value", got)
	}
	if got := propcheck.OrIfZero(awscdk.RemovalPolicy(""), awscdk.RemovalPolicy_RETAIN); got != awscdk.RemovalPolicy_RETAIN {
		t.Errorf("OrIfZero(\"\") = %q", got)
	}
	if got := propcheck.OrIfZero("main", "x"); got != "main" {
		t.Errorf("OrIfZero(main) = %q", got)
	}
	list := []*string{jsii.String("a"), nil}
	if got := propcheck.Strings(list, "<nil>"); len(got) != 2 || got[1] != "<nil>" {
		t.Errorf("Strings = %q", got)
	}
	if got := propcheck.Present(&list); len(got) != 1 || got[0] != "a" {
		t.Errorf("Present = %q", got)
	}
	if propcheck.Present(nil) != nil || propcheck.Elems[*string](nil) != nil || len(propcheck.Elems(&list)) != 2 {
		t.Error("a nil list is not empty")
	}
}
