package boot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// FromEnv is the aws.Config of a Lambda function, read from its environment
// (getenv nil means os.Getenv) instead of config.LoadDefaultConfig, whose
// credential chain links the SSO, SSO-OIDC, STS, sign-in and EC2 IMDS clients
// and the shared-file parser into every bootstrap (~1.6 MB of 13–15 MB,
// measured by lambdas/coldstart) for sources a function never has:
//
//	AWS_REGION (else AWS_DEFAULT_REGION)      the region
//	AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
//	AWS_SESSION_TOKEN                        the execution role's credentials, which Lambda sets
//	                                         before init and keeps valid for the environment's life
//	                                         (the SDK's own env provider reads them once as well)
//	AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SVC> endpoints (tests, the benchmark), as the SDK reads them
//	AWS_MAX_ATTEMPTS, AWS_RETRY_MODE         retries (tests, the benchmark)
//
// Missing credentials are not an init error (as with the SDK's chain, which
// resolves them on first use): the first AWS call fails, naming the variables.
// A malformed AWS_MAX_ATTEMPTS or AWS_RETRY_MODE is an init error, as it is
// for LoadDefaultConfig. What this leaves out (shared config files,
// credential_process, SSO, web identity, container and IMDS credentials)
// does not exist in a Lambda function's environment on provided.al2023.
func FromEnv(getenv func(string) string) (aws.Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg := aws.Config{
		Region:        cmp.Or(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION")),
		Credentials:   envCredentials(getenv),
		ConfigSources: []any{serviceEndpoints(getenv)},
	}
	if e := getenv("AWS_ENDPOINT_URL"); e != "" {
		cfg.BaseEndpoint = aws.String(e)
	}
	var errs []error
	if v := getenv("AWS_MAX_ATTEMPTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("AWS_MAX_ATTEMPTS %q is not a positive integer", v))
		}
		cfg.RetryMaxAttempts = n
	}
	if v := getenv("AWS_RETRY_MODE"); v != "" {
		m, err := aws.ParseRetryMode(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("AWS_RETRY_MODE: %w", err))
		}
		cfg.RetryMode = m
	}
	return cfg, errors.Join(errs...)
}

// envCredentials are the credentials in the environment, read once.
func envCredentials(getenv func(string) string) aws.CredentialsProvider {
	creds := aws.Credentials{
		AccessKeyID: getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken: getenv("AWS_SESSION_TOKEN"), Source: "boot.FromEnv",
	}
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
			return aws.Credentials{}, errors.New("boot: no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")
		}
		return creds, nil
	})
}

// serviceEndpoints answers the service clients' question for
// AWS_ENDPOINT_URL_<SERVICE> (the SDK ID in upper case, spaces as
// underscores: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SECRETS_MANAGER), as the
// SDK's EnvConfig does; the clients find it in aws.Config.ConfigSources.
type serviceEndpoints func(string) string

func (getenv serviceEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	e := getenv("AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(sdkID), " ", "_"))
	return e, e != "", nil
}
