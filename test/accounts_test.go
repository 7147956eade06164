package test

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/analysis/cost"
	"github.com/stratus-cdk/stratus/internal/analysis/assembly"
	"github.com/stratus-cdk/stratus/internal/analysis/refsynth"
	"github.com/stratus-cdk/stratus/internal/analysis/statelock"
	"github.com/stratus-cdk/stratus/stacks"
)

// accountsOptions are issue 30's example of an account per stage, with
// issue 31's backup account:
//
//	-c pipelineAccount=111111111111 -c devAccount=222222222222 -c stagingAccount=333333333333
//	-c prodAccount=444444444444 -c prodRegion=eu-central-1 -c backupAccount=555555555555
var accountsOptions = stacks.Options{
	PipelineAccount: "111111111111", DevAccount: "222222222222", StagingAccount: "333333333333",
	ProdAccount: "444444444444", ProdRegion: "eu-central-1", BackupAccount: "555555555555",
}

// accountsSynth is the accounts synth, done once; TestMain removes outDir.
var accountsSynth struct {
	once        sync.Once
	outDir, dir string
	err         error
}

// accountsAssembly synthesizes the app with accountsOptions once, the first
// time a test asks (the other tests do not pay for it), with validation on as
// `make synth` runs it.
func accountsAssembly(t *testing.T) string {
	t.Helper()
	s := &accountsSynth
	s.once.Do(func() {
		ctx, err := refsynth.Context("cdk.json")
		if err != nil {
			s.err = err
			return
		}
		if s.outDir, s.err = os.MkdirTemp("", "stratus-accounts-assembly"); s.err != nil {
			return
		}
		app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(s.outDir)})
		if _, err := stacks.Build(app, accountsOptions); err != nil {
			s.err = err
			return
		}
		s.dir = *app.Synth(nil).Directory()
	})
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.dir
}

// wantEnv is where each stack of the accounts synth must deploy: Stage/Name
// (or the stack's name outside a stage) to "account/region".
func wantEnv() map[string]string {
	return map[string]string{
		"Pipeline": "111111111111/eu-west-1",
		// CodePipeline's support stacks (a replication bucket and its key)
		// in each region a deploy action runs in other than the pipeline's.
		"cross-region-stack-111111111111:us-east-1":    "111111111111/us-east-1",
		"cross-region-stack-111111111111:eu-central-1": "111111111111/eu-central-1",
		"Dev/Data": "222222222222/eu-west-1", "Dev/App": "222222222222/eu-west-1", "Dev/Web": "222222222222/eu-west-1",
		"Staging/Edge": "333333333333/us-east-1", "Staging/Data": "333333333333/eu-west-1",
		"Staging/App": "333333333333/eu-west-1", "Staging/Web": "333333333333/eu-west-1",
		"Prod/Edge": "444444444444/us-east-1", "Prod/Data": "444444444444/eu-central-1",
		"Prod/App": "444444444444/eu-central-1", "Prod/Web": "444444444444/eu-central-1",
		// stacks.CopyRegions: eu-central-1's copies go to eu-west-1.
		"Prod/BackupCopy": "444444444444/eu-west-1",
		// The backup account's vault, in Prod's region.
		"Prod/BackupAccount": "555555555555/eu-central-1",
	}
}

// With an account per stage, each stage's stacks (its us-east-1 Edge stack
// and Prod's BackupCopy stack too) target that stage's account and their
// region in the manifest, the pipeline and its support stacks the tools
// account; nothing is looked up, nothing fails cdk-nag or Validate.
func TestAccountPerStageTargetsEachStacksEnvironment(t *testing.T) {
	dir := accountsAssembly(t)
	list, err := assembly.Stacks(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := wantEnv()
	seen := map[string]bool{}
	for _, s := range list {
		path := s.Path()
		seen[path] = true
		if w, ok := want[path]; !ok {
			t.Errorf("%s: a stack the test does not expect (%s/%s)", path, s.Account, s.Region)
		} else if got := s.Account + "/" + s.Region; got != w {
			t.Errorf("%s targets %s, want %s", path, got, w)
		}
		for _, e := range s.Errors {
			t.Errorf("%s: unsuppressed error: %s", path, e)
		}
	}
	for path := range want {
		if !seen[path] {
			t.Errorf("%s: missing from the assembly", path)
		}
	}
	missing, err := refsynth.MissingContext(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("the synth with an account per stage asks for context lookups: %v", missing)
	}
	checkValidationReport(t, dir)
}

// pipelineTemplate reads the Pipeline stack's template of the accounts synth.
func pipelineTemplate(t *testing.T) template {
	t.Helper()
	dir := accountsAssembly(t)
	list, err := assembly.Stacks(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.Path() == "Pipeline" {
			return readTemplate(t, s.Template)
		}
	}
	t.Fatal("no Pipeline stack")
	return template{}
}

func readTemplate(t *testing.T, path string) template {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tpl template
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tpl
}

// The artifact bucket in the pipeline's region is encrypted with a
// customer-managed key of the Pipeline stack, whose key policy lets the
// target accounts' CDK deploy roles use it (CrossAccountKeys); the support
// stacks' stores in the other regions are KMS-encrypted too.
func TestCrossAccountArtifactsUseACustomerManagedKey(t *testing.T) {
	tpl := pipelineTemplate(t)
	_, pipe := tpl.one(t, "AWS::CodePipeline::Pipeline", "")
	stores, _ := pipe.Properties["ArtifactStores"].([]any)
	if len(stores) != 3 {
		t.Fatalf("ArtifactStores: %d stores, want the pipeline's region and the two support regions: %v", len(stores), stores)
	}
	var keyID string
	for _, s := range stores {
		store := asMap(asMap(s)["ArtifactStore"])
		region := asMap(s)["Region"]
		if enc := asMap(store["EncryptionKey"]); enc["Type"] != "KMS" || enc["Id"] == nil {
			t.Errorf("the artifact store in %v is not KMS-encrypted: %v", region, store)
		}
		if region != "eu-west-1" {
			continue
		}
		// The pipeline's own region: the bucket and key of this stack.
		ref, _ := asMap(store["Location"])["Ref"].(string)
		bucket, ok := tpl.Resources[ref]
		if !ok || bucket.Type != "AWS::S3::Bucket" {
			t.Fatalf("the artifact store's bucket %q is not a bucket of the stack", ref)
		}
		sse := asMap(listOf(property(bucket, "BucketEncryption", "ServerSideEncryptionConfiguration"))[0])["ServerSideEncryptionByDefault"]
		if asMap(sse)["SSEAlgorithm"] != "aws:kms" {
			t.Errorf("the artifact bucket's encryption: %v, want aws:kms", sse)
		}
		attr := listOf(asMap(asMap(sse)["KMSMasterKeyID"])["Fn::GetAtt"])
		if len(attr) != 2 {
			t.Fatalf("the artifact bucket's key is not a key of the stack: %v", sse)
		}
		keyID = attr[0].(string)
	}
	key, ok := tpl.Resources[keyID]
	if !ok || key.Type != "AWS::KMS::Key" {
		t.Fatalf("the artifact bucket's key %q is not an AWS::KMS::Key of the Pipeline stack (a customer-managed key)", keyID)
	}
	policy, err := json.Marshal(key.Properties["KeyPolicy"])
	if err != nil {
		t.Fatal(err)
	}
	for _, account := range []string{"333333333333", "444444444444"} {
		role := fmt.Sprintf(":iam::%s:role/cdk-hnb659fds-deploy-role-%s-", account, account)
		if !strings.Contains(string(policy), role) {
			t.Errorf("the artifact key's policy does not let account %s's deploy role use it", account)
		}
	}
}

// Every CloudFormation action of Staging and Prod assumes the CDK deploy role
// of the stage's account in the stack's region, and has CloudFormation work
// as that account's execution role: nothing deploys with the tools account's
// own credentials.
func TestDeployActionsAssumeTheTargetAccountsRoles(t *testing.T) {
	tpl := pipelineTemplate(t)
	_, pipe := tpl.one(t, "AWS::CodePipeline::Pipeline", "")
	want := wantEnv()
	found := map[string]bool{}
	for _, st := range listOf(pipe.Properties["Stages"]) {
		stage := asMap(st)["Name"].(string)
		if stage != "Staging" && stage != "Prod" {
			continue
		}
		for _, a := range listOf(asMap(st)["Actions"]) {
			action := asMap(a)
			if asMap(action["ActionTypeId"])["Provider"] != "CloudFormation" {
				continue
			}
			name := action["Name"].(string)
			stack, _, _ := strings.Cut(name, ".")
			account, region, _ := strings.Cut(want[stage+"/"+stack], "/")
			if account == "" {
				t.Errorf("%s/%s: an action for a stack the test does not expect", stage, name)
				continue
			}
			found[stage+"/"+stack] = true
			role := joined(t, action["RoleArn"])
			if w := fmt.Sprintf("arn:${Partition}:iam::%s:role/cdk-hnb659fds-deploy-role-%s-%s", account, account, region); role != w {
				t.Errorf("%s/%s assumes %s, want %s", stage, name, role, w)
			}
			if r, _ := action["Region"].(string); r != "" && r != region || r == "" && region != "eu-west-1" {
				t.Errorf("%s/%s runs in %q, want %s", stage, name, r, region)
			}
			if strings.HasSuffix(name, ".Prepare") {
				exec := joined(t, asMap(action["Configuration"])["RoleArn"])
				if w := fmt.Sprintf("arn:${Partition}:iam::%s:role/cdk-hnb659fds-cfn-exec-role-%s-%s", account, account, region); exec != w {
					t.Errorf("%s/%s has CloudFormation work as %s, want %s", stage, name, exec, w)
				}
			}
		}
	}
	for path := range want {
		if (strings.HasPrefix(path, "Staging/") || strings.HasPrefix(path, "Prod/")) && !found[path] {
			t.Errorf("%s: no deploy action", path)
		}
	}
}

// joined renders a {"Fn::Join": ["", [...]]} of strings and {"Ref":
// "AWS::Partition"} as one string, the partition as ${Partition}.
func joined(t *testing.T, v any) string {
	t.Helper()
	parts := listOf(listOf(asMap(v)["Fn::Join"])[1])
	var b strings.Builder
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			b.WriteString(p)
		default:
			if asMap(p)["Ref"] != "AWS::Partition" {
				t.Fatalf("an unexpected token in %v", v)
			}
			b.WriteString("${Partition}")
		}
	}
	return b.String()
}

// The cost estimate prices each stack in its own region: Prod in
// eu-central-1, its edge in us-east-1, its backup copies in eu-west-1.
func TestCostPricesEachStackInItsRegion(t *testing.T) {
	res, err := cost.Estimate(accountsAssembly(t), cost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := wantEnv()
	for _, s := range res.Stacks {
		_, region, _ := strings.Cut(want[s.Stack.Path()], "/")
		if s.Region != region {
			t.Errorf("%s priced in %s, want %s", s.Stack.Path(), s.Region, region)
		}
	}
	if len(res.Stacks) != len(want) {
		t.Errorf("priced %d stacks, want %d", len(res.Stacks), len(want))
	}
}

// accountArg is an environment in a `cdk bootstrap` command.
var accountArg = regexp.MustCompile(`aws://([0-9]{12})/([a-z0-9-]+)`)

// The README's bootstrap commands, for the accounts synth's settings,
// bootstrap every account and region a stack of it deploys to, each target
// account trusting the tools account and with the execution policy.
func TestReadmeBootstrapsEveryEnvironment(t *testing.T) {
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	bootstrapped := map[string]string{} // account/region → its command
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "npx cdk bootstrap ") {
			continue
		}
		for _, m := range accountArg.FindAllStringSubmatch(line, -1) {
			bootstrapped[m[1]+"/"+m[2]] = line
		}
	}
	for path, env := range wantEnv() {
		line, ok := bootstrapped[env]
		if !ok {
			t.Errorf("%s deploys to aws://%s, which no `npx cdk bootstrap` line of the README bootstraps", path, env)
			continue
		}
		account, _, _ := strings.Cut(env, "/")
		policy := "--cloudformation-execution-policies arn:aws:iam::" + account + ":policy/StratusCdkExecution"
		if !strings.Contains(line, policy) {
			t.Errorf("the README bootstraps %s without %s", env, policy)
		}
		if (strings.HasPrefix(path, "Staging/") || strings.HasPrefix(path, "Prod/")) && !strings.Contains(line, "--trust 111111111111") {
			t.Errorf("the README bootstraps %s (%s) without --trust 111111111111, the tools account", env, path)
		}
	}
}

// The stateful lock, whose entries are keyed by stage and stack and carry no
// account, holds for stages that only move accounts (Dev, Staging, and the
// tools account's support stacks): nothing in them is replaced. Prod also
// moves region, and there the lock does object, to every subnet and Aurora
// instance (their AvailabilityZone changes with the region), and to the
// uploads' replica in the copy region, which moves with it: a region move
// is a new stage there, acknowledged with `make lock REASON=…` once the
// data has moved. `make diff` names either move (package changes).
func TestStatefulLockWithAnAccountPerStage(t *testing.T) {
	list, err := statelock.ReadAssembly(accountsAssembly(t))
	if err != nil {
		t.Fatal(err)
	}
	zoneMoves, copyMoves, newInBackupAccount := 0, 0, 0
	for _, p := range readLock(t).Check(list) {
		switch line := p.String(); {
		case strings.HasPrefix(line, "Prod/Data ") && strings.Contains(line, "(AvailabilityZone changed)"):
			zoneMoves++
		case strings.HasPrefix(line, "Prod/BackupCopy ") && strings.Contains(line, "(BucketName changed)"):
			// The copy region moves with Prod (eu-central-1 pairs with
			// eu-west-1), and the uploads' replica is named by its region.
			copyMoves++
		case strings.HasPrefix(line, "Prod/BackupAccount ") && strings.Contains(line, "is not in the lock"):
			// The backup account's stack exists only with backupAccount,
			// which the lock's reference synth does not set: a team that
			// sets it runs `make lock REASON=…` with it once, and from
			// then on its vault and key are guarded like the others.
			newInBackupAccount++
		default:
			t.Error(p)
		}
	}
	// Six subnets, the writer and the reader.
	if zoneMoves != 8 {
		t.Errorf("the lock reports %d of Prod/Data's zoned resources as replaced by its move to eu-central-1, want 8", zoneMoves)
	}
	if newInBackupAccount != 2 {
		t.Errorf("the lock reports %d resources of Prod/BackupAccount as new, want its vault and its key", newInBackupAccount)
	}
	if copyMoves != 1 {
		t.Errorf("the lock reports %d replica buckets of Prod/BackupCopy as replaced by the copy region's move, want 1", copyMoves)
	}
}

// arnString is an ARN as a template spells it: a literal (a stack with a
// concrete region knows its partition), or an Fn::Join of literals and the
// partition, read as "aws".
func arnString(t *testing.T, v any) string {
	t.Helper()
	if s, ok := v.(string); ok {
		return s
	}
	return strings.ReplaceAll(joined(t, v), "${Partition}", "aws")
}

// accountsStackTemplate reads the template of one stack (Stage/Name) of the
// accounts synth.
func accountsStackTemplate(t *testing.T, path string) template {
	t.Helper()
	list, err := assembly.Stacks(accountsAssembly(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.Path() == path {
			return readTemplate(t, s.Template)
		}
	}
	t.Fatalf("no %s stack", path)
	return template{}
}

// With a backup account, Prod's plan copies every rule's recovery points
// into the backup account's vault in Prod's region as well as into the copy
// region's; that vault has Prod's lock and admits only copies from Prod's
// account; Prod's vault key and the cluster's key are shared with the
// backup account for the copy jobs (grants for AWS resources only). The
// lock, the access policy and the retention come from Prod's config.
func TestBackupAccountGetsACopyOfEveryRecoveryPoint(t *testing.T) {
	cfg := stacks.Prod()
	const backup, prod = "555555555555", "444444444444"
	vaultTpl := accountsStackTemplate(t, "Prod/BackupAccount")
	_, vault := vaultTpl.one(t, "AWS::Backup::BackupVault", "")
	eq(t, "backup account vault name", property(vault, "BackupVaultName"), "Prod-BackupAccount-vault")
	lock := asMap(property(vault, "LockConfiguration"))
	eq(t, "lock min", lock["MinRetentionDays"], float64(cfg.Backup.Lock.MinRetentionDays))
	eq(t, "lock max", lock["MaxRetentionDays"], float64(cfg.Backup.Lock.MaxRetentionDays))
	if _, ok := asMap(property(vault, "EncryptionKeyArn"))["Fn::GetAtt"]; !ok {
		t.Errorf("the backup account's vault is not encrypted with a key of its stack: %v", property(vault, "EncryptionKeyArn"))
	}
	statements := listOf(asMap(property(vault, "AccessPolicy"))["Statement"])
	if len(statements) != 1 {
		t.Fatalf("the vault's access policy: %v, want one statement", statements)
	}
	st := asMap(statements[0])
	eq(t, "access policy action", st["Action"], "backup:CopyIntoBackupVault")
	eq(t, "access policy effect", st["Effect"], "Allow")
	if p := arnString(t, asMap(st["Principal"])["AWS"]); p != "arn:aws:iam::"+prod+":root" {
		t.Errorf("the vault admits %s, want Prod's account", p)
	}

	data := accountsStackTemplate(t, "Prod/Data")
	_, plan := data.one(t, "AWS::Backup::BackupPlan", "")
	rules := listOf(asMap(property(plan, "BackupPlan"))["BackupPlanRule"])
	if len(rules) != 2 {
		t.Fatalf("%d rules, want daily and monthly", len(rules))
	}
	for _, r := range rules {
		rule := asMap(r)
		var dests []string
		for _, c := range listOf(rule["CopyActions"]) {
			dests = append(dests, arnString(t, asMap(c)["DestinationBackupVaultArn"]))
			eq(t, fmt.Sprint(rule["RuleName"], " copy retention"), asMap(asMap(c)["Lifecycle"])["DeleteAfterDays"], asMap(rule["Lifecycle"])["DeleteAfterDays"])
		}
		want := "arn:aws:backup:eu-central-1:" + backup + ":backup-vault:Prod-BackupAccount-vault"
		if len(dests) != 2 || !slices.Contains(dests, want) {
			t.Errorf("rule %v copies to %v, want the copy region's vault and %s", rule["RuleName"], dests, want)
		}
	}
	shared := 0
	for id, key := range data.ofType("AWS::KMS::Key") {
		for _, s := range listOf(asMap(property(key, "KeyPolicy"))["Statement"]) {
			st := asMap(s)
			if principal, _ := asMap(st["Principal"])["AWS"].(string); principal != "arn:aws:iam::"+backup+":root" {
				continue
			}
			shared++
			if st["Sid"] == "GrantsForTheBackupAccountsCopies" {
				eq(t, id+" grants condition", asMap(asMap(st["Condition"])["Bool"])["kms:GrantIsForAWSResource"], "true")
			}
			t.Logf("%s shares %v with the backup account", id, st["Action"])
		}
	}
	if shared != 4 {
		t.Errorf("%d key policy statements for the backup account in Prod/Data, want 2 on each of the vault's and the cluster's keys", shared)
	}
}
