package cost

import (
	"fmt"
	"math"
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/wiring"
)

// Networking and the database: what bills by the hour.

func priceNAT(e *estimator, n *wiring.Node) ([]Line, string) {
	return []Line{
		e.line(n, "NAT gateway hours", "ec2.nat-gateway.hour", HoursPerMonth, HoursPerMonth, ""),
		e.line(n, "NAT data processed", "ec2.nat-gateway.gb", 0, e.profile.NATGB, ""),
	}, ""
}

func priceEIP(e *estimator, n *wiring.Node) ([]Line, string) {
	return []Line{e.line(n, "public IPv4 address hours", "vpc.public-ipv4.hour", HoursPerMonth, HoursPerMonth, "")}, ""
}

func priceEndpoint(e *estimator, n *wiring.Node) ([]Line, string) {
	if t := n.Str("VpcEndpointType"); t != "Interface" && t != "GatewayLoadBalancer" {
		return nil, "free: a gateway endpoint (S3, DynamoDB) carries no charge"
	}
	azs := float64(len(n.List("SubnetIds")))
	note := fmt.Sprintf("%g Availability Zones (its subnets)", azs)
	return []Line{
		e.line(n, "interface endpoint hours", "vpc.interface-endpoint.hour", HoursPerMonth*azs, HoursPerMonth*azs, note),
		e.line(n, "interface endpoint data", "vpc.interface-endpoint.gb", 0, e.profile.EndpointGB, ""),
	}, ""
}

// cluster is what pricing an Aurora cluster's instances and proxy needs.
type cluster struct {
	min, max    float64
	serverless  bool
	ioOptimized bool
	// When min is 0: awake says why the cluster never pauses at idle; or
	// wakeHours are the hours a month scheduled connections keep it awake
	// between pauses, explained by wakeNote.
	awake     string
	wakeHours float64
	wakeNote  string
}

// defaultPauseDelay is Aurora's auto-pause delay when the template sets
// none (SecondsUntilAutoPause), and resumeSeconds how long a paused
// instance takes to resume, as AWS documents it (about 15 seconds).
const (
	defaultPauseDelay = 300
	resumeSeconds     = 15
)

func (e *estimator) cluster(r wiring.Ref) cluster {
	n := e.app.Nodes[r]
	c := cluster{ioOptimized: n.Str("StorageType") == "aurora-iopt1"}
	c.min, c.serverless = n.Number("ServerlessV2ScalingConfiguration", "MinCapacity")
	c.max, _ = n.Number("ServerlessV2ScalingConfiguration", "MaxCapacity")
	if c.serverless && c.min == 0 {
		e.wakeUps(r, n, &c)
	}
	return c
}

// wakeUps finds what keeps a cluster that may auto-pause from pausing at
// idle: a proxy holds connections to it; a function connecting to it on a
// schedule more often than the pause delay keeps it awake; one that runs
// less often wakes it on every run, for the run, the resume and the pause
// delay that follows (the function must close its connection after each
// run, as the outbox does, or a frozen Lambda environment holds it open).
func (e *estimator) wakeUps(r wiring.Ref, n *wiring.Node, c *cluster) {
	delay, ok := n.Number("ServerlessV2ScalingConfiguration", "SecondsUntilAutoPause")
	if !ok {
		delay = defaultPauseDelay
	}
	for _, ed := range e.app.Into(r, wiring.Proxy) {
		c.awake = "the RDS proxy " + e.app.Nodes[ed.From].Name() + " holds connections open"
		return
	}
	var notes []string
	seen := map[wiring.Ref]bool{}
	for _, ed := range e.app.Into(r, wiring.Connection, wiring.Grant) {
		if ed.Kind == wiring.Grant && !strings.Contains(ed.Detail, "rds-db:connect") {
			continue
		}
		if seen[ed.From] {
			continue // a function both granted and let in by its security group
		}
		seen[ed.From] = true
		for _, sch := range e.app.Into(ed.From, wiring.Schedule) {
			runs, ok := perMonth(sch.Detail)
			if !ok || runs <= 0 {
				continue
			}
			fn := e.app.Nodes[ed.From].Name()
			if HoursPerMonth*3600/runs < delay {
				c.awake = fmt.Sprintf("kept awake: %s connects on %s, more often than the %gs auto-pause delay", fn, sch.Detail, delay)
				return
			}
			c.wakeHours += runs * (delay + resumeSeconds) / 3600
			notes = append(notes, fmt.Sprintf("%s on %s wakes it %.0f times", fn, sch.Detail, runs))
		}
	}
	if c.wakeHours >= HoursPerMonth {
		c.awake = "kept awake: " + strings.Join(notes, ", ") + ", and the wake-ups overlap"
		c.wakeHours = 0
		return
	}
	if c.wakeHours > 0 {
		c.wakeNote = fmt.Sprintf("pauses between runs: %s, each time for the %gs auto-pause delay and a %ds resume: %.1f h awake at 0.5 ACU",
			strings.Join(notes, ", "), delay, resumeSeconds, c.wakeHours)
	}
}

// acus returns the average ACUs of one instance of c, idle and at profile,
// and a note. A paused instance bills nothing; a running one at least 0.5.
func (e *estimator) acus(c cluster, reader bool) (idle, profile float64, note string) {
	low := math.Max(c.min, 0.5)
	idle = low
	switch {
	case c.min > 0:
		note = fmt.Sprintf("idle at the minimum %g ACU", c.min)
	case c.awake != "":
		note = c.awake + "; idle at 0.5 ACU"
	case c.wakeHours > 0:
		idle, note = low*c.wakeHours/HoursPerMonth, c.wakeNote
	default:
		idle, note = 0, "auto-pause (minimum 0 ACU): 0 ACU-hours idle"
	}
	profile = math.Min(math.Max(e.profile.DBACU, low), math.Max(c.max, low))
	if reader {
		profile = idle
		note += "; a reader that does not scale with the writer stays at its idle capacity"
	}
	return idle, profile, note
}

func priceCluster(e *estimator, n *wiring.Node) ([]Line, string) {
	if !strings.HasPrefix(n.Str("Engine"), "aurora") {
		return nil, "engine " + n.Str("Engine") + " is not in the price table"
	}
	key := "rds.aurora.storage.gb-month"
	if e.cluster(n.Ref).ioOptimized {
		key = "rds.aurora-io-optimized.storage.gb-month"
	}
	return []Line{e.line(n, "Aurora storage", key, 0, e.profile.DBStorageGB,
		"I/O requests, backups beyond the retention's free share and snapshots not priced")}, ""
}

// instanceCluster finds the cluster of a DB instance.
func (e *estimator) instanceCluster(n *wiring.Node) (wiring.Ref, bool) {
	for _, ed := range e.app.Out(n.Ref, wiring.Member) {
		return ed.To, true
	}
	return wiring.Ref{}, false
}

func priceInstance(e *estimator, n *wiring.Node) ([]Line, string) {
	cr, ok := e.instanceCluster(n)
	if !ok || n.Str("DBInstanceClass") != "db.serverless" {
		return nil, "instance class " + n.Str("DBInstanceClass") + " is not in the price table (only Aurora Serverless v2 is)"
	}
	c := e.cluster(cr)
	tier, _ := n.Number("PromotionTier")
	idle, profile, note := e.acus(c, tier > 1)
	key := "rds.aurora-serverless-v2.acu-hour"
	if c.ioOptimized {
		key = "rds.aurora-serverless-v2-io-optimized.acu-hour"
	}
	lines := []Line{e.line(n, "Aurora Serverless v2 capacity", key, idle*HoursPerMonth, profile*HoursPerMonth, note)}
	if l, ok := e.enhancedMonitoring(n, idle/math.Max(c.min, 0.5)); ok {
		lines = append(lines, l)
	}
	return lines, ""
}

// enhancedMonitoring bills an instance's Enhanced Monitoring
// (MonitoringInterval seconds, 0 or absent when off) as what it is billed
// as: CloudWatch Logs ingestion into the account's RDSOSMetrics log group,
// which RDS creates (not in the templates), one record of the profile's
// EMRecordKB per interval while the instance runs (awake: the share of
// the month it runs at idle; a paused instance reports nothing).
func (e *estimator) enhancedMonitoring(n *wiring.Node, awake float64) (Line, bool) {
	interval, ok := n.Number("MonitoringInterval")
	if !ok || interval <= 0 {
		return Line{}, false
	}
	gb := HoursPerMonth * 3600 / interval * e.profile.EMRecordKB / 1e6
	return e.line(n, "Enhanced Monitoring (CloudWatch Logs ingestion, RDSOSMetrics)", "cloudwatch.logs.ingest.gb",
		gb*math.Min(awake, 1), gb, fmt.Sprintf("a %g KB record every %gs", e.profile.EMRecordKB, interval)), true
}

// priceProxy bills the ACUs of the instances behind the proxy, at least the
// table's minimum per hour.
func priceProxy(e *estimator, n *wiring.Node) ([]Line, string) {
	var idle, profile float64
	var clusters int
	for _, ed := range e.app.Out(n.Ref, wiring.Proxy) {
		c := e.cluster(ed.To)
		if !c.serverless {
			return nil, "the proxy's target is not Aurora Serverless v2 (provisioned targets bill per vCPU, not in the price table)"
		}
		clusters++
		for _, in := range e.app.Into(ed.To, wiring.Member) {
			tier, _ := e.app.Nodes[in.From].Number("PromotionTier")
			i, p, _ := e.acus(c, tier > 1)
			idle, profile = idle+i, profile+p
		}
	}
	if clusters == 0 {
		return nil, "no target cluster found"
	}
	entry, _, _ := e.prices.lookup("rds.proxy.serverless.acu-hour", e.region)
	note := fmt.Sprintf("%g ACU idle, %g at profile; billed at least %g ACU", idle, profile, entry.MinimumPerHour)
	idle, profile = math.Max(idle, entry.MinimumPerHour), math.Max(profile, entry.MinimumPerHour)
	return []Line{e.line(n, "RDS Proxy (Aurora Serverless v2 target)", "rds.proxy.serverless.acu-hour",
		idle*HoursPerMonth, profile*HoursPerMonth, note)}, ""
}
