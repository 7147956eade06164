// Package stacks composes the Stratus constructs into the stacks of each
// environment. Every environment is a typed Go value (Dev, Staging, Prod):
// the differences between them live here, not in scattered ifs.
package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// Config is one environment.
type Config struct {
	// Name is the stage's construct id: Dev, Staging or Prod.
	Name string
	// Production turns on everything that protects data from an operator's
	// mistake: deletion protection, retained resources, termination protection.
	Production bool

	// LogRetention applies to every log group of the environment.
	LogRetention awslogs.RetentionDays
	// RemovalPolicy applies to stateful resources (buckets, user pool, database).
	RemovalPolicy awscdk.RemovalPolicy

	Database DatabaseConfig
	Api      ApiConfig
	Site     SiteConfig

	// OnCall makes the alarm topic page a human (an email subscription,
	// given by the operator at deploy time through the AlarmEmail parameter).
	OnCall bool
}

// DatabaseConfig sizes Aurora Serverless v2 and its network.
type DatabaseConfig struct {
	MinCapacity, MaxCapacity float64 // Aurora capacity units
	Readers                  int     // readers in other AZs
	Proxy                    bool    // RDS Proxy in front of the cluster
	NatGateways              int     // 0 keeps dev free of NAT hourly charges
	BackupRetentionDays      float64
}

// ApiConfig is the API's sign-in and edge protection.
type ApiConfig struct {
	Mfa    awscognito.Mfa
	WebAcl bool
	// ThreatProtection FULL_FUNCTION puts the user pool on Cognito's PLUS
	// plan (billed per monthly active user, no free tier).
	ThreatProtection    awscognito.StandardThreatProtectionMode
	ThrottleRate, Burst float64
}

// SiteConfig is the static site's edge protection.
type SiteConfig struct {
	WebAcl bool // a CLOUDFRONT WAF web ACL, held by a us-east-1 edge stack
}

// Dev is an engineer's own environment: cheap and disposable.
var Dev = Config{
	Name:          "Dev",
	LogRetention:  awslogs.RetentionDays_ONE_WEEK,
	RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	// One NAT gateway: the functions call SNS, SSM and S3, and one NAT costs
	// less than interface endpoints for each of those in two AZs.
	Database: DatabaseConfig{MinCapacity: 0, MaxCapacity: 2, NatGateways: 1, BackupRetentionDays: 1},
	Api: ApiConfig{Mfa: awscognito.Mfa_OPTIONAL, ThrottleRate: 20, Burst: 40,
		ThreatProtection: awscognito.StandardThreatProtectionMode_NO_ENFORCEMENT},
}

// Staging is shaped like production, but small: it proves a release on the
// same topology before it reaches Prod.
var Staging = Config{
	Name:          "Staging",
	LogRetention:  awslogs.RetentionDays_ONE_MONTH,
	RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	Database:      DatabaseConfig{MinCapacity: 0.5, MaxCapacity: 4, Readers: 1, Proxy: true, NatGateways: 1, BackupRetentionDays: 7},
	Api: ApiConfig{Mfa: awscognito.Mfa_OPTIONAL, WebAcl: true, ThrottleRate: 50, Burst: 100,
		ThreatProtection: awscognito.StandardThreatProtectionMode_FULL_FUNCTION},
	Site: SiteConfig{WebAcl: true},
}

// Prod is safe first: a reader in another AZ, a proxy, deletion protection
// and snapshots, retained data, long log retention, WAF on API and site,
// MFA required and alarms that page.
var Prod = Config{
	Name:          "Prod",
	Production:    true,
	LogRetention:  awslogs.RetentionDays_ONE_YEAR,
	RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	Database:      DatabaseConfig{MinCapacity: 0.5, MaxCapacity: 16, Readers: 1, Proxy: true, NatGateways: 2, BackupRetentionDays: 30},
	Api: ApiConfig{Mfa: awscognito.Mfa_REQUIRED, WebAcl: true, ThrottleRate: 200, Burst: 400,
		ThreatProtection: awscognito.StandardThreatProtectionMode_FULL_FUNCTION},
	Site:   SiteConfig{WebAcl: true},
	OnCall: true,
}
