// Package stacks composes the Stratus constructs into the stacks of each
// environment. Every environment is a typed Go value (Dev, Staging, Prod):
// the differences between them live here, not in scattered ifs. Every field
// of Config reaches the templates; test/config_test.go checks each one, per
// stage, in the synthesized templates, and fails for a field it does not know.
package stacks

import (
	"fmt"
	"slices"
	"time"

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
	Backup   BackupConfig

	// OnCall makes the alarm topic page a human: an email subscription to
	// the address in the Data stack's AlarmEmail parameter, whose default is
	// the alarmEmail setting (context or STRATUS_ALARM_EMAIL, see Options).
	// Until an address is given the subscription is left out.
	OnCall bool

	// Rollout is how a release shifts the API's and the worker's traffic to
	// the new code (README "Deploying": rollouts and their rollback).
	Rollout Rollout

	// OutboxInterval is how often the outbox function runs (whole minutes, at
	// least one). It connects to the database on every run, so an interval
	// shorter than Aurora's auto-pause delay (5 minutes) keeps a cluster with
	// MinCapacity 0 from ever pausing.
	OutboxInterval time.Duration

	// Tracing samples and exports the functions' OpenTelemetry spans.
	Tracing TracingConfig
}

// ADOTCollectorLayer is the version of the AWS Distro for OpenTelemetry
// collector Lambda layer every stage uses (gofunction.Props.CollectorLayer):
// the one place to bump it. Check the current one in ADOT's Lambda docs
// before a release.
const ADOTCollectorLayer = "0-117-0:1"

// TracingConfig is how the API, worker and outbox functions trace.
type TracingConfig struct {
	// SampleRatio is the share of traces the functions record, 0 to 1
	// (OTEL_TRACES_SAMPLER=traceidratio): decided on the trace id, so a
	// request's spans in the API, the outbox and the worker are all kept or
	// all dropped.
	SampleRatio float64
	// CollectorLayer is the ADOT collector layer's version; "" leaves the
	// collector out, and the functions' spans unexported.
	CollectorLayer string
}

// RolloutKind is how a release reaches the functions that serve traffic.
type RolloutKind int

const (
	// AllAtOnce updates the functions in place: no version, alias or
	// CodeDeploy group (what `make watch` hotswaps).
	AllAtOnce RolloutKind = iota
	// Canary publishes a version behind the functions' alias, sends it
	// Percent of the traffic for Interval, then the rest.
	Canary
	// Linear shifts Percent more of the traffic to the new version every
	// Interval until it has all of it.
	Linear
)

func (k RolloutKind) String() string {
	switch k {
	case AllAtOnce:
		return "AllAtOnce"
	case Canary:
		return "Canary"
	case Linear:
		return "Linear"
	}
	return fmt.Sprintf("RolloutKind(%d)", int(k))
}

// Rollout is the shape of a release of the API and worker functions. With
// Canary or Linear, each is published as a version behind an alias, which
// the API integration and the event source mapping invoke, and a CodeDeploy
// deployment group shifts the alias's traffic to each new version, rolling
// back on the function's error and latency alarms (and the API's 5XX
// alarm) during the shift. CodeDeploy's predefined configurations are used
// where one matches, a custom one otherwise.
type Rollout struct {
	Kind RolloutKind
	// Percent of the traffic each shift moves: Canary's first step, every
	// step of Linear (1 to 99). 0 with AllAtOnce.
	Percent int
	// Interval is Canary's bake time before the rest of the traffic moves,
	// Linear's time between steps: whole minutes, and the whole shift
	// within CodeDeploy's 48 hours. 0 with AllAtOnce.
	Interval time.Duration
}

// DatabaseConfig sizes Aurora Serverless v2 and its network.
type DatabaseConfig struct {
	// Restore, when set, restores the cluster's data into a new cluster
	// beside it (Data/DatabaseRestored), from an AWS Backup recovery point
	// or snapshot, or to a point in time. The app keeps using the live
	// cluster; the cut-over is a later reviewed change (README "Backups
	// and restore"). Default: - none.
	Restore                  DatabaseRestore
	MinCapacity, MaxCapacity float64 // Aurora capacity units
	Readers                  int     // readers in other AZs
	Proxy                    bool    // RDS Proxy in front of the cluster
	NatGateways              int     // 0 keeps dev free of NAT hourly charges
	BackupRetentionDays      float64
	// AdminUser is the cluster's admin user name. It is create-only:
	// changing it on a deployed stage replaces the cluster, which the
	// stateful lock refuses. A stage deployed before issue 29, whose
	// cluster was created as "postgres", sets "postgres" here to keep it.
	// Default: - serverlessdb.DefaultAdminUser ("stratus_admin").
	AdminUser string
	// EnhancedMonitoring is the interval of every instance's Enhanced
	// Monitoring (OS metrics: processes, memory, disk): 1, 5, 10, 15, 30 or
	// 60 seconds, 0 for none. RDS writes a record per instance and interval
	// to CloudWatch Logs, billed as ingestion (at 60 s a few tenths of a
	// dollar a month per instance, see `make cost`).
	EnhancedMonitoring time.Duration
	// AvailabilityZones the VPC spans, per region: given, not looked up, so
	// synth with an account stays offline. A region missing here is an error
	// naming it.
	AvailabilityZones map[string][]string
}

// DatabaseRestore names what DatabaseConfig.Restore restores: SnapshotArn,
// or SourceCluster and Time (RFC 3339, UTC) for a point in time.
type DatabaseRestore struct {
	SnapshotArn   string
	SourceCluster string
	Time          string
}

// IsSet reports whether a restore is asked for.
func (r DatabaseRestore) IsSet() bool { return r != DatabaseRestore{} }

// ApiConfig is the API's sign-in and edge protection.
type ApiConfig struct {
	Mfa    awscognito.Mfa
	WebAcl bool
	// ThreatProtection FULL_FUNCTION or AUDIT_ONLY puts the user pool on
	// Cognito's PLUS plan (billed per monthly active user, no free tier);
	// NO_ENFORCEMENT keeps it on ESSENTIALS.
	ThreatProtection    awscognito.StandardThreatProtectionMode
	ThrottleRate, Burst float64
	// Mail is how the user pool sends sign-up and password-reset codes.
	Mail MailConfig
	// OriginSecretRotation is how often the origin secret rotates, where
	// both the API and the site have a web ACL (the API then answers only
	// requests that carry it, see README "The edge"): between 4 hours and
	// 1000 days, Secrets Manager's bounds. Each rotation takes a few minutes
	// (a CloudFront deployment) and costs nothing but the function's run.
	// Default: - 30 days.
	OriginSecretRotation time.Duration
	// DetailedMetrics turns on the stage's per-method CloudWatch metrics
	// (count, 4XX, 5XX, latency, integration latency for each route),
	// billed as custom metrics: five per route with traffic, about 0.30 USD
	// each a month (see `make cost`).
	DetailedMetrics bool
}

// MailConfig is how a stage's user pool sends its mail.
type MailConfig struct {
	// SES sends through Amazon SES (EmailSendingAccount DEVELOPER) from the
	// address in the App stack's MailFrom parameter, which must be an
	// identity verified in SES in the stage's region (see the README's
	// "Sign-in per stage"). Its default is the mailFrom setting (context or
	// STRATUS_MAIL_FROM, see Options); without one the parameter has no
	// default and a deploy asks for it, so no stage silently keeps
	// Cognito's sender, whose small daily quota is meant for testing.
	// False keeps Cognito's own sender.
	SES bool
	// From is the MailFrom parameter's default: Options.MailFrom.
	From string
}

// BackupConfig is the stage's AWS Backup plan for the Aurora cluster and the
// uploads bucket (README "Backups and restore"). Without it, Aurora's
// automated backups (Database.BackupRetentionDays) and the bucket's
// versioning are the only copies, in the same account and region.
type BackupConfig struct {
	// Enabled backs up the cluster and the bucket into a vault of the Data
	// stack, with its own KMS key.
	Enabled bool
	// Continuous adds continuous backup to the daily rule: point-in-time
	// restore of both stores to any second within its retention (at most
	// 35 days, AWS Backup's limit).
	Continuous bool
	// DailyRetentionDays keeps each daily recovery point (03:00 UTC) this
	// many days.
	DailyRetentionDays int
	// MonthlyRetentionDays keeps the recovery point of the 1st of each month
	// this many days.
	MonthlyRetentionDays int
	// CopyRegions names, per region the stage may be deployed to, the
	// region that gets a copy of every recovery point, kept as long, in a
	// vault of the stage's BackupCopy stack there: a region outage loses no
	// backup. Given, like the Availability Zones, so nothing is looked up;
	// a region missing here is an error naming it, "" is no copies.
	CopyRegions map[string]string
	// ReplicateUploads replicates every new version of the uploads bucket,
	// within minutes, to a bucket of the BackupCopy stack in the copy
	// region (versioned, its own KMS key there, old versions kept as long
	// as the source's). The app's deletes replicate as delete markers, which
	// a restore removes; S3 never replicates the removal of a version. It
	// needs Enabled and a copy region. Default: - off: the daily copies
	// of the bucket's recovery points already leave the region; replication
	// adds a replica minutes behind, at the cost of a second copy of the
	// bucket (see `make cost`).
	ReplicateUploads bool
	// Lock is Vault Lock on both vaults.
	Lock VaultLock
}

// VaultLock makes a backup vault's recovery points immutable: no one may
// delete one before its retention ends or shorten it, and every backup or
// copy job must keep its recovery point between the bounds.
type VaultLock struct {
	// Mode is "" (no lock), "governance" (a principal allowed
	// backup:DeleteBackupVaultLockConfiguration can still remove the lock)
	// or "compliance". A compliance lock becomes irreversible once
	// ChangeableForDays have passed after the deploy that set it: from then
	// on nobody (not the account's root user, not AWS) can remove or change
	// the lock, delete a recovery point before its retention ends, or delete
	// the vault while it holds any.
	Mode string
	// MinRetentionDays and MaxRetentionDays bound every recovery point's
	// retention (1 to 36500).
	MinRetentionDays, MaxRetentionDays int
	// ChangeableForDays is a compliance lock's cooling-off period (at least
	// 3, AWS Backup's minimum), during which it can still be changed or
	// removed. Not with governance.
	ChangeableForDays int
}

// SiteConfig is the static site's edge protection and address.
type SiteConfig struct {
	WebAcl bool // a CLOUDFRONT WAF web ACL, held by a us-east-1 edge stack
	// Domain serves the site, and the API under /v1/, on a custom domain.
	// Default: - the app's domain setting (Options.Domain) for this stage
	// (Domain.ForStage), or none: the distribution's *.cloudfront.net name.
	Domain Domain
}

// Zones are the Availability Zones every stage's VPC spans, per region:
// two, so the writer and the reader (and Prod's two NAT gateways) sit in
// different zones. Zone names are per account (each account maps them to
// physical zones on its own) and all of these are offered to every account;
// to deploy to another region, add it with two zones that
// `aws ec2 describe-availability-zones --region REGION` lists as available.
// Each call returns a new map, so editing one stage's zones edits no other.
func Zones() map[string][]string {
	out := make(map[string][]string, len(zones))
	for region, z := range zones {
		out[region] = slices.Clone(z)
	}
	return out
}

var zones = map[string][]string{
	"us-east-1":      {"us-east-1a", "us-east-1b"},
	"us-east-2":      {"us-east-2a", "us-east-2b"},
	"us-west-2":      {"us-west-2a", "us-west-2b"},
	"ca-central-1":   {"ca-central-1a", "ca-central-1b"},
	"eu-west-1":      {"eu-west-1a", "eu-west-1b"},
	"eu-west-2":      {"eu-west-2a", "eu-west-2b"},
	"eu-west-3":      {"eu-west-3a", "eu-west-3b"},
	"eu-central-1":   {"eu-central-1a", "eu-central-1b"},
	"eu-north-1":     {"eu-north-1a", "eu-north-1b"},
	"ap-southeast-1": {"ap-southeast-1a", "ap-southeast-1b"},
	"ap-southeast-2": {"ap-southeast-2a", "ap-southeast-2b"},
	"ap-northeast-1": {"ap-northeast-1a", "ap-northeast-1c"},
	"ap-south-1":     {"ap-south-1a", "ap-south-1b"},
	"sa-east-1":      {"sa-east-1a", "sa-east-1b"},
}

// CopyRegions pairs each region of Zones with the region its backups are
// copied to: the nearest other region of the same geography, so copies
// stay under the same data-residency rules (São Paulo, alone in South
// America, copies to us-east-1). Each call returns a new map.
func CopyRegions() map[string]string {
	return map[string]string{
		"us-east-1": "us-west-2", "us-east-2": "us-west-2", "us-west-2": "us-east-1",
		"ca-central-1": "ca-west-1",
		"eu-west-1":    "eu-central-1", "eu-west-2": "eu-west-1", "eu-west-3": "eu-central-1",
		"eu-central-1": "eu-west-1", "eu-north-1": "eu-central-1",
		"ap-southeast-1": "ap-southeast-2", "ap-southeast-2": "ap-southeast-4",
		"ap-northeast-1": "ap-northeast-3", "ap-south-1": "ap-south-2",
		"sa-east-1": "us-east-1",
	}
}

// Dev is an engineer's own environment: cheap and disposable (no Enhanced
// Monitoring, no detailed API metrics).
func Dev() Config {
	return Config{
		Name:          "Dev",
		LogRetention:  awslogs.RetentionDays_ONE_WEEK,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		// One NAT gateway: the functions call SNS, SSM and S3, and one NAT costs
		// less than interface endpoints for each of those in two AZs.
		Database: DatabaseConfig{MinCapacity: 0, MaxCapacity: 2, NatGateways: 1, BackupRetentionDays: 1, AvailabilityZones: Zones()},
		Api: ApiConfig{Mfa: awscognito.Mfa_OPTIONAL, ThrottleRate: 20, Burst: 40,
			ThreatProtection: awscognito.StandardThreatProtectionMode_NO_ENFORCEMENT},
		// Hourly: between runs the database pauses (MinCapacity 0). A publish
		// that failed after its commit reaches the bus within the hour.
		OutboxInterval: time.Hour,
		// Every trace: traffic is a developer's, and X-Ray's free tier (100,000
		// traces recorded a month) covers it.
		Tracing: TracingConfig{SampleRatio: 1, CollectorLayer: ADOTCollectorLayer},
		// In place: an engineer's deploys and `make watch`'s hotswaps take
		// effect at once, with nothing to roll back to.
		Rollout: Rollout{Kind: AllAtOnce},
	}
}

// Staging is shaped like production, but small: it proves a release on the
// same topology before it reaches Prod.
func Staging() Config {
	return Config{
		Name:          "Staging",
		LogRetention:  awslogs.RetentionDays_ONE_MONTH,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		Database: DatabaseConfig{MinCapacity: 0.5, MaxCapacity: 4, Readers: 1, Proxy: true, NatGateways: 1, BackupRetentionDays: 7,
			EnhancedMonitoring: time.Minute, AvailabilityZones: Zones()},
		Api: ApiConfig{Mfa: awscognito.Mfa_OPTIONAL, WebAcl: true, ThrottleRate: 50, Burst: 100,
			ThreatProtection: awscognito.StandardThreatProtectionMode_FULL_FUNCTION},
		Site:           SiteConfig{WebAcl: true},
		OutboxInterval: time.Minute,
		// Every trace: a release is proven here, at test traffic.
		Tracing: TracingConfig{SampleRatio: 1, CollectorLayer: ADOTCollectorLayer},
		// Linear, 10% more every minute (CodeDeploy's predefined
		// LambdaLinear10PercentEvery1Minute): every release rehearses Prod's
		// gradual shift and its rollback path on Prod's topology, and the
		// pipeline's Staging stage grows by ten minutes, not Prod's bake
		// time per step, since Staging's little traffic (testers, the health
		// check) fills a one-minute alarm period as well as a longer one.
		Rollout: Rollout{Kind: Linear, Percent: 10, Interval: time.Minute},
	}
}

// Prod is safe first: a reader in another AZ, a proxy, deletion protection
// and snapshots, retained data, long log retention, WAF on API and site,
// MFA required, alarms that page, Enhanced Monitoring and per-route API
// metrics to see why.
func Prod() Config {
	return Config{
		Name:          "Prod",
		Production:    true,
		LogRetention:  awslogs.RetentionDays_ONE_YEAR,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		Database: DatabaseConfig{MinCapacity: 0.5, MaxCapacity: 16, Readers: 1, Proxy: true, NatGateways: 2, BackupRetentionDays: 30,
			EnhancedMonitoring: time.Minute, AvailabilityZones: Zones()},
		Api: ApiConfig{Mfa: awscognito.Mfa_REQUIRED, WebAcl: true, ThrottleRate: 200, Burst: 400,
			ThreatProtection: awscognito.StandardThreatProtectionMode_FULL_FUNCTION, DetailedMetrics: true,
			Mail: MailConfig{SES: true}},
		Site: SiteConfig{WebAcl: true},
		// Recovery points for a year, copied to a second region of the same
		// geography (CopyRegions), and the uploads replicated there within
		// minutes (a few cents a month at the cost profile), in vaults whose compliance lock becomes
		// irreversible 3 days after the first deploy (see VaultLock.Mode).
		Backup: BackupConfig{Enabled: true, Continuous: true, DailyRetentionDays: 35, MonthlyRetentionDays: 365,
			CopyRegions: CopyRegions(), ReplicateUploads: true,
			Lock: VaultLock{Mode: "compliance", MinRetentionDays: 7, MaxRetentionDays: 400, ChangeableForDays: 3}},
		OnCall:         true,
		OutboxInterval: time.Minute,
		// 5%: X-Ray bills per trace recorded and scanned, and at Prod's traffic
		// one in twenty still shows every route and failure mode many times a
		// minute; logs carry every request's trace id regardless.
		Tracing: TracingConfig{SampleRatio: 0.05, CollectorLayer: ADOTCollectorLayer},
		// A canary: 10% of the traffic for 5 minutes, then the rest
		// (CodeDeploy's LambdaCanary10Percent5Minutes).
		Rollout: Rollout{Kind: Canary, Percent: 10, Interval: 5 * time.Minute},
	}
}

// StageNames are the names of the stages Build builds, in order: the values
// Options.Stage (`-c stage=…`) takes. Each call returns a new slice.
func StageNames() []string { return []string{Dev().Name, Staging().Name, Prod().Name} }
