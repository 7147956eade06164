package main_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/fakeedge"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/lambdatest"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/stagetest"
)

// The rotation function as a real bootstrap under the emulator, configured
// as Prod's Web stack configures it (rule and header from the synthesized
// template), rotating the secret of a fake Secrets Manager, WAF and
// CloudFront through the SDK's endpoint override: each step answers null, the
// distribution sends the new value, the web ACL accepts it alone, and no
// moment refused what CloudFront sent.
func TestBootstrapRotatesTheOriginSecret(t *testing.T) {
	stage := fakeedge.ReadStage(t, stagetest.Golden("Prod"))
	edge := fakeedge.New(t, stage, "FirstValue0123456789abcdefghijklmnopqrstuvwxyzAB")
	edge.DeployReads = 1
	fn := lambdatest.Start(t, lambdatest.Build(t, "github.com/stratus-cdk/stratus/lambdas/rotate"), map[string]string{
		contract.EnvStage:          "Prod",
		contract.EnvWebAclArn:      edge.WebACLArn,
		contract.EnvWebAclRule:     stage.Rule,
		contract.EnvOriginHeader:   stage.Header,
		contract.EnvDistributionID: edge.DistributionID,
		contract.EnvWAFPropagation: "0s",
		"AWS_REGION":               "eu-west-1",
		"AWS_ACCESS_KEY_ID":        "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY":    "secret",
		"AWS_ENDPOINT_URL":         edge.URL,
		"AWS_MAX_ATTEMPTS":         "1",
	})
	_, err := edge.Rotate(func(step, token string) error {
		out := fn.Invoke(t, events.SecretsManagerSecretRotationEvent{Step: step, SecretID: edge.SecretARN, ClientRequestToken: token})
		if string(out) != "null" {
			return fmt.Errorf("%s", out)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, fn.Logs())
	}
	next := edge.Current()
	if !slices.Equal(edge.Sent(), []string{next}) || !slices.Equal(edge.Accepted(), []string{next}) {
		t.Errorf("after the rotation CloudFront sends %q and the web ACL accepts %q; want %q", edge.Sent(), edge.Accepted(), next)
	}
	edge.Lock()
	defer edge.Unlock()
	if len(edge.Violations) > 0 {
		t.Errorf("the API refused CloudFront: %q", edge.Violations)
	}
	steps := 0
	for _, line := range fn.LogLines() {
		if line["msg"] == "rotation step done" && line["stage"] == "Prod" {
			steps++
		}
	}
	if steps != 4 {
		t.Errorf("%d log lines of finished steps, want 4:\n%s", steps, fn.Logs())
	}
}

// A step Secrets Manager does not define fails with an error naming it,
// and changes nothing.
func TestBootstrapRefusesAnUnknownStep(t *testing.T) {
	stage := fakeedge.ReadStage(t, stagetest.Golden("Staging"))
	edge := fakeedge.New(t, stage, "FirstValue0123456789abcdefghijklmnopqrstuvwxyzAB")
	fn := lambdatest.Start(t, lambdatest.Build(t, "github.com/stratus-cdk/stratus/lambdas/rotate"), map[string]string{
		contract.EnvStage: "Staging", contract.EnvWebAclArn: edge.WebACLArn, contract.EnvWebAclRule: stage.Rule,
		contract.EnvOriginHeader: stage.Header, contract.EnvDistributionID: edge.DistributionID,
		"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_ENDPOINT_URL": edge.URL, "AWS_MAX_ATTEMPTS": "1",
	})
	_, err := edge.Rotate(func(step, token string) error {
		if step == "setSecret" {
			step = "setSecrets"
		}
		var out struct{ ErrorMessage string }
		_ = json.Unmarshal(fn.Invoke(t, events.SecretsManagerSecretRotationEvent{Step: step, SecretID: edge.SecretARN, ClientRequestToken: token}), &out)
		if out.ErrorMessage != "" {
			return fmt.Errorf("%s", out.ErrorMessage)
		}
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), `unknown rotation step "setSecrets"`) {
		t.Fatalf("got %v, want the unknown step named", err)
	}
	if got := edge.Sent(); len(got) != 1 || got[0] != "FirstValue0123456789abcdefghijklmnopqrstuvwxyzAB" {
		t.Errorf("CloudFront sends %q: want the first value", got)
	}
}
