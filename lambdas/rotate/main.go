// Command rotate is the origin secret's Secrets Manager rotation function: it
// rotates the header value that CloudFront adds to API requests and the API's
// web ACL requires, without a moment where one refuses what the other sends.
// See package internal/app/originsecret.
//
// Environment (contract.Rotate): STAGE; WEB_ACL_ARN and WEB_ACL_RULE (the
// rule that requires the header); ORIGIN_HEADER (its name); DISTRIBUTION_ID;
// WAF_PROPAGATION (a Go duration, default 60s).
package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/boot"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/originsecret"
)

// loadConfig is the rotator as the environment configures it
// (contract.Rotate), without its clients and logger.
func loadConfig(getenv func(string) string) (stage string, r *originsecret.Rotator, err error) {
	r = &originsecret.Rotator{
		Rule:           getenv(contract.EnvWebAclRule),
		Header:         getenv(contract.EnvOriginHeader),
		DistributionID: getenv(contract.EnvDistributionID),
		Length:         contract.OriginSecretLength,
		Propagation:    time.Minute,
		Poll:           15 * time.Second,
	}
	stage = getenv(contract.EnvStage)
	acl, aclErr := originsecret.ParseWebACLArn(getenv(contract.EnvWebAclArn))
	r.WebACL = acl
	var missing []string
	for name, v := range map[string]string{contract.EnvWebAclRule: r.Rule, contract.EnvOriginHeader: r.Header, contract.EnvDistributionID: r.DistributionID} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	if v := getenv(contract.EnvWAFPropagation); v != "" {
		d, perr := time.ParseDuration(v)
		if perr != nil || d < 0 {
			return stage, nil, fmt.Errorf("%s=%q: want a duration such as 60s", contract.EnvWAFPropagation, v)
		}
		r.Propagation = d
	}
	switch {
	case aclErr != nil:
		return stage, nil, fmt.Errorf("%s: %w", contract.EnvWebAclArn, aclErr)
	case len(missing) > 0:
		return stage, nil, fmt.Errorf("not set: %v", missing)
	}
	return stage, r, nil
}

func main() {
	stage, r, err := loadConfig(os.Getenv)
	log := boot.Logger(stage)
	boot.Must(log, "configuration", err)
	awsCfg, err := boot.AWS(context.Background())
	boot.Must(log, "AWS configuration", err)
	r.Log = log
	r.Secrets = secretsmanager.NewFromConfig(awsCfg)
	r.WAF = wafv2.NewFromConfig(awsCfg)
	r.CloudFront = cloudfront.NewFromConfig(awsCfg)
	lambda.Start(r.Handle)
}
