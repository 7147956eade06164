package test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stratus-cdk/stratus/internal/analysis/mdblock"
	"github.com/stratus-cdk/stratus/stacks"
)

// The README's table of stage differences is read off the synthesized
// templates (not the Config values), so it says what deploys:
// `make snapshot` rewrites it with the golden templates, and this test
// fails when it is stale.
func TestReadmeStageTableIsCurrent(t *testing.T) {
	want := stageTable(t)
	if *update {
		if err := mdblock.ReplaceInFile("README.md", "stages", want); err != nil {
			t.Fatal(err)
		}
		return
	}
	checkBlock(t, "stages", want, "make snapshot")
}

// stageRows are the table's rows: a label and what one stage's templates say.
var stageRows = []struct {
	label string
	cell  func(t *testing.T, st stageTemplates) string
}{
	{"Aurora capacity (ACU)", func(t *testing.T, st stageTemplates) string {
		c := st.cluster(t)
		lo, hi := property(c, "ServerlessV2ScalingConfiguration", "MinCapacity"), property(c, "ServerlessV2ScalingConfiguration", "MaxCapacity")
		out := fmt.Sprintf("%v – %v", lo, hi)
		if lo == 0.0 {
			out = fmt.Sprintf("0 (auto-pause) – %v", hi)
		}
		switch readers := len(st.data.ofType("AWS::RDS::DBInstance")) - 1; readers {
		case 0:
		case 1:
			out += ", one reader"
		default:
			out += fmt.Sprintf(", %d readers", readers)
		}
		return out
	}},
	{"RDS Proxy", func(t *testing.T, st stageTemplates) string {
		return yesNo(len(st.data.ofType("AWS::RDS::DBProxy")) > 0)
	}},
	{"Enhanced Monitoring (Aurora instances)", func(t *testing.T, st stageTemplates) string {
		intervals := map[string]bool{}
		for _, inst := range st.data.ofType("AWS::RDS::DBInstance") {
			intervals[toString(inst.Properties["MonitoringInterval"])] = true
		}
		if len(intervals) != 1 {
			t.Errorf("%s: instances monitored at different intervals %v: describe it here", st.cfg.Name, intervals)
		}
		for i := range intervals {
			if i != "null" {
				return "every " + i + " s"
			}
		}
		return "no"
	}},
	{"NAT gateways", func(t *testing.T, st stageTemplates) string {
		return fmt.Sprint(len(st.data.ofType("AWS::EC2::NatGateway")))
	}},
	{"Availability Zones (eu-west-1)", func(t *testing.T, st stageTemplates) string {
		zones := map[string]bool{}
		for _, s := range st.data.ofType("AWS::EC2::Subnet") {
			zones[toString(s.Properties["AvailabilityZone"])] = true
		}
		var out []string
		for z := range zones {
			out = append(out, z)
		}
		sort.Strings(out)
		return strings.Join(out, ", ")
	}},
	{"WAF (API and site)", func(t *testing.T, st stageTemplates) string {
		api, site := len(st.app.ofType("AWS::WAFv2::WebACLAssociation")) > 0, st.distribution(t)["WebACLId"] != nil
		switch {
		case api && site:
			return "yes"
		case api:
			return "API only"
		case site:
			return "site only"
		}
		return "no"
	}},
	{"MFA", func(t *testing.T, st stageTemplates) string {
		return map[string]string{"OFF": "off", "OPTIONAL": "optional", "ON": "required"}[toString(st.userPool(t).Properties["MfaConfiguration"])]
	}},
	{"Cognito threat protection (plan)", func(t *testing.T, st stageTemplates) string {
		pool := st.userPool(t)
		mode := toString(property(pool, "UserPoolAddOns", "AdvancedSecurityMode"))
		tier := toString(pool.Properties["UserPoolTier"])
		tier = tier[:1] + strings.ToLower(tier[1:]) // ESSENTIALS: Essentials
		if mode == "null" || mode == "OFF" {
			return fmt.Sprintf("off (%s)", tier)
		}
		return fmt.Sprintf("%s (%s)", strings.ToLower(mode), tier)
	}},
	{"API throttling (requests/s, burst)", func(t *testing.T, st stageTemplates) string {
		_, stage := st.app.one(t, "AWS::ApiGateway::Stage", "Api")
		m := property(stage, "MethodSettings").([]any)[0].(map[string]any)
		return fmt.Sprintf("%v, %v", m["ThrottlingRateLimit"], m["ThrottlingBurstLimit"])
	}},
	{"API detailed metrics (per route)", func(t *testing.T, st stageTemplates) string {
		_, stage := st.app.one(t, "AWS::ApiGateway::Stage", "Api")
		return yesNo(property(stage, "MethodSettings").([]any)[0].(map[string]any)["MetricsEnabled"] == true)
	}},
	{"alarms", func(t *testing.T, st stageTemplates) string {
		if len(st.data.ofType("AWS::SNS::Subscription")) > 0 {
			return "topic, emailed to the `AlarmEmail` parameter"
		}
		return "topic only"
	}},
	{"API and worker releases (CodeDeploy, alarm rollback)", func(t *testing.T, st stageTemplates) string {
		s := rolloutShape(t, st)
		every := strings.TrimSuffix(s.interval.String(), "0s")
		switch s.kind {
		case stacks.Canary:
			return fmt.Sprintf("canary: %d%% for %s, then the rest", s.percent, every)
		case stacks.Linear:
			return fmt.Sprintf("linear: %d%% more every %s", s.percent, every)
		}
		return "all at once (no alias)"
	}},
	{"outbox schedule", func(t *testing.T, st stageTemplates) string {
		_, rule := st.app.one(t, "AWS::Events::Rule", "OutboxSchedule")
		return strings.TrimPrefix(toString(rule.Properties["Description"]), "Runs the outbox publisher ")
	}},
	{"data on stack deletion", func(t *testing.T, st stageTemplates) string {
		if c := st.cluster(t); c.DeletionPolicy == "Snapshot" && c.Properties["DeletionProtection"] == true &&
			*st.stage.Data.Stack.TerminationProtection() && st.userPool(t).DeletionPolicy == "Retain" {
			return "retained / snapshot, deletion and termination protection"
		}
		if st.cluster(t).DeletionPolicy == "Delete" && st.userPool(t).DeletionPolicy == "Delete" {
			return "destroyed"
		}
		t.Errorf("%s: neither destroyed nor protected: describe it here", st.cfg.Name)
		return "?"
	}},
	{"log retention", func(t *testing.T, st stageTemplates) string {
		_, lg := st.app.one(t, "AWS::Logs::LogGroup", "ApiHandler")
		days := lg.Properties["RetentionInDays"]
		if name, ok := map[float64]string{7: "1 week", 30: "1 month", 365: "1 year"}[days.(float64)]; ok {
			return name
		}
		return fmt.Sprintf("%v days", days)
	}},
	{"custom domain (`-c domain=<domain>`)", func(t *testing.T, st stageTemplates) string {
		return "`" + stacks.Domain{Name: "<domain>", HostedZoneId: "Z"}.ForStage(st.cfg).Name + "`"
	}},
}

func yesNo(b bool) string { return map[bool]string{true: "yes", false: "no"}[b] }

// stageTable renders the table for Dev, Staging and Prod.
func stageTable(t *testing.T) string {
	stages := []*stacks.Stage{built.Dev, built.Staging, built.Prod}
	var b strings.Builder
	b.WriteString("| |")
	for _, s := range stages {
		fmt.Fprintf(&b, " %s |", s.Config.Name)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(stages)) + "\n")
	loaded := make([]stageTemplates, len(stages))
	for i, s := range stages {
		loaded[i] = loadStage(t, s)
	}
	for _, row := range stageRows {
		fmt.Fprintf(&b, "| %s |", row.label)
		for _, st := range loaded {
			fmt.Fprintf(&b, " %s |", row.cell(t, st))
		}
		b.WriteString("\n")
	}
	return b.String()
}
