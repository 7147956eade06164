package cost

import (
	"flag"
	"fmt"
	"strings"
)

// HoursPerMonth is the month AWS's calculators use: 730 hours.
const HoursPerMonth = 730.0

// Profile is the usage the "at profile" figures assume, per stage (every
// stage is priced at the same profile; idle figures assume none of it).
// Traffic reaches resources through their wiring: the API's requests reach
// the functions integrated with it, a topic's messages reach the queues
// subscribed to it and the functions polling those.
type Profile struct {
	// APIRequests per month reaching each REST API.
	APIRequests float64
	// CDNRequests per month served by each CloudFront distribution
	// (API calls through it included), and CDNGB transferred out.
	CDNRequests, CDNGB float64
	// CDNMissRatio is the share of CloudFront requests fetched from an S3
	// origin.
	CDNMissRatio float64
	// Events per month published to each topic the app's functions publish to.
	Events float64
	// Uploads per month: objects put into each bucket the app's functions
	// write, each also a notification when the bucket announces new objects.
	Uploads float64
	// StorageGB held in each bucket the app's functions write.
	StorageGB float64
	// UploadMB is the average size of an upload: Uploads × UploadMB is the
	// volume a month that versioning keeps as old versions and replication
	// copies to another region.
	UploadMB float64
	// BackupChange is the share of a backed-up store (an Aurora cluster, a
	// bucket) that changes a day: each recovery point after the first holds
	// the changes since the one before.
	BackupChange float64
	// DBStorageGB held by each Aurora cluster.
	DBStorageGB float64
	// DBACU is the average capacity of a writer instance at profile, kept
	// within its cluster's minimum and maximum.
	DBACU float64
	// MAU is monthly active users of each user pool.
	MAU float64
	// PoolEmails per month sent by each user pool that mails through SES
	// (sign-up and password-reset codes).
	PoolEmails float64
	// LambdaMS is the average duration of an invocation.
	LambdaMS float64
	// LogKB is what one invocation or API request writes to its log group.
	LogKB float64
	// WAFLoggedShare is the share of a web ACL's requests that it blocks or
	// counts, and so logs (its logging filter drops the rest); WAFLogKB is
	// one WAF log record.
	WAFLoggedShare, WAFLogKB float64
	// LogGB per month for log groups whose writer is not traffic the profile
	// counts (VPC flow logs, database logs).
	LogGB float64
	// EMRecordKB is the size of one Enhanced Monitoring record, which RDS
	// writes to CloudWatch Logs for each monitored instance every
	// MonitoringInterval (its process list makes most of it).
	EMRecordKB float64
	// NATGB processed per month by each NAT gateway, EndpointGB by each
	// interface endpoint.
	NATGB, EndpointGB float64
	// PipelineRuns per month of each pipeline; BuildMinutes per CodeBuild
	// action and ActionMinutes per other action of a run.
	PipelineRuns, BuildMinutes, ActionMinutes float64
}

// DefaultProfile is a small production workload: a thousand active users
// making a million API calls a month.
func DefaultProfile() Profile {
	return Profile{
		APIRequests:  1_000_000,
		CDNRequests:  2_000_000,
		CDNGB:        20,
		CDNMissRatio: 0.1,
		Events:       100_000,
		Uploads:      10_000,
		StorageGB:    10,
		UploadMB:     0.5,
		BackupChange: 0.01,
		DBStorageGB:  5,
		DBACU:        1,
		MAU:          1_000,
		PoolEmails:   500,
		LambdaMS:     100,
		LogKB:        1,
		// Scanners and bots, and the free text the common rule set counts.
		WAFLoggedShare: 0.05,
		WAFLogKB:       2,
		LogGB:          1,
		EMRecordKB:     10,
		NATGB:          10,
		EndpointGB:     1,
		PipelineRuns:   30,
		BuildMinutes:   5,
		ActionMinutes:  2,
	}
}

// field is one profile setting as a flag.
type field struct {
	name, usage string
	ptr         func(*Profile) *float64
}

var fields = []field{
	{"requests", "API requests per month reaching each REST API", func(p *Profile) *float64 { return &p.APIRequests }},
	{"cdn-requests", "requests per month served by each CloudFront distribution", func(p *Profile) *float64 { return &p.CDNRequests }},
	{"cdn-gb", "GB per month transferred out by each CloudFront distribution", func(p *Profile) *float64 { return &p.CDNGB }},
	{"cdn-miss", "share of CloudFront requests fetched from an S3 origin", func(p *Profile) *float64 { return &p.CDNMissRatio }},
	{"events", "messages per month published to each topic the app's functions publish to", func(p *Profile) *float64 { return &p.Events }},
	{"uploads", "objects per month put into each bucket the app's functions write", func(p *Profile) *float64 { return &p.Uploads }},
	{"storage-gb", "GB stored in each bucket the app's functions write", func(p *Profile) *float64 { return &p.StorageGB }},
	{"upload-mb", "average MB of an upload (what versioning keeps and replication copies)", func(p *Profile) *float64 { return &p.UploadMB }},
	{"backup-change", "share of a backed-up cluster or bucket that changes a day", func(p *Profile) *float64 { return &p.BackupChange }},
	{"db-gb", "GB stored by each Aurora cluster", func(p *Profile) *float64 { return &p.DBStorageGB }},
	{"db-acu", "average ACUs of a database writer", func(p *Profile) *float64 { return &p.DBACU }},
	{"mau", "monthly active users of each user pool", func(p *Profile) *float64 { return &p.MAU }},
	{"pool-emails", "emails per month sent through SES by each user pool that mails through SES", func(p *Profile) *float64 { return &p.PoolEmails }},
	{"lambda-ms", "average duration of a function invocation, in milliseconds", func(p *Profile) *float64 { return &p.LambdaMS }},
	{"log-kb", "KB logged per invocation or API request", func(p *Profile) *float64 { return &p.LogKB }},
	{"waf-logged", "share of a web ACL's requests it blocks or counts, and logs", func(p *Profile) *float64 { return &p.WAFLoggedShare }},
	{"waf-log-kb", "KB per WAF log record", func(p *Profile) *float64 { return &p.WAFLogKB }},
	{"log-gb", "GB per month for log groups of other writers (flow logs, database logs)", func(p *Profile) *float64 { return &p.LogGB }},
	{"em-kb", "KB per Enhanced Monitoring record (one per monitored database instance and interval)", func(p *Profile) *float64 { return &p.EMRecordKB }},
	{"nat-gb", "GB per month processed by each NAT gateway", func(p *Profile) *float64 { return &p.NATGB }},
	{"endpoint-gb", "GB per month processed by each interface VPC endpoint", func(p *Profile) *float64 { return &p.EndpointGB }},
	{"pipeline-runs", "runs per month of each pipeline", func(p *Profile) *float64 { return &p.PipelineRuns }},
	{"build-minutes", "minutes per CodeBuild action of a pipeline run", func(p *Profile) *float64 { return &p.BuildMinutes }},
	{"action-minutes", "minutes per other (non-approval) action of a pipeline run", func(p *Profile) *float64 { return &p.ActionMinutes }},
}

// RegisterFlags binds every field of p to a flag of fs, with p's values as
// defaults.
func (p *Profile) RegisterFlags(fs *flag.FlagSet) {
	for _, f := range fields {
		fs.Float64Var(f.ptr(p), f.name, *f.ptr(p), f.usage)
	}
}

// Validate reports every negative field, and ratios above 1, at once.
func (p Profile) Validate() error {
	var bad []string
	for _, f := range fields {
		if v := *f.ptr(&p); v < 0 {
			bad = append(bad, fmt.Sprintf("%s=%g", f.name, v))
		}
	}
	if p.CDNMissRatio > 1 {
		bad = append(bad, fmt.Sprintf("cdn-miss=%g (a share, at most 1)", p.CDNMissRatio))
	}
	if p.BackupChange > 1 {
		bad = append(bad, fmt.Sprintf("backup-change=%g (a share, at most 1)", p.BackupChange))
	}
	if len(bad) > 0 {
		return fmt.Errorf("usage profile: negative or out-of-range values: %s", strings.Join(bad, ", "))
	}
	return nil
}

// String lists the profile as flag=value pairs, the way the report states it.
func (p Profile) String() string {
	parts := make([]string, 0, len(fields))
	for _, f := range fields {
		parts = append(parts, fmt.Sprintf("%s=%s", f.name, num(*f.ptr(&p))))
	}
	return strings.Join(parts, " ")
}

// num prints a quantity without needless digits.
func num(v float64) string {
	s := fmt.Sprintf("%.6f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}
