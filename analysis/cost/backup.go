package cost

import (
	"fmt"
	"sort"
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/wiring"
)

// Backups and copies of data: AWS Backup's recovery points, a versioned
// bucket's old versions and S3 replication to another region.

const (
	tVault     = "AWS::Backup::BackupVault"
	tPlan      = "AWS::Backup::BackupPlan"
	tSelection = "AWS::Backup::BackupSelection"
	tCluster   = "AWS::RDS::DBCluster"
	tBucket    = "AWS::S3::Bucket"
	// daysPerMonth is the month of HoursPerMonth in days.
	daysPerMonth = HoursPerMonth / 24
)

// backupRule is one rule of a backup plan, as its template has it.
type backupRule struct {
	name       string
	target     any     // TargetBackupVault
	keep, cold float64 // Lifecycle DeleteAfterDays, MoveToColdStorageAfterDays (0: none)
	continuous bool
	copies     []backupCopy
}

// backupCopy is a copy action: the destination vault's ARN, as far as the
// template spells it out, and how long the copy is kept.
type backupCopy struct {
	dest string
	keep float64
}

func planRules(plan *wiring.Node) []backupRule {
	var out []backupRule
	for _, r := range plan.List("BackupPlan", "BackupPlanRule") {
		m, _ := r.(map[string]any)
		life, _ := m["Lifecycle"].(map[string]any)
		rule := backupRule{target: m["TargetBackupVault"], keep: number(life["DeleteAfterDays"]), cold: number(life["MoveToColdStorageAfterDays"])}
		rule.name, _ = m["RuleName"].(string)
		rule.continuous, _ = m["EnableContinuousBackup"].(bool)
		copies, _ := m["CopyActions"].([]any)
		for _, c := range copies {
			cm, _ := c.(map[string]any)
			cl, _ := cm["Lifecycle"].(map[string]any)
			keep := number(cl["DeleteAfterDays"])
			if keep == 0 {
				keep = rule.keep
			}
			rule.copies = append(rule.copies, backupCopy{dest: flat(cm["DestinationBackupVaultArn"]), keep: keep})
		}
		out = append(out, rule)
	}
	return out
}

func number(v any) float64 {
	f, _ := v.(float64)
	return f
}

// flat spells a template value out as a string: literals as they are, the
// pieces of an Fn::Join joined, anything else (a Ref, a pseudo parameter)
// as "*".
func flat(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			sep, _ := j[0].(string)
			parts, _ := j[1].([]any)
			s := make([]string, len(parts))
			for i, p := range parts {
				s[i] = flat(p)
			}
			return strings.Join(s, sep)
		}
	}
	return "*"
}

// copiesInto reports whether arn (flattened) names the vault called name in
// region: a copy action's destination, which a plan names by a string
// because CloudFormation has no references across regions.
func copiesInto(arn, name, region string) bool {
	parts := strings.Split(arn, ":")
	return len(parts) == 7 && parts[2] == "backup" && (parts[3] == region || parts[3] == "*") &&
		parts[5] == "backup-vault" && parts[6] == name
}

// copyRegion is the region of a copy action's destination vault (arn
// flattened), "*" when the template does not spell it out.
func copyRegion(arn string) string {
	if parts := strings.Split(arn, ":"); len(parts) == 7 {
		return parts[3]
	}
	return "*"
}

// protectedBy lists the resources the selections of plan back up.
func (e *estimator) protectedBy(plan wiring.Ref) []*wiring.Node {
	seen := map[wiring.Ref]bool{}
	var out []*wiring.Node
	for _, sel := range e.app.NodesOf("", tSelection) {
		if !contains(e.app.RefsOfType(sel.Stack, sel.Prop("BackupPlanId"), tPlan), plan) {
			continue
		}
		for _, r := range e.app.Refs(sel.Stack, sel.Prop("BackupSelection", "Resources")) {
			r = e.app.Owner(r)
			if !seen[r] {
				seen[r] = true
				out = append(out, e.app.Nodes[r])
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref.String() < out[j].Ref.String() })
	return out
}

func contains(refs []wiring.Ref, r wiring.Ref) bool {
	for _, x := range refs {
		if x == r {
			return true
		}
	}
	return false
}

// backupKind is how AWS Backup bills a protected resource: its price key,
// the profile's size of it and what that size is.
func (e *estimator) backupKind(n *wiring.Node) (key string, gb float64, what string, ok bool) {
	switch n.Type {
	case tCluster:
		return "backup.aurora.gb-month", e.profile.DBStorageGB, "db-gb", true
	case tBucket:
		return "backup.s3.gb-month", e.profile.StorageGB, "storage-gb", true
	}
	return "", 0, "", false
}

// recoveryPointGB is what the recovery points of a store of gb hold when
// the longest retention is keep days: a full copy, then each day's changes
// (the profile's BackupChange) for as long as they are kept. An upper
// bound: a change overwritten before the next recovery point is counted.
func (e *estimator) recoveryPointGB(gb, keep float64) float64 {
	return gb * (1 + e.profile.BackupChange*keep)
}

// priceVault bills a vault's recovery points: those of every plan rule
// that targets it (priced in its region, Aurora's free share of one volume
// subtracted, continuous backup included) and the copies other plans put
// into it (stored again, no free share); and, on the source vault, the
// transfer of each copy to another region. Idle, nothing is stored.
func priceVault(e *estimator, n *wiring.Node) ([]Line, string) {
	var lines []Line
	var unknown []string
	name := n.Str("BackupVaultName")
	for _, plan := range e.app.NodesOf("", tPlan) {
		var keep, copyKeep float64
		var continuous, cold []string
		var copies []backupRule
		for _, r := range planRules(plan) {
			if plan.Stack == n.Stack && contains(e.app.RefsOfType(plan.Stack, r.target, tVault), n.Ref) {
				keep = max(keep, r.keep)
				if r.continuous {
					continuous = append(continuous, fmt.Sprintf("%s (%g days)", r.name, r.keep))
				}
				if r.cold > 0 {
					cold = append(cold, fmt.Sprintf("%s after %g days", r.name, r.cold))
				}
				if len(r.copies) > 0 {
					copies = append(copies, r)
				}
			}
			for _, c := range r.copies {
				if copiesInto(c.dest, name, e.region) {
					copyKeep = max(copyKeep, c.keep)
				}
			}
		}
		if keep == 0 && copyKeep == 0 {
			continue
		}
		for _, res := range e.protectedBy(plan.Ref) {
			key, gb, what, ok := e.backupKind(res)
			if !ok {
				unknown = append(unknown, res.Name()+" ("+res.Type+")")
				continue
			}
			if keep > 0 {
				stored := e.recoveryPointGB(gb, keep)
				note := fmt.Sprintf("%s of %s: %s GB (%s) and %g%% of it changed a day, kept up to %g days (plan %s)",
					res.Type, res.Name(), num(gb), what, 100*e.profile.BackupChange, keep, plan.Name())
				if res.Type == tCluster {
					stored -= gb
					note += "; less Aurora's free backup storage of one volume"
				}
				if len(continuous) > 0 {
					note += "; continuous backup: " + strings.Join(continuous, ", ")
				}
				if len(cold) > 0 {
					note += "; cold storage (" + strings.Join(cold, ", ") + ") does not apply: AWS Backup keeps Aurora and S3 recovery points warm"
				}
				lines = append(lines, e.line(n, "AWS Backup storage, warm", key, 0, stored, note))
			}
			if copyKeep > 0 {
				lines = append(lines, e.line(n, "AWS Backup storage of copies, warm", key, 0, e.recoveryPointGB(gb, copyKeep),
					fmt.Sprintf("copies of %s's recovery points from plan %s (%s GB, %g%% changed a day), kept up to %g days; no free share here",
						res.Name(), plan.Name(), num(gb), 100*e.profile.BackupChange, copyKeep)))
			}
			for _, r := range copies {
				for _, c := range r.copies {
					if copyRegion(c.dest) == e.region {
						// Another account in this region (a backup
						// account): no transfer is billed.
						continue
					}
					// Each copy after the first is incremental: a month of
					// the rule's copies carries a month of changes.
					lines = append(lines, e.line(n, "AWS Backup copies to another region", "backup.cross-region.gb", 0,
						gb*e.profile.BackupChange*daysPerMonth,
						fmt.Sprintf("rule %s copies %s's recovery points to %s: a month of changes; the first, full copy (%s GB) once",
							r.name, res.Name(), c.dest, num(gb))))
				}
			}
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		why := "no AWS Backup rate in the price table for " + strings.Join(unknown, ", ")
		if len(lines) == 0 {
			return nil, why
		}
		lines[0].Note += "; not priced: " + why
	}
	if len(lines) == 0 {
		return nil, "free: no plan backs up into this vault or copies into it"
	}
	return lines, ""
}

// uploadGB is the volume of the profile's uploads a month.
func (e *estimator) uploadGB() float64 { return e.profile.Uploads * e.profile.UploadMB / 1000 }

// noncurrentDays is how long a versioned bucket keeps an old version, from
// its lifecycle rules; ok is false when it is not versioned.
func noncurrentDays(n *wiring.Node) (days float64, ok bool) {
	if n.Str("VersioningConfiguration", "Status") != "Enabled" {
		return 0, false
	}
	for _, r := range n.List("LifecycleConfiguration", "Rules") {
		m, _ := r.(map[string]any)
		if m["Status"] != "Enabled" {
			continue
		}
		if d := number(m["NoncurrentVersionExpirationInDays"]); d > 0 {
			days = d
		}
		if x, _ := m["NoncurrentVersionExpiration"].(map[string]any); number(x["NoncurrentDays"]) > 0 {
			days = number(x["NoncurrentDays"])
		}
	}
	return days, true
}

// versionLine bills a versioned bucket's old versions: as much overwritten
// or deleted a month as uploaded (an upper bound), each kept for the
// lifecycle's noncurrent days, or a year where nothing expires them.
func (e *estimator) versionLine(n *wiring.Node) (Line, bool) {
	days, ok := noncurrentDays(n)
	if !ok {
		return Line{}, false
	}
	note := fmt.Sprintf("old versions kept %g days (NoncurrentVersionExpiration)", days)
	if days == 0 {
		days, note = 365, "no lifecycle expires old versions: a year of them priced"
	}
	up := e.uploadGB()
	return e.line(n, "S3 Standard storage, noncurrent versions", "s3.standard.gb-month", 0, up*days/daysPerMonth,
		fmt.Sprintf("%s; %s GB a month become old versions (uploads × upload-mb, as much overwritten or deleted as uploaded)", note, num(up))), true
}

// replicaOf returns the buckets that replicate into n (a destination names
// its bucket by ARN, a plain string across regions).
func (e *estimator) replicaOf(n *wiring.Node) []*wiring.Node {
	name := n.Str("BucketName")
	if name == "" {
		return nil
	}
	var out []*wiring.Node
	for _, src := range e.app.NodesOf("", tBucket) {
		for _, r := range src.List("ReplicationConfiguration", "Rules") {
			m, _ := r.(map[string]any)
			d, _ := m["Destination"].(map[string]any)
			if dest := flat(d["Bucket"]); dest == "arn:aws:s3:::"+name || strings.HasSuffix(dest, ":::"+name) {
				out = append(out, src)
				break
			}
		}
	}
	return out
}

// replicationLines bills a bucket's replication to another region: the
// transfer of every upload, in the source's region.
func (e *estimator) replicationLines(n *wiring.Node) []Line {
	var lines []Line
	for _, r := range n.List("ReplicationConfiguration", "Rules") {
		m, _ := r.(map[string]any)
		if m["Status"] != "Enabled" {
			continue
		}
		d, _ := m["Destination"].(map[string]any)
		lines = append(lines, e.line(n, "S3 replication transfer to another region", "datatransfer.inter-region.gb", 0, e.uploadGB(),
			fmt.Sprintf("every upload (uploads × upload-mb) replicated to %s", flat(d["Bucket"]))))
	}
	return lines
}

// replicaLines bills a replication destination in its own region: what the
// source holds, the old versions its own lifecycle keeps, and a PUT per
// replicated object.
func (e *estimator) replicaLines(n *wiring.Node, sources []*wiring.Node) []Line {
	from := make([]string, len(sources))
	for i, s := range sources {
		from[i] = s.Name()
	}
	of := "replica of " + strings.Join(from, ", ")
	lines := []Line{
		e.line(n, "S3 Standard storage", "s3.standard.gb-month", 0, e.profile.StorageGB*float64(len(sources)), of+": what the source holds (storage-gb)"),
		e.line(n, "S3 replication PUT requests", "s3.put.1k", 0, e.profile.Uploads*float64(len(sources))/1000, of+": one PUT per replicated upload"),
	}
	if l, ok := e.versionLine(n); ok {
		lines = append(lines, l)
	}
	return lines
}
