package serverlessdb

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/jsii-runtime-go"
)

// resolved holds Props with their defaults applied. Numbers that are
// unresolved tokens pass through unchanged (and unvalidated).
type resolved struct {
	engineVersion      awsrds.AuroraPostgresEngineVersion
	fullVersion        string
	databaseName       string
	port               float64
	minCapacity        float64
	maxCapacity        float64
	readers            int
	maxAzs             float64
	natGateways        float64
	backupRetention    awscdk.Duration
	rotationInterval   awscdk.Duration
	deletionProtection bool
	removalPolicy      awscdk.RemovalPolicy
	logRetention       awslogs.RetentionDays
	proxy              bool
}

func resolve(p *Props) resolved {
	r := resolved{
		engineVersion:      p.EngineVersion,
		databaseName:       DefaultDatabaseName,
		port:               DefaultPort,
		minCapacity:        DefaultMinCapacity,
		maxCapacity:        DefaultMaxCapacity,
		readers:            DefaultReaders,
		maxAzs:             DefaultMaxAzs,
		natGateways:        DefaultNatGateways,
		backupRetention:    p.BackupRetention,
		rotationInterval:   p.RotationInterval,
		deletionProtection: true,
		removalPolicy:      p.RemovalPolicy,
		logRetention:       p.LogRetention,
		proxy:              p.Proxy != nil && *p.Proxy,
	}
	if r.engineVersion == nil {
		r.engineVersion = DefaultEngineVersion()
	}
	r.fullVersion = *r.engineVersion.AuroraPostgresFullVersion()
	if p.DatabaseName != nil {
		r.databaseName = *p.DatabaseName
	}
	if p.Port != nil {
		r.port = *p.Port
	}
	if p.MinCapacity != nil {
		r.minCapacity = *p.MinCapacity
	}
	if p.MaxCapacity != nil {
		r.maxCapacity = *p.MaxCapacity
	}
	if p.Readers != nil {
		r.readers = int(*p.Readers)
	}
	if p.MaxAzs != nil {
		r.maxAzs = *p.MaxAzs
	}
	if p.AvailabilityZones != nil && p.MaxAzs == nil {
		r.maxAzs = float64(len(*p.AvailabilityZones))
	}
	if p.NatGateways != nil {
		r.natGateways = *p.NatGateways
	}
	if r.backupRetention == nil {
		r.backupRetention = awscdk.Duration_Days(jsii.Number(DefaultBackupDays))
	}
	if r.rotationInterval == nil {
		r.rotationInterval = awscdk.Duration_Days(jsii.Number(DefaultRotationDays))
	}
	if p.DeletionProtection != nil {
		r.deletionProtection = *p.DeletionProtection
	}
	if r.removalPolicy == "" {
		r.removalPolicy = awscdk.RemovalPolicy_SNAPSHOT
	}
	if r.logRetention == "" {
		r.logRetention = DefaultLogRetention
	}
	return r
}

var (
	identifierRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)
	versionRE    = regexp.MustCompile(`^(\d+)\.(\d+)`)
)

// validate lists every problem of p (with defaults r), one line each naming
// the prop and its bad value. Unresolved tokens are skipped.
func validate(p *Props, r resolved) []string {
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	known := func(v *float64) bool { return v != nil && !unresolved(v) }

	// Engine.
	major, minor, versionOK := parseVersion(r.fullVersion)
	limitless := strings.Contains(strings.ToLower(r.fullVersion), "limitless")
	switch {
	case limitless:
		add("EngineVersion %q is an Aurora Limitless Database version: this construct builds a standard cluster of serverless v2 instances", r.fullVersion)
	case !versionOK:
		add("EngineVersion %q is not a MAJOR.MINOR Aurora PostgreSQL version", r.fullVersion)
	case !serverlessV2Supported(major, minor):
		add("EngineVersion %q does not support Aurora Serverless v2 (needs 13.6+, 14.3+, 15.2+ or 16.1+)", r.fullVersion)
	}

	// Capacity.
	minKnown := p.MinCapacity == nil || known(p.MinCapacity)
	maxKnown := p.MaxCapacity == nil || known(p.MaxCapacity)
	if minKnown {
		if r.minCapacity < 0 || r.minCapacity > 256 || !halfStep(r.minCapacity) {
			add("MinCapacity %v is outside Aurora Serverless v2's range: 0 to 256 ACUs in steps of 0.5", r.minCapacity)
		} else if r.minCapacity == 0 && versionOK && !limitless && !autoPauseSupported(major, minor) {
			add("MinCapacity 0 (auto-pause) needs Aurora PostgreSQL 16.3+, 15.7+, 14.12+ or 13.15+, got EngineVersion %q", r.fullVersion)
		}
	}
	if maxKnown && (r.maxCapacity < 1 || r.maxCapacity > 256 || !halfStep(r.maxCapacity)) {
		add("MaxCapacity %v is outside Aurora Serverless v2's range: 1 to 256 ACUs in steps of 0.5", r.maxCapacity)
	}
	if minKnown && maxKnown && r.minCapacity > r.maxCapacity {
		add("MinCapacity %v is greater than MaxCapacity %v", r.minCapacity, r.maxCapacity)
	}

	// Cluster.
	if p.Readers != nil && unresolved(p.Readers) {
		add("Readers must be a number known at synth, not a token: it decides how many instances to create")
	}
	if known(p.Readers) && (*p.Readers < 0 || *p.Readers > 15 || *p.Readers != math.Trunc(*p.Readers)) {
		add("Readers %v must be a whole number from 0 to 15", *p.Readers)
	}
	if known(p.Port) && (*p.Port < 1150 || *p.Port > 65535 || *p.Port != math.Trunc(*p.Port)) {
		add("Port %v is outside 1150-65535", *p.Port)
	}
	if p.DatabaseName != nil && !unresolved(p.DatabaseName) {
		switch name := *p.DatabaseName; {
		case !identifierRE.MatchString(name):
			add("DatabaseName %q must start with a letter or _ and hold at most 63 letters, digits or _", name)
		case strings.EqualFold(name, "postgres") || strings.HasPrefix(strings.ToLower(name), "template") || strings.HasPrefix(strings.ToLower(name), "rds"):
			add("DatabaseName %q is reserved by PostgreSQL or RDS", name)
		}
	}
	if d := p.BackupRetention; d != nil && !*d.IsUnresolved() {
		if days := *d.ToMilliseconds(nil) / 86400000; days < 1 || days > 35 || days != math.Trunc(days) {
			add("BackupRetention %s must be whole days from 1 to 35", *d.ToHumanString())
		}
	}
	if d := p.RotationInterval; d != nil && !*d.IsUnresolved() {
		if days := *d.ToMilliseconds(nil) / 86400000; days < 1 || days > 1000 || days != math.Trunc(days) {
			add("RotationInterval %s must be whole days from 1 to 1000", *d.ToHumanString())
		}
	}
	switch r.removalPolicy {
	case awscdk.RemovalPolicy_SNAPSHOT, awscdk.RemovalPolicy_RETAIN, awscdk.RemovalPolicy_DESTROY:
	default:
		add("RemovalPolicy %q must be SNAPSHOT, RETAIN or DESTROY", r.removalPolicy)
	}

	// Network.
	if p.ExistingVpc != nil {
		if p.AvailabilityZones != nil {
			add("AvailabilityZones %v apply to a new VPC only, not with ExistingVpc", strs(*p.AvailabilityZones))
		}
		if p.MaxAzs != nil {
			add("MaxAzs %v applies to a new VPC only, not with ExistingVpc", *p.MaxAzs)
		}
		if p.NatGateways != nil {
			add("NatGateways %v applies to a new VPC only, not with ExistingVpc", *p.NatGateways)
		}
		if n := len(*p.ExistingVpc.IsolatedSubnets()); n < 2 {
			add("ExistingVpc has %d isolated subnets: the cluster needs at least 2, in different AZs", n)
		}
	} else {
		if known(p.MaxAzs) && (*p.MaxAzs < 2 || *p.MaxAzs != math.Trunc(*p.MaxAzs)) {
			add("MaxAzs %v must be a whole number of at least 2", *p.MaxAzs)
		}
		zones := "MaxAzs"
		if p.AvailabilityZones != nil {
			zones = "the number of AvailabilityZones"
			out = append(out, validateZones(p)...)
		}
		if known(p.NatGateways) && (*p.NatGateways < 0 || *p.NatGateways > r.maxAzs || *p.NatGateways != math.Trunc(*p.NatGateways)) {
			add("NatGateways %v must be a whole number from 0 to %s (%v)", *p.NatGateways, zones, r.maxAzs)
		}
	}

	// Proxy: RDS Proxy does not support Aurora Limitless Database, and its
	// pool of open connections (it keeps MaxIdleConnectionsPercent of them
	// open) stops an auto-pausing cluster from ever pausing, while each
	// resume would stall the proxy's borrowers: the two do not mix.
	if r.proxy {
		if limitless {
			add("Proxy is not supported on an Aurora Limitless Database engine (EngineVersion %q)", r.fullVersion)
		}
		if minKnown && r.minCapacity == 0 {
			add("Proxy is not supported with MinCapacity 0: the proxy's pooled connections keep an auto-pausing cluster awake; use MinCapacity 0.5 or more, or no proxy")
		}
	}

	// Alarms.
	if a := p.Alarms; a != nil {
		if known(a.CPUPercent) && (*a.CPUPercent <= 0 || *a.CPUPercent >= 100) {
			add("Alarms.CPUPercent %v must be between 0 and 100", *a.CPUPercent)
		}
		if known(a.ACUPercent) && (*a.ACUPercent <= 0 || *a.ACUPercent >= 100) {
			add("Alarms.ACUPercent %v must be between 0 and 100", *a.ACUPercent)
		}
		if known(a.Connections) && *a.Connections <= 0 {
			add("Alarms.Connections %v must be positive", *a.Connections)
		}
	}

	// Migrations.
	if m := p.Migrations; m != nil {
		out = append(out, validateMigrations(m)...)
	}
	return out
}

// validateZones checks AvailabilityZones: with MaxAzs unset, at least two,
// none empty or repeated (a token passes unchecked).
func validateZones(p *Props) []string {
	var out []string
	zones := *p.AvailabilityZones
	if p.MaxAzs != nil {
		out = append(out, fmt.Sprintf("AvailabilityZones %v and MaxAzs %v are exclusive: give one", strs(zones), *p.MaxAzs))
	}
	if len(zones) < 2 {
		out = append(out, fmt.Sprintf("AvailabilityZones %v: the cluster needs at least 2 zones", strs(zones)))
	}
	seen := map[string]bool{}
	for i, z := range zones {
		switch {
		case z == nil || (!unresolved(z) && strings.TrimSpace(*z) == ""):
			out = append(out, fmt.Sprintf("AvailabilityZones[%d] is empty", i))
		case unresolved(z):
		case seen[*z]:
			out = append(out, fmt.Sprintf("AvailabilityZones lists %q twice", *z))
		default:
			seen[*z] = true
		}
	}
	return out
}

// strs is a list of optional strings for messages.
func strs(list []*string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		if s != nil {
			out[i] = *s
		}
	}
	return out
}

func validateMigrations(m *MigrationsProps) []string {
	var out []string
	if m.Function == nil {
		out = append(out, "Migrations.Function is required")
	} else if !*m.Function.IsBoundToVpc() {
		out = append(out, fmt.Sprintf("Migrations.Function %s is not in a VPC: create it with Vpc set to the database's VPC and VpcSubnets from FunctionSubnets()", *m.Function.Node().Path()))
	}
	if m.Version == nil || (!unresolved(m.Version) && strings.TrimSpace(*m.Version) == "") {
		out = append(out, "Migrations.Version is required: change it to re-run the migrations (e.g. HashDir of the migrations folder)")
	}
	return out
}

func parseVersion(v string) (major, minor int, ok bool) {
	m := versionRE.FindStringSubmatch(v)
	if m == nil {
		return 0, 0, false
	}
	major, _ = strconv.Atoi(m[1])
	minor, _ = strconv.Atoi(m[2])
	return major, minor, true
}

// serverlessV2Supported: Aurora Serverless v2 needs Aurora PostgreSQL 13.6,
// 14.3, 15.2, 16.1 or later within each major version.
func serverlessV2Supported(major, minor int) bool {
	switch {
	case major >= 16:
		return major > 16 || minor >= 1
	case major == 15:
		return minor >= 2
	case major == 14:
		return minor >= 3
	case major == 13:
		return minor >= 6
	}
	return false
}

// autoPauseSupported mirrors aws-cdk-lib's rule for MinCapacity 0:
// ">=16.3 || ^15.7 || ^14.12 || ^13.15".
func autoPauseSupported(major, minor int) bool {
	switch {
	case major > 16:
		return true
	case major == 16:
		return minor >= 3
	case major == 15:
		return minor >= 7
	case major == 14:
		return minor >= 12
	case major == 13:
		return minor >= 15
	}
	return false
}

func halfStep(v float64) bool { return v*2 == math.Trunc(v*2) }

func unresolved(v any) bool { return *awscdk.Token_IsUnresolved(v) }
