package boot

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnvReadsLambdaCredentialsAndRegion(t *testing.T) {
	cfg, err := FromEnv(env(map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "ASIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-west-1" || cfg.BaseEndpoint != nil || cfg.RetryMaxAttempts != 0 {
		t.Errorf("cfg = region %q endpoint %v attempts %d", cfg.Region, cfg.BaseEndpoint, cfg.RetryMaxAttempts)
	}
	c, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || c.AccessKeyID != "ASIAEXAMPLE" || c.SecretAccessKey != "secret" || c.SessionToken != "token" || c.CanExpire {
		t.Errorf("credentials = %+v, %v", c, err)
	}
	if cfg, _ := FromEnv(env(map[string]string{"AWS_DEFAULT_REGION": "us-east-1"})); cfg.Region != "us-east-1" {
		t.Errorf("AWS_DEFAULT_REGION not used without AWS_REGION: %q", cfg.Region)
	}
}

func TestFromEnvMissingCredentialsFailOnFirstUse(t *testing.T) {
	cfg, err := FromEnv(env(map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID"}))
	if err != nil {
		t.Fatalf("missing credentials must not fail the init: %v", err)
	}
	if _, err := cfg.Credentials.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "AWS_SECRET_ACCESS_KEY") {
		t.Errorf("err = %v, want it to name the variables", err)
	}
}

func TestFromEnvEndpointsAndRetries(t *testing.T) {
	cfg, err := FromEnv(env(map[string]string{
		"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:7",
		"AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "adaptive",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(cfg.BaseEndpoint) != "http://127.0.0.1:9" || cfg.RetryMaxAttempts != 1 || cfg.RetryMode != aws.RetryModeAdaptive {
		t.Errorf("cfg = endpoint %v attempts %d mode %q", cfg.BaseEndpoint, cfg.RetryMaxAttempts, cfg.RetryMode)
	}
	src, ok := cfg.ConfigSources[0].(interface {
		GetServiceBaseEndpoint(context.Context, string) (string, bool, error)
	})
	if !ok {
		t.Fatal("ConfigSources do not answer AWS_ENDPOINT_URL_<SERVICE>")
	}
	if e, found, _ := src.GetServiceBaseEndpoint(context.Background(), "Secrets Manager"); !found || e != "http://127.0.0.1:7" {
		t.Errorf("Secrets Manager endpoint = %q %v", e, found)
	}
	if _, found, _ := src.GetServiceBaseEndpoint(context.Background(), "SNS"); found {
		t.Error("SNS endpoint found, none is set")
	}
}

// A service client built from the config uses its service-specific endpoint, as with LoadDefaultConfig.
func TestFromEnvServiceEndpointReachesTheClient(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL_SNS", "http://127.0.0.1:5")
	cfg, err := FromEnv(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(sns.NewFromConfig(cfg).Options().BaseEndpoint); got != "http://127.0.0.1:5" {
		t.Errorf("sns BaseEndpoint = %q", got)
	}
}

func TestFromEnvRejectsBadRetrySettings(t *testing.T) {
	_, err := FromEnv(env(map[string]string{"AWS_MAX_ATTEMPTS": "zero", "AWS_RETRY_MODE": "eager"}))
	if err == nil || !strings.Contains(err.Error(), "AWS_MAX_ATTEMPTS") || !strings.Contains(err.Error(), "AWS_RETRY_MODE") {
		t.Errorf("err = %v, want both named", err)
	}
}
