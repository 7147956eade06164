package cost

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTwoRegions writes a cloud assembly of a Src stack in eu-west-1 and a
// Copy stack in eu-central-1 with the given resources.
func writeTwoRegions(t *testing.T, src, copy string) string {
	t.Helper()
	return writeSrcAndCopy(t, "aws://123456789012/eu-central-1", src, copy)
}

// writeSrcAndCopy writes a cloud assembly of a Src stack in
// aws://123456789012/eu-west-1 and a Copy stack in copyEnv.
func writeSrcAndCopy(t *testing.T, copyEnv, src, copy string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"manifest.json": `{"artifacts": {
			"Src": {"type": "aws:cloudformation:stack", "environment": "aws://123456789012/eu-west-1", "properties": {"templateFile": "Src.template.json"}},
			"Copy": {"type": "aws:cloudformation:stack", "environment": "` + copyEnv + `", "properties": {"templateFile": "Copy.template.json"}}}}`,
		"tree.json":          `{"tree": {"id": "App", "path": "", "children": {}}}`,
		"Src.template.json":  `{"Resources": {` + src + `}}`,
		"Copy.template.json": `{"Resources": {` + copy + `}}`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A plan that backs up a cluster and a bucket into Vault, keeps daily
// points 35 days (continuous) and monthly ones 365 (moved to cold after
// 90, which Aurora and S3 do not support), and copies both rules into the
// Copy stack's vault, named by ARN; the bucket is versioned and replicates
// to the Copy stack's bucket.
const srcStackResources = `
	"Vault": {"Type": "AWS::Backup::BackupVault", "Properties": {"BackupVaultName": "src-vault"}},
	"Unused": {"Type": "AWS::Backup::BackupVault", "Properties": {"BackupVaultName": "unused"}},
	"Plan": {"Type": "AWS::Backup::BackupPlan", "Properties": {"BackupPlan": {"BackupPlanName": "p", "BackupPlanRule": [
		{"RuleName": "Daily", "EnableContinuousBackup": true, "Lifecycle": {"DeleteAfterDays": 35},
		 "TargetBackupVault": {"Fn::GetAtt": ["Vault", "BackupVaultName"]},
		 "CopyActions": [{"DestinationBackupVaultArn": "arn:aws:backup:eu-central-1:123456789012:backup-vault:copy-vault", "Lifecycle": {"DeleteAfterDays": 35}}]},
		{"RuleName": "Monthly", "Lifecycle": {"DeleteAfterDays": 365, "MoveToColdStorageAfterDays": 90},
		 "TargetBackupVault": {"Fn::GetAtt": ["Vault", "BackupVaultName"]},
		 "CopyActions": [{"DestinationBackupVaultArn": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":backup:eu-central-1:", {"Ref": "AWS::AccountId"}, ":backup-vault:copy-vault"]]}}]}]}}},
	"Selection": {"Type": "AWS::Backup::BackupSelection", "Properties": {"BackupPlanId": {"Fn::GetAtt": ["Plan", "BackupPlanId"]},
		"BackupSelection": {"SelectionName": "s", "Resources": [
			{"Fn::Join": ["", ["arn:aws:rds:eu-west-1:123456789012:cluster:", {"Ref": "Cluster"}]]}, {"Fn::GetAtt": ["Bucket", "Arn"]}]}}},
	"Cluster": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-postgresql"}},
	"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"VersioningConfiguration": {"Status": "Enabled"},
		"LifecycleConfiguration": {"Rules": [{"Status": "Enabled", "NoncurrentVersionExpiration": {"NoncurrentDays": 35}}]},
		"ReplicationConfiguration": {"Role": "r", "Rules": [{"Status": "Enabled", "Destination": {"Bucket": "arn:aws:s3:::replica-bucket"}}]}}},
	"Writer": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["WriterRole", "Arn"]}}},
	"WriterRole": {"Type": "AWS::IAM::Role", "Properties": {}},
	"WriterPolicy": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "WriterRole"}], "PolicyDocument": {"Statement": [
		{"Effect": "Allow", "Action": "s3:PutObject", "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/*"]]}}]}}}`

const copyStackResources = `
	"CopyVault": {"Type": "AWS::Backup::BackupVault", "Properties": {"BackupVaultName": "copy-vault"}},
	"Replica": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "replica-bucket", "VersioningConfiguration": {"Status": "Enabled"},
		"LifecycleConfiguration": {"Rules": [{"Status": "Enabled", "NoncurrentVersionExpiration": {"NoncurrentDays": 35}}]}}}`

// The default profile: 5 GB in the cluster, 10 in the bucket, 1% of each
// changed a day, 10,000 uploads of 0.5 MB a month.
func TestBackupsCopiesVersionsAndReplicationArePricedFromTheTemplates(t *testing.T) {
	res, err := Estimate(writeTwoRegions(t, srcStackResources, copyStackResources), Options{})
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		qty   float64
		price float64
		note  string
	}
	lines := map[string][]got{}
	unpriced := map[string]Unpriced{}
	for _, s := range res.Stacks {
		for _, l := range s.Lines {
			if l.IdleQty != 0 && l.PriceKey != "kms.key.month" {
				t.Errorf("%s %s: %g idle, want nothing stored or sent idle", l.LogicalID, l.PriceKey, l.IdleQty)
			}
			k := s.Stack.Name + "/" + l.LogicalID + " " + l.PriceKey
			lines[k] = append(lines[k], got{l.ProfileQty, l.UnitPrice, l.Note})
		}
		for _, u := range s.Unpriced {
			unpriced[s.Stack.Name+"/"+u.LogicalID] = u
		}
	}
	month := 730.0 / 24
	for _, c := range []struct {
		key   string
		qty   []float64
		price float64 // the region's
		note  string
	}{
		// A full copy plus 365 days of 1% changes, less Aurora's free volume.
		{"Src/Vault backup.aurora.gb-month", []float64{5*(1+0.01*365) - 5}, 0.021, "continuous backup: Daily (35 days)"},
		{"Src/Vault backup.s3.gb-month", []float64{10 * (1 + 0.01*365)}, 0.05, "does not apply: AWS Backup keeps Aurora and S3 recovery points warm"},
		// Each rule's copies carry a month of changes, from the source region.
		{"Src/Vault backup.cross-region.gb", []float64{10 * 0.01 * month, 10 * 0.01 * month, 5 * 0.01 * month, 5 * 0.01 * month}, 0.02, "copy-vault"},
		// The copies are stored again, in full, at the copy region's rates.
		{"Copy/CopyVault backup.aurora.gb-month", []float64{5 * (1 + 0.01*365)}, 0.023, "no free share"},
		{"Copy/CopyVault backup.s3.gb-month", []float64{10 * (1 + 0.01*365)}, 0.0535, "kept up to 365 days"},
		// 5 GB uploaded a month becomes old versions, kept 35 days.
		{"Src/Bucket s3.standard.gb-month", []float64{10, 5 * 35 / month}, 0.023, ""},
		{"Src/Bucket datatransfer.inter-region.gb", []float64{5}, 0.02, "arn:aws:s3:::replica-bucket"},
		{"Copy/Replica s3.standard.gb-month", []float64{10, 5 * 35 / month}, 0.0245, ""},
		{"Copy/Replica s3.put.1k", []float64{10}, 0.0054, "one PUT per replicated upload"},
	} {
		g := lines[c.key]
		if len(g) != len(c.qty) {
			t.Errorf("%s: %d lines %+v, want %d", c.key, len(g), g, len(c.qty))
			continue
		}
		for i := range g {
			if math.Abs(g[i].qty-c.qty[i]) > 1e-9 || g[i].price != c.price || !strings.Contains(strings.Join([]string{g[0].note, g[len(g)-1].note}, " "), c.note) {
				t.Errorf("%s[%d]: %g at %g (%q), want %g at %g noting %q", c.key, i, g[i].qty, g[i].price, g[i].note, c.qty[i], c.price, c.note)
			}
		}
	}
	if u, ok := unpriced["Src/Unused"]; !ok || !u.Free || !strings.Contains(u.Reason, "no plan backs up into this vault") {
		t.Errorf("a vault no plan uses: %+v, want free with the reason", u)
	}
}

// Without a copy action the source vault has no transfer line and no other
// vault gets copies; without versioning there are no old versions.
func TestBackupWithoutCopiesOrVersioning(t *testing.T) {
	src := strings.NewReplacer(`"CopyActions"`, `"NoCopies"`, `"VersioningConfiguration": {"Status": "Enabled"},`, ``).Replace(srcStackResources)
	res, err := Estimate(writeTwoRegions(t, src, copyStackResources), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Stacks {
		for _, l := range s.Lines {
			if l.PriceKey == "backup.cross-region.gb" || l.LogicalID == "CopyVault" || strings.Contains(l.Item, "noncurrent") && l.LogicalID == "Bucket" {
				t.Errorf("%s/%s %s: %s, want none", s.Stack.Name, l.LogicalID, l.Item, l.Note)
			}
		}
	}
}

// A copy into another account's vault in the source's own region (a backup
// account) is stored again there, at that region's rates, and sends nothing
// across regions.
func TestBackupCopyToAnotherAccountInTheRegion(t *testing.T) {
	src := strings.NewReplacer("backup:eu-central-1:123456789012:", "backup:eu-west-1:555555555555:",
		`":backup:eu-central-1:", {"Ref": "AWS::AccountId"}, ":backup-vault`, `":backup:eu-west-1:555555555555:backup-vault`).Replace(srcStackResources)
	res, err := Estimate(writeSrcAndCopy(t, "aws://555555555555/eu-west-1", src, copyStackResources), Options{})
	if err != nil {
		t.Fatal(err)
	}
	stored := 0
	for _, s := range res.Stacks {
		for _, l := range s.Lines {
			if l.PriceKey == "backup.cross-region.gb" {
				t.Errorf("%s/%s: %g GB across regions (%s), want none", s.Stack.Name, l.LogicalID, l.ProfileQty, l.Note)
			}
			if s.Stack.Name == "Copy" && l.LogicalID == "CopyVault" && l.ProfileQty > 0 {
				stored++
				if l.UnitPrice != map[string]float64{"backup.aurora.gb-month": 0.021, "backup.s3.gb-month": 0.05}[l.PriceKey] {
					t.Errorf("%s at %g, want eu-west-1's rate", l.PriceKey, l.UnitPrice)
				}
			}
		}
	}
	if stored != 2 {
		t.Errorf("the backup account's vault has %d storage lines, want the cluster's and the bucket's copies", stored)
	}
}
