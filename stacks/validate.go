package stacks

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// ConfigError is Build's error (and NewStage's panic value) when the
// configurations or the settings are invalid: one line per problem, each
// naming the stage, the field and the value. main.go prints it and exits 2.
type ConfigError struct{ Problems []string }

func (e *ConfigError) Error() string {
	return "stratus: invalid configuration:\n  - " + strings.Join(e.Problems, "\n  - ")
}

var (
	emailAddress = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	zoneSuffix   = regexp.MustCompile(`^[a-z]$`)
)

// problems lists what is wrong with the settings, naming them as main.go's
// context keys.
func (o Options) problems() []string {
	var out []string
	if o.AlarmEmail != "" && !emailAddress.MatchString(o.AlarmEmail) {
		out = append(out, fmt.Sprintf("alarmEmail %q is not an email address", o.AlarmEmail))
	}
	if o.MailFrom != "" && !emailAddress.MatchString(o.MailFrom) {
		out = append(out, fmt.Sprintf("mailFrom %q is not an email address", o.MailFrom))
	}
	if o.Domain.IsSet() && (o.Domain.Name == "" || o.Domain.HostedZoneId == "") {
		out = append(out, fmt.Sprintf("domain %q and hostedZoneId %q go together: give both (-c domain=app.example.com -c hostedZoneId=Z…)",
			o.Domain.Name, o.Domain.HostedZoneId))
	} else {
		out = append(out, o.Domain.problems("domain", "hostedZoneId")...)
	}
	out = append(out, o.environmentProblems()...)
	if o.Stage != "" && !slices.Contains(StageNames(), o.Stage) {
		out = append(out, fmt.Sprintf("stage %q is not a stage of the app: want one of %s (or none, for all of them)",
			o.Stage, strings.Join(StageNames(), ", ")))
	}
	return append(out, o.previewProblems()...)
}

// stageProblems lists what is wrong with the configurations, each line
// naming the stages it applies to ("Dev, Staging: …").
func stageProblems(region string, configs ...Config) []string {
	return stageProblemsIn(func(string) string { return region }, configs...)
}

// stageProblemsIn is stageProblems with each stage in its own region,
// regionOf(stage name).
func stageProblemsIn(regionOf func(stage string) string, configs ...Config) []string {
	var order []string
	stages := map[string][]string{}
	for _, c := range configs {
		for _, p := range c.problems(regionOf(c.Name)) {
			if stages[p] == nil {
				order = append(order, p)
			}
			stages[p] = append(stages[p], c.Name)
		}
	}
	out := make([]string, len(order))
	for i, p := range order {
		out[i] = strings.Join(stages[p], ", ") + ": " + p
	}
	return out
}

// collectorLayer is the form of an ADOT collector layer version (gofunction checks it too).
var collectorLayer = regexp.MustCompile(`^[0-9]+-[0-9]+-[0-9]+:[0-9]+$`)

// problems lists what is wrong with c for an app in region, each line
// naming the field and its value.
func (c Config) problems(region string) []string {
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	if c.Name == "" {
		add("Name is empty")
	}
	if c.OutboxInterval < time.Minute || c.OutboxInterval%time.Minute != 0 {
		add("OutboxInterval %v must be whole minutes, at least one (EventBridge schedules run at most every minute)", c.OutboxInterval)
	}
	if r := c.Tracing.SampleRatio; r < 0 || r > 1 || r != r {
		add("Tracing.SampleRatio %v must be from 0 to 1", r)
	}
	if v := c.Tracing.CollectorLayer; v != "" && !collectorLayer.MatchString(v) {
		add(`Tracing.CollectorLayer %q is not an ADOT collector layer version such as "0-117-0:1"`, v)
	}
	switch c.Database.EnhancedMonitoring {
	case 0, time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute:
	default:
		add("Database.EnhancedMonitoring %v must be 1, 5, 10, 15, 30 or 60 seconds, or 0 for none", c.Database.EnhancedMonitoring)
	}
	if r := c.Api.OriginSecretRotation; r != 0 && (r < 4*time.Hour || r > 1000*24*time.Hour) {
		add("Api.OriginSecretRotation %v must be between 4h and 1000 days (24000h), Secrets Manager's bounds, or 0 for 30 days", r)
	}
	out = append(out, c.Rollout.problems()...)
	out = append(out, c.Backup.problems(region)...)
	out = append(out, c.zoneProblems(region)...)
	return append(out, c.Site.Domain.problems("Site.Domain.Name", "Site.Domain.HostedZoneId")...)
}

// zoneProblems checks the region's Availability Zones: listed, at least
// two, distinct, named after the region, and enough for the NAT gateways.
func (c Config) zoneProblems(region string) []string {
	zones, ok := c.Database.AvailabilityZones[region]
	if !ok {
		regions := make([]string, 0, len(c.Database.AvailabilityZones))
		for r := range c.Database.AvailabilityZones {
			regions = append(regions, r)
		}
		slices.Sort(regions)
		return []string{fmt.Sprintf("Database.AvailabilityZones lists no zones for region %s (it lists %s): "+
			"add the region with two zones to stacks.Zones in stacks/config.go", region, strings.Join(regions, ", "))}
	}
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	if len(zones) < 2 {
		add("Database.AvailabilityZones[%s] %q: the database needs at least two zones", region, zones)
	}
	seen := map[string]bool{}
	for _, z := range zones {
		if !strings.HasPrefix(z, region) || !zoneSuffix.MatchString(strings.TrimPrefix(z, region)) {
			add("Database.AvailabilityZones[%s] has %q, not a zone of %s (e.g. %sa)", region, z, region, region)
		}
		if seen[z] {
			add("Database.AvailabilityZones[%s] lists %q twice", region, z)
		}
		seen[z] = true
	}
	if c.Database.NatGateways > len(zones) {
		add("Database.NatGateways %d is more than its %d zones in %s", c.Database.NatGateways, len(zones), region)
	}
	return out
}

var regionName = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)

// problems lists what is wrong with an enabled backup plan in region.
func (b BackupConfig) problems(region string) []string {
	if !b.Enabled {
		if b.ReplicateUploads {
			return []string{"Backup.ReplicateUploads needs Backup.Enabled and a copy region (Backup.CopyRegions)"}
		}
		return nil
	}
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	if b.DailyRetentionDays < 1 || b.MonthlyRetentionDays < 1 {
		add("Backup.DailyRetentionDays %d and Backup.MonthlyRetentionDays %d must be at least 1", b.DailyRetentionDays, b.MonthlyRetentionDays)
	}
	if b.Continuous && b.DailyRetentionDays > 35 {
		add("Backup.DailyRetentionDays %d: with Backup.Continuous at most 35 (AWS Backup's limit for continuous backups)", b.DailyRetentionDays)
	}
	copyTo, listed := b.CopyRegions[region]
	switch {
	case !listed:
		add("Backup.CopyRegions names no copy region for region %s: add one (\"\" for no copies) to stacks.CopyRegions in stacks/config.go", region)
	case copyTo == region:
		add("Backup.CopyRegions[%s] %q is the stage's own region: copies must survive its loss", region, copyTo)
	case copyTo != "" && !regionName.MatchString(copyTo):
		add("Backup.CopyRegions[%s] %q is not a region name (e.g. eu-central-1)", region, copyTo)
	case copyTo == "" && b.ReplicateUploads:
		add("Backup.ReplicateUploads needs a copy region: Backup.CopyRegions[%s] is \"\"", region)
	}
	l := b.Lock
	switch l.Mode {
	case "":
		return out
	case "governance":
		if l.ChangeableForDays != 0 {
			add("Backup.Lock.ChangeableForDays %d applies to a compliance lock only", l.ChangeableForDays)
		}
	case "compliance":
		if l.ChangeableForDays < 3 {
			add("Backup.Lock.ChangeableForDays %d must be at least 3 (AWS Backup's cooling-off minimum) for a compliance lock", l.ChangeableForDays)
		}
	default:
		add(`Backup.Lock.Mode %q must be "", "governance" or "compliance"`, l.Mode)
	}
	if l.MinRetentionDays < 1 || l.MaxRetentionDays > 36500 || l.MinRetentionDays > l.MaxRetentionDays {
		add("Backup.Lock retention %d..%d days must lie within 1..36500, the minimum first", l.MinRetentionDays, l.MaxRetentionDays)
	}
	for name, days := range map[string]int{"DailyRetentionDays": b.DailyRetentionDays, "MonthlyRetentionDays": b.MonthlyRetentionDays} {
		if days < l.MinRetentionDays || days > l.MaxRetentionDays {
			add("Backup.%s %d is outside the lock's %d..%d days: the vault would refuse every such job", name, days, l.MinRetentionDays, l.MaxRetentionDays)
		}
	}
	slices.Sort(out)
	return out
}

// maxShift is CodeDeploy's longest time between a Lambda deployment's first
// and last traffic shift.
const maxShift = 48 * time.Hour

// problems lists what is wrong with a rollout: CodeDeploy takes whole
// percentages and whole minutes, and shifts within 48 hours.
func (r Rollout) problems() []string {
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	switch r.Kind {
	case AllAtOnce:
		if r.Percent != 0 || r.Interval != 0 {
			add("Rollout.Percent %d and Rollout.Interval %v apply to Canary and Linear only: 0 with AllAtOnce", r.Percent, r.Interval)
		}
		return out
	case Canary, Linear:
	default:
		add("Rollout.Kind %v must be AllAtOnce, Canary or Linear", r.Kind)
		return out
	}
	if r.Percent < 1 || r.Percent > 99 {
		add("Rollout.Percent %d must be 1 to 99 (CodeDeploy shifts whole percentages; 100 is AllAtOnce)", r.Percent)
	}
	if r.Interval < time.Minute || r.Interval%time.Minute != 0 {
		add("Rollout.Interval %v must be whole minutes, at least one (CodeDeploy's unit)", r.Interval)
	} else if shift := r.shiftTime(); shift > maxShift {
		add("Rollout %v %d%% every %v shifts over %v, beyond CodeDeploy's 48h between the first and last shift", r.Kind, r.Percent, r.Interval, shift)
	}
	return out
}

// shiftTime is the time between the first and the last traffic shift.
func (r Rollout) shiftTime() time.Duration {
	if r.Kind == Linear && r.Percent > 0 {
		steps := (100 + r.Percent - 1) / r.Percent
		return time.Duration(steps-1) * r.Interval
	}
	return r.Interval
}
