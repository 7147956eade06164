package stacks

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func wantAll(t *testing.T, problems []string, parts ...string) {
	t.Helper()
	all := strings.Join(problems, "\n")
	for _, p := range parts {
		if !strings.Contains(all, p) {
			t.Errorf("problems lack %q:\n%s", p, all)
		}
	}
}

// The shipped configurations are valid in every region Zones lists.
func TestShippedConfigsAreValidInEveryListedRegion(t *testing.T) {
	for region := range Zones() {
		if p := stageProblems(region, Dev(), Staging(), Prod()); len(p) > 0 {
			t.Errorf("%s: %v", region, p)
		}
	}
	if len(Zones()) < 10 {
		t.Errorf("Zones lists %d regions", len(Zones()))
	}
}

// A region without zones is one line naming it and every stage it concerns.
func TestRegionWithoutZonesNamesTheRegionOnce(t *testing.T) {
	p := stageProblems("ap-south-2", Dev(), Staging(), Prod())
	// And Prod's backups name no copy region for it either.
	if len(p) != 2 || !strings.HasPrefix(p[1], "Prod: Backup.CopyRegions names no copy region for region ap-south-2") {
		t.Fatalf("want one merged line for the zones and one for Prod's copy region, got %q", p)
	}
	p = p[:1]
	wantAll(t, p, "Dev, Staging, Prod: Database.AvailabilityZones lists no zones for region ap-south-2",
		"eu-west-1", "stacks/config.go")
}

func TestConfigProblemsNameEveryBadValue(t *testing.T) {
	bad := Dev()
	bad.OutboxInterval = 90 * time.Second
	bad.Database.EnhancedMonitoring = 2 * time.Minute
	bad.Database.NatGateways = 4
	bad.Api.OriginSecretRotation = time.Hour
	bad.Database.AvailabilityZones = map[string][]string{"eu-west-1": {"eu-west-1a", "eu-west-1a", "us-east-1b"}}
	bad.Site.Domain = Domain{Name: "App.example.com", HostedZoneId: "zone"}
	bad.Tracing = TracingConfig{SampleRatio: 1.5, CollectorLayer: "latest"}
	wantAll(t, stageProblems("eu-west-1", bad),
		"Dev: Tracing.SampleRatio 1.5 must be from 0 to 1",
		`Dev: Tracing.CollectorLayer "latest" is not an ADOT collector layer version`,
		"Dev: OutboxInterval 1m30s must be whole minutes",
		"Dev: Database.EnhancedMonitoring 2m0s must be 1, 5, 10, 15, 30 or 60 seconds, or 0 for none",
		`Dev: Database.AvailabilityZones[eu-west-1] lists "eu-west-1a" twice`,
		`Dev: Database.AvailabilityZones[eu-west-1] has "us-east-1b", not a zone of eu-west-1`,
		"Dev: Database.NatGateways 4 is more than its 3 zones in eu-west-1",
		"Dev: Api.OriginSecretRotation 1h0m0s must be between 4h and 1000 days",
		`Dev: Site.Domain.Name "App.example.com" must be lower case`,
		`Dev: Site.Domain.HostedZoneId "zone" is not a Route 53 hosted zone id`,
	)
}

func TestZonesAndDomainProblems(t *testing.T) {
	c := Prod()
	c.Database.AvailabilityZones = map[string][]string{"eu-west-1": {"eu-west-1a"}}
	c.OutboxInterval = 0
	c.Site.Domain = Domain{Name: "app.example.com.", HostedZoneId: "Z123"}
	wantAll(t, stageProblems("eu-west-1", c),
		`Prod: Database.AvailabilityZones[eu-west-1] ["eu-west-1a"]: the database needs at least two zones`,
		"Prod: Database.NatGateways 2 is more than its 1 zones in eu-west-1",
		"Prod: OutboxInterval 0s must be whole minutes, at least one",
		`Prod: Site.Domain.Name "app.example.com." must not end with a dot`,
	)
	for name, want := range map[string]string{
		"":                                      "is empty",
		"app.example.com.":                      "must not end with a dot",
		"localhost":                             "needs at least two labels",
		"-app.example.com":                      `invalid label "-app"`,
		"app_1.example.com":                     `invalid label "app_1"`,
		"a." + strings.Repeat("b", 64) + ".com": "invalid label",
	} {
		if got := hostnameProblem(name); !strings.Contains(got, want) {
			t.Errorf("hostnameProblem(%q) = %q, want %q", name, got, want)
		}
	}
	if got := hostnameProblem("dev.app.example.com"); got != "" {
		t.Errorf("a valid name: %q", got)
	}
}

func TestOptionsProblemsNameTheContextKeys(t *testing.T) {
	wantAll(t, Options{AlarmEmail: "oncall", Domain: Domain{Name: "app.example.com"}}.problems(),
		`alarmEmail "oncall" is not an email address`,
		`domain "app.example.com" and hostedZoneId "" go together`)
	wantAll(t, Options{Domain: Domain{Name: "app", HostedZoneId: "Z1"}}.problems(),
		`domain "app" needs at least two labels`)
	wantAll(t, Options{Domain: Domain{HostedZoneId: "Z1"}}.problems(),
		`domain "" and hostedZoneId "Z1" go together`)
	wantAll(t, Options{Stage: "dev"}.problems(),
		`stage "dev" is not a stage of the app: want one of Dev, Staging, Prod (or none, for all of them)`)
	if p := (Options{AlarmEmail: "oncall@example.org", Domain: Domain{Name: "example.com", HostedZoneId: "Z0123456789ABCDEFGHIJ"}}).problems(); len(p) > 0 {
		t.Errorf("valid settings: %v", p)
	}
	for _, name := range StageNames() {
		if p := (Options{Stage: name}).problems(); len(p) > 0 {
			t.Errorf("stage %s: %v", name, p)
		}
	}
}

// One domain setting gives each stage its own name in the same zone.
func TestDomainForStage(t *testing.T) {
	app := Domain{Name: "app.example.com", HostedZoneId: "Z1"}
	for _, c := range []struct {
		cfg  Config
		want Domain
	}{
		{Prod(), Domain{Name: "app.example.com", HostedZoneId: "Z1"}},
		{Staging(), Domain{Name: "staging.app.example.com", HostedZoneId: "Z1"}},
		{Dev(), Domain{Name: "dev.app.example.com", HostedZoneId: "Z1"}},
	} {
		cfg, want := c.cfg, c.want
		if got := app.ForStage(cfg); got != want {
			t.Errorf("%s: %+v, want %+v", cfg.Name, got, want)
		}
		if p := stageProblems("eu-west-1", Options{Domain: app}.apply(cfg)); len(p) > 0 {
			t.Errorf("%s with the app's domain: %v", cfg.Name, p)
		}
	}
	if got := (Domain{}).ForStage(Prod()); got.IsSet() {
		t.Errorf("no domain gave %+v", got)
	}
	// A stage's own domain wins over the app's.
	own := Dev()
	own.Site.Domain = Domain{Name: "me.example.net", HostedZoneId: "Z2"}
	if got := (Options{Domain: app}).apply(own).Site.Domain; got != own.Site.Domain {
		t.Errorf("the app's domain replaced the stage's own: %+v", got)
	}
}

func TestEvery(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Minute: "every minute", 5 * time.Minute: "every 5 minutes", time.Hour: "every hour",
		2 * time.Hour: "every 2 hours", 90 * time.Minute: "every 90 minutes",
	} {
		if got := every(d); got != want {
			t.Errorf("every(%v) = %q, want %q", d, got, want)
		}
	}
}

// The pipeline's synth step gets exactly the settings that are set.
func TestSynthEnvCarriesTheGivenSettings(t *testing.T) {
	got := Options{Account: "111111111111", Region: "eu-west-1", AlarmEmail: "oncall@example.org", Domain: Domain{Name: "app.example.com", HostedZoneId: "Z1"},
		PipelineAccount: "111111111111", ProdAccount: "444444444444", StagingRegion: "eu-west-2"}.synthEnv()
	keys := map[string]string{}
	for k, v := range got {
		keys[k] = *v
	}
	want := map[string]string{EnvRegion: "eu-west-1", EnvAlarmEmail: "oncall@example.org", EnvDomain: "app.example.com", EnvHostedZoneId: "Z1",
		EnvPipelineAccount: "111111111111", EnvProdAccount: "444444444444", EnvStagingRegion: "eu-west-2"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("synthEnv = %v, want %v", keys, want)
	}
	if len((Options{}).synthEnv()) != 0 {
		t.Error("no settings gave an environment")
	}
}

// Each call of a stage's configuration is its own value: a caller editing
// one stage's zones (slices and map) edits no other stage, nor the next call.
func TestStagesShareNothing(t *testing.T) {
	d := Dev()
	d.Database.AvailabilityZones["eu-west-1"][0] = "eu-west-1c"
	d.Database.AvailabilityZones["xx-test-1"] = []string{"xx-test-1a"}
	for _, c := range []Config{Dev(), Staging(), Prod()} {
		z := c.Database.AvailabilityZones
		if z["eu-west-1"][0] != "eu-west-1a" || z["xx-test-1"] != nil {
			t.Errorf("%s sees another caller's edit: %v", c.Name, z)
		}
	}
}

// An enabled backup plan names each bad value: retention the lock or
// continuous backup would refuse, a copy into the stage's own region, an
// unknown lock mode or a compliance lock without its cooling-off.
func TestBackupProblems(t *testing.T) {
	c := Prod()
	c.Backup.DailyRetentionDays = 36
	c.Backup.CopyRegions["eu-west-1"] = "eu-west-1"
	c.Backup.Lock.ChangeableForDays = 2
	c.Backup.Lock.MaxRetentionDays = 300
	wantAll(t, stageProblems("eu-west-1", c),
		"Prod: Backup.DailyRetentionDays 36: with Backup.Continuous at most 35",
		`Prod: Backup.CopyRegions[eu-west-1] "eu-west-1" is the stage's own region`,
		"Prod: Backup.Lock.ChangeableForDays 2 must be at least 3",
		"Prod: Backup.MonthlyRetentionDays 365 is outside the lock's 7..300 days",
	)
	c = Prod()
	c.Backup.Lock.Mode = "strict"
	c.Backup.CopyRegions["eu-west-1"] = "Frankfurt"
	wantAll(t, stageProblems("eu-west-1", c),
		`Prod: Backup.Lock.Mode "strict" must be "", "governance" or "compliance"`,
		`Prod: Backup.CopyRegions[eu-west-1] "Frankfurt" is not a region name`)
	c = Prod()
	delete(c.Backup.CopyRegions, "eu-west-1")
	wantAll(t, stageProblems("eu-west-1", c), "Prod: Backup.CopyRegions names no copy region for region eu-west-1")
	c.Backup.CopyRegions["eu-west-1"] = ""
	wantAll(t, stageProblems("eu-west-1", c), `Prod: Backup.ReplicateUploads needs a copy region: Backup.CopyRegions[eu-west-1] is ""`)
	c.Backup.Enabled = false
	wantAll(t, stageProblems("eu-west-1", c), "Prod: Backup.ReplicateUploads needs Backup.Enabled and a copy region")
	c = Prod()
	c.Backup.Lock.Mode = "governance"
	wantAll(t, stageProblems("eu-west-1", c), "Prod: Backup.Lock.ChangeableForDays 3 applies to a compliance lock only")
	// Off, nothing is checked: Staging keeps the zero value.
	if p := stageProblems("eu-west-1", Staging()); len(p) > 0 {
		t.Errorf("Staging: %v", p)
	}
}

// Each stage takes its own account and region, else the app's; the
// pipeline takes the tools account, else the app's; without any account a
// stage stays account-agnostic.
func TestStageEnvironments(t *testing.T) {
	o := Options{Account: "999999999999", PipelineAccount: "111111111111", ProdAccount: "444444444444",
		Region: "eu-west-2", ProdRegion: "eu-central-1"}
	for _, c := range []struct{ stage, account, region string }{
		{"Dev", "999999999999", "eu-west-2"}, {"Staging", "999999999999", "eu-west-2"}, {"Prod", "444444444444", "eu-central-1"},
	} {
		if got := o.forStage(c.stage); got.Account != c.account || got.Region != c.region {
			t.Errorf("%s: %s/%s, want %s/%s", c.stage, got.Account, got.Region, c.account, c.region)
		}
	}
	if env := o.pipelineEnv(); *env.Account != "111111111111" || *env.Region != "eu-west-2" {
		t.Errorf("pipeline: %s/%s", *env.Account, *env.Region)
	}
	if got := (Options{Account: "999999999999"}).pipelineAccount(); got != "999999999999" {
		t.Errorf("pipeline account without PipelineAccount: %q", got)
	}
	none := Options{ProdAccount: "444444444444"}.forStage("Dev")
	if none.Account != "" || none.Region != DefaultRegion || none.env().Account != nil {
		t.Errorf("Dev without an account: %+v", none)
	}
}

// Every malformed account and unknown region is named by its context key,
// all at once.
func TestEnvironmentProblemsNameTheContextKeys(t *testing.T) {
	wantAll(t, Options{Account: "12", PipelineAccount: "1111111111111", DevAccount: "abcdefghijkl",
		Region: "eu-west1", DevRegion: "us-east-7", StagingRegion: "EU-WEST-1", ProdRegion: "mars-north-1"}.problems(),
		`account "12" is not an AWS account id (12 digits)`,
		`pipelineAccount "1111111111111" is not an AWS account id`,
		`devAccount "abcdefghijkl" is not an AWS account id`,
		`region "eu-west1" is not a region the app knows`,
		`devRegion "us-east-7" is not a region the app knows`,
		`stagingRegion "EU-WEST-1" is not a region the app knows`,
		`prodRegion "mars-north-1" is not a region the app knows`)
	ok := Options{PipelineAccount: "111111111111", DevAccount: "222222222222", StagingAccount: "333333333333",
		ProdAccount: "444444444444", ProdRegion: "eu-central-1"}
	if p := ok.problems(); len(p) > 0 {
		t.Errorf("valid accounts and regions: %v", p)
	}
	// Every known region has zones and a copy region: a stage there is valid.
	for _, r := range KnownRegions() {
		if p := stageProblemsIn(Options{ProdRegion: r}.stageRegion, Dev(), Staging(), Prod()); len(p) > 0 {
			t.Errorf("%s: %v", r, p)
		}
	}
}

// A rollout names each bad value: whole percentages of 1 to 99, whole
// minutes, the shift within CodeDeploy's 48 hours, nothing set beside
// AllAtOnce, and a known kind.
func TestRolloutProblems(t *testing.T) {
	for _, c := range []struct {
		r    Rollout
		want string
	}{
		{Rollout{Kind: Canary, Percent: 0, Interval: 5 * time.Minute}, "Rollout.Percent 0 must be 1 to 99"},
		{Rollout{Kind: Linear, Percent: 100, Interval: time.Minute}, "Rollout.Percent 100 must be 1 to 99"},
		{Rollout{Kind: Canary, Percent: 10, Interval: 90 * time.Second}, "Rollout.Interval 1m30s must be whole minutes"},
		{Rollout{Kind: Linear, Percent: 10}, "Rollout.Interval 0s must be whole minutes, at least one"},
		{Rollout{Kind: Canary, Percent: 10, Interval: 49 * time.Hour}, "Rollout Canary 10% every 49h0m0s shifts over 49h0m0s, beyond CodeDeploy's 48h"},
		// 34 steps of 3%: 33 intervals of 2 hours.
		{Rollout{Kind: Linear, Percent: 3, Interval: 2 * time.Hour}, "Rollout Linear 3% every 2h0m0s shifts over 66h0m0s"},
		{Rollout{Kind: AllAtOnce, Percent: 10}, "Rollout.Percent 10 and Rollout.Interval 0s apply to Canary and Linear only"},
		{Rollout{Kind: RolloutKind(7)}, "Rollout.Kind RolloutKind(7) must be AllAtOnce, Canary or Linear"},
	} {
		c2 := Prod()
		c2.Rollout = c.r
		wantAll(t, stageProblems("eu-west-1", c2), "Prod: "+c.want)
	}
	// Every problem at once, one line each.
	bad := Staging()
	bad.Rollout = Rollout{Kind: Linear, Percent: -1, Interval: time.Second}
	if p := bad.Rollout.problems(); len(p) != 2 {
		t.Errorf("want the percent and the interval, got %q", p)
	}
	// The longest shifts that fit.
	for _, r := range []Rollout{
		{Kind: Canary, Percent: 99, Interval: 48 * time.Hour},
		{Kind: Linear, Percent: 1, Interval: 29 * time.Minute}, // 99 intervals: 47h51m
		{Kind: Linear, Percent: 50, Interval: 48 * time.Hour},
	} {
		if p := r.problems(); len(p) > 0 {
			t.Errorf("%+v: %v", r, p)
		}
	}
	if got := (Rollout{Kind: Linear, Percent: 30, Interval: time.Minute}).shiftTime(); got != 3*time.Minute {
		t.Errorf("30%% a minute: 4 steps, 3 minutes between the first and last, got %v", got)
	}
}

// A backup account is checked against each stage that backs up: it must be
// an account id, another account than the stage's, and the stage must have
// an account to admit copies from; stages without backups are not asked.
func TestBackupAccountProblems(t *testing.T) {
	wantAll(t, Options{BackupAccount: "5555"}.problems(), `backupAccount "5555" is not an AWS account id (12 digits)`)
	wantAll(t, Options{BackupAccount: "555555555555"}.backupAccountProblems(Dev(), Staging(), Prod()),
		"backupAccount 555555555555: Prod backs up but has no account (set account or prodAccount)")
	wantAll(t, Options{ProdAccount: "555555555555", BackupAccount: "555555555555"}.backupAccountProblems(Prod()),
		"backupAccount 555555555555 is Prod's own account")
	if p := (Options{Account: "111111111111", BackupAccount: "555555555555"}).backupAccountProblems(Dev(), Staging(), Prod()); len(p) > 0 {
		t.Errorf("a backup account beside one account for every stage: %v", p)
	}
	// Dev and Staging do not back up: an account-agnostic Dev is fine.
	if p := (Options{ProdAccount: "444444444444", BackupAccount: "555555555555"}).backupAccountProblems(Dev(), Staging(), Prod()); len(p) > 0 {
		t.Errorf("Dev and Staging without backups: %v", p)
	}
	// Build reports them with the rest, before building anything.
	if _, err := Build(nil, Options{BackupAccount: "555555555555"}); err == nil || !strings.Contains(err.Error(), "Prod backs up but has no account") {
		t.Errorf("Build with a backup account and no Prod account: %v", err)
	}
}
