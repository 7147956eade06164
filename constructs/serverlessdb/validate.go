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

	"github.com/stratus-cdk/stratus/internal/propcheck"
)

// resolved holds Props with their defaults applied. Numbers that are
// unresolved tokens pass through unchanged (and unvalidated).
type resolved struct {
	engineVersion      awsrds.AuroraPostgresEngineVersion
	fullVersion        string
	databaseName       string
	adminUser          string
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
	env                envNames
}

func resolve(p *Props) resolved {
	r := resolved{
		engineVersion:      p.EngineVersion,
		databaseName:       DefaultDatabaseName,
		adminUser:          DefaultAdminUser,
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
		env:                resolveEnv(p.Env),
	}
	if r.engineVersion == nil {
		r.engineVersion = DefaultEngineVersion()
	}
	r.fullVersion = *r.engineVersion.AuroraPostgresFullVersion()
	if p.DatabaseName != nil {
		r.databaseName = *p.DatabaseName
	}
	if p.AdminUser != nil {
		r.adminUser = *p.AdminUser
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

// monitoringIntervals are the Enhanced Monitoring intervals RDS accepts, in
// seconds (0, off, is leaving the prop unset).
var monitoringIntervals = map[float64]bool{1: true, 5: true, 10: true, 15: true, 30: true, 60: true}

var (
	identifierRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)
	versionRE    = regexp.MustCompile(`^(\d+)\.(\d+)`)
	envNameRE    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]+$`)
)

// validate records every problem of p (with defaults r), each naming the
// prop and its bad value. Unresolved tokens are skipped.
func validate(c *propcheck.Problems, p *Props, r resolved) {
	known := func(v *float64) bool { return propcheck.Known(v) }

	// Engine.
	major, minor, versionOK := parseVersion(r.fullVersion)
	limitless := strings.Contains(strings.ToLower(r.fullVersion), "limitless")
	switch {
	case limitless:
		c.Add("EngineVersion", r.fullVersion, "an Aurora Limitless Database version: this construct builds a standard cluster of serverless v2 instances")
	case !versionOK:
		c.Add("EngineVersion", r.fullVersion, "not a MAJOR.MINOR Aurora PostgreSQL version")
	case !serverlessV2Supported(major, minor):
		c.Add("EngineVersion", r.fullVersion, "does not support Aurora Serverless v2 (needs 13.6+, 14.3+, 15.2+ or 16.1+)")
	}

	// Capacity.
	minKnown := p.MinCapacity == nil || known(p.MinCapacity)
	maxKnown := p.MaxCapacity == nil || known(p.MaxCapacity)
	if minKnown {
		if r.minCapacity < 0 || r.minCapacity > 256 || !halfStep(r.minCapacity) {
			c.Add("MinCapacity", r.minCapacity, "outside Aurora Serverless v2's range: 0 to 256 ACUs in steps of 0.5")
		} else if r.minCapacity == 0 && versionOK && !limitless && !autoPauseSupported(major, minor) {
			c.Add("MinCapacity", r.minCapacity, "auto-pause needs Aurora PostgreSQL 16.3+, 15.7+, 14.12+ or 13.15+, got EngineVersion %q", r.fullVersion)
		}
	}
	if maxKnown && (r.maxCapacity < 1 || r.maxCapacity > 256 || !halfStep(r.maxCapacity)) {
		c.Add("MaxCapacity", r.maxCapacity, "outside Aurora Serverless v2's range: 1 to 256 ACUs in steps of 0.5")
	}
	if minKnown && maxKnown && r.minCapacity > r.maxCapacity {
		c.Add("MinCapacity", r.minCapacity, "greater than MaxCapacity %v", r.maxCapacity)
	}

	// Cluster.
	if propcheck.Unresolved(p.Readers) {
		c.Add("Readers", p.Readers, "must be a number known at synth: it decides how many instances to create")
	}
	if known(p.Readers) && (*p.Readers < 0 || *p.Readers > 15 || *p.Readers != math.Trunc(*p.Readers)) {
		c.Add("Readers", p.Readers, "must be a whole number from 0 to 15")
	}
	if known(p.Port) && (*p.Port < 1150 || *p.Port > 65535 || *p.Port != math.Trunc(*p.Port)) {
		c.Add("Port", p.Port, "outside 1150-65535")
	}
	if propcheck.Known(p.DatabaseName) {
		switch name := *p.DatabaseName; {
		case !identifierRE.MatchString(name):
			c.Add("DatabaseName", name, "must start with a letter or _ and hold at most 63 letters, digits or _")
		case strings.EqualFold(name, "postgres") || strings.HasPrefix(strings.ToLower(name), "template") || strings.HasPrefix(strings.ToLower(name), "rds"):
			c.Add("DatabaseName", name, "reserved by PostgreSQL or RDS")
		}
	}
	if propcheck.Unresolved(p.AdminUser) {
		c.Add("AdminUser", p.AdminUser, "must be known at synth: the migrations and grants check their users against it")
	}
	if propcheck.Known(p.AdminUser) {
		switch name := strings.ToLower(*p.AdminUser); {
		case !identifierRE.MatchString(name) || strings.HasPrefix(name, "_"):
			c.Add("AdminUser", *p.AdminUser, "must start with a letter and hold at most 63 letters, digits or _ (RDS's rule for Aurora PostgreSQL)")
		case strings.HasPrefix(name, "rds") || strings.HasPrefix(name, "pg_"):
			c.Add("AdminUser", *p.AdminUser, "reserved by RDS (rds*) or PostgreSQL (pg_*)")
		}
	}
	if d := p.BackupRetention; propcheck.Known(d) {
		if days := *d.ToMilliseconds(nil) / 86400000; days < 1 || days > 35 || days != math.Trunc(days) {
			c.Add("BackupRetention", d, "must be whole days from 1 to 35")
		}
	}
	if d := p.MonitoringInterval; propcheck.Known(d) {
		if s := *d.ToMilliseconds(nil) / 1000; !monitoringIntervals[s] {
			c.Add("MonitoringInterval", d, "must be 1, 5, 10, 15, 30 or 60 seconds (leave it unset for no Enhanced Monitoring)")
		}
	}
	if d := p.RotationInterval; propcheck.Known(d) {
		if days := *d.ToMilliseconds(nil) / 86400000; days < 1 || days > 1000 || days != math.Trunc(days) {
			c.Add("RotationInterval", d, "must be whole days from 1 to 1000")
		}
	}
	switch r.removalPolicy {
	case awscdk.RemovalPolicy_SNAPSHOT, awscdk.RemovalPolicy_RETAIN, awscdk.RemovalPolicy_DESTROY:
	default:
		c.Add("RemovalPolicy", string(r.removalPolicy), "must be SNAPSHOT, RETAIN or DESTROY")
	}

	// Network.
	if p.ExistingVpc != nil {
		if p.AvailabilityZones != nil {
			c.Add("AvailabilityZones", propcheck.Shown(fmt.Sprint(strs(*p.AvailabilityZones))), "apply to a new VPC only, not with ExistingVpc")
		}
		if p.MaxAzs != nil {
			c.Add("MaxAzs", p.MaxAzs, "applies to a new VPC only, not with ExistingVpc")
		}
		if p.NatGateways != nil {
			c.Add("NatGateways", p.NatGateways, "applies to a new VPC only, not with ExistingVpc")
		}
		if n := len(*p.ExistingVpc.IsolatedSubnets()); n < 2 {
			c.Add("ExistingVpc", *p.ExistingVpc.Node().Path(), "has %d isolated subnets: the cluster needs at least 2, in different AZs", n)
		}
	} else {
		if known(p.MaxAzs) && (*p.MaxAzs < 2 || *p.MaxAzs != math.Trunc(*p.MaxAzs)) {
			c.Add("MaxAzs", p.MaxAzs, "must be a whole number of at least 2")
		}
		zones := "MaxAzs"
		if p.AvailabilityZones != nil {
			zones = "the number of AvailabilityZones"
			validateZones(c, p)
		}
		if known(p.NatGateways) && (*p.NatGateways < 0 || *p.NatGateways > r.maxAzs || *p.NatGateways != math.Trunc(*p.NatGateways)) {
			c.Add("NatGateways", p.NatGateways, "must be a whole number from 0 to %s (%v)", zones, r.maxAzs)
		}
	}

	// Proxy: RDS Proxy does not support Aurora Limitless Database, and its
	// pool of open connections (it keeps MaxIdleConnectionsPercent of them
	// open) stops an auto-pausing cluster from ever pausing, while each
	// resume would stall the proxy's borrowers: the two do not mix.
	if r.proxy {
		if limitless {
			c.Add("Proxy", p.Proxy, "not supported on an Aurora Limitless Database engine (EngineVersion %q)", r.fullVersion)
		}
		if minKnown && r.minCapacity == 0 {
			c.Add("Proxy", p.Proxy, "not supported with MinCapacity 0: the proxy's pooled connections keep an auto-pausing cluster awake; use MinCapacity 0.5 or more, or no proxy")
		}
	}

	// Alarms.
	if a := p.Alarms; a != nil {
		if known(a.CPUPercent) && (*a.CPUPercent <= 0 || *a.CPUPercent >= 100) {
			c.Add("Alarms.CPUPercent", a.CPUPercent, "must be between 0 and 100")
		}
		if known(a.ACUPercent) && (*a.ACUPercent <= 0 || *a.ACUPercent >= 100) {
			c.Add("Alarms.ACUPercent", a.ACUPercent, "must be between 0 and 100")
		}
		if known(a.Connections) && *a.Connections <= 0 {
			c.Add("Alarms.Connections", a.Connections, "must be positive")
		}
	}

	// Environment variable names.
	if e := p.Env; e != nil {
		for _, v := range []struct {
			prop  string
			value *string
		}{{"Host", e.Host}, {"Port", e.Port}, {"Name", e.Name}, {"User", e.User}, {"IAMAuth", e.IAMAuth}, {"Proxy", e.Proxy}, {"SecretArn", e.SecretArn}} {
			if propcheck.Known(v.value) && !envNameRE.MatchString(*v.value) {
				c.Add("Env."+v.prop, v.value, "must be a letter followed by letters, digits or _ (an environment variable name)")
			}
		}
	}

	// Migrations.
	if m := p.Migrations; m != nil {
		validateMigrations(c, "Migrations.", m)
	}
}

// validateZones checks AvailabilityZones: with MaxAzs unset, at least two,
// none empty or repeated (a token passes unchecked).
func validateZones(c *propcheck.Problems, p *Props) {
	zones := *p.AvailabilityZones
	shown := propcheck.Shown(fmt.Sprint(strs(zones)))
	if p.MaxAzs != nil {
		c.Add("AvailabilityZones", shown, "excludes MaxAzs %v: give one", *p.MaxAzs)
	}
	if len(zones) < 2 {
		c.Add("AvailabilityZones", shown, "the cluster needs at least 2 zones")
	}
	seen := map[string]bool{}
	for i, z := range zones {
		prop := fmt.Sprintf("AvailabilityZones[%d]", i)
		switch {
		case z == nil || (!propcheck.Unresolved(z) && strings.TrimSpace(*z) == ""):
			c.Add(prop, z, "is empty")
		case propcheck.Unresolved(z):
		case seen[*z]:
			c.Add(prop, z, "is listed twice")
		default:
			seen[*z] = true
		}
	}
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

// validateMigrations records the problems of m; prefix names where m sits
// ("Migrations." in Props, "" for AddMigrations' own argument).
func validateMigrations(c *propcheck.Problems, prefix string, m *MigrationsProps) {
	if m.Function == nil {
		c.Add(prefix+"Function", nil, "required: the function that applies the migrations")
	} else if !*m.Function.IsBoundToVpc() {
		c.Add(prefix+"Function", *m.Function.Node().Path(), "not in a VPC: create it with Vpc set to the database's VPC and VpcSubnets from FunctionSubnets()")
	}
	if m.Version == nil || (!propcheck.Unresolved(m.Version) && strings.TrimSpace(*m.Version) == "") {
		c.Add(prefix+"Version", m.Version, "required: change it to re-run the migrations (e.g. HashDir of the migrations folder)")
	}
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
