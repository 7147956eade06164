package test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cdk/stratus/stacks"
)

// shape is a stage's rollout as its templates deploy it.
type shape struct {
	kind     stacks.RolloutKind
	percent  int
	interval time.Duration
}

var predefinedConfig = regexp.MustCompile(`^CodeDeployDefault\.Lambda(Canary|Linear)(\d+)Percent(?:Every)?(\d+)Minutes?$`)

// rolloutShape reads the App stack's deployment groups back into a
// Rollout: none is AllAtOnce; CodeDeploy's predefined configuration by
// its name; a custom one from its traffic routing. Both groups (the API's
// and the worker's) must agree.
func rolloutShape(t *testing.T, st stageTemplates) shape {
	t.Helper()
	groups := st.app.ofType("AWS::CodeDeploy::DeploymentGroup")
	if len(groups) == 0 {
		return shape{kind: stacks.AllAtOnce}
	}
	var out []shape
	for id, g := range groups {
		var s shape
		switch name := g.Properties["DeploymentConfigName"].(type) {
		case string:
			m := predefinedConfig.FindStringSubmatch(name)
			if m == nil {
				t.Fatalf("%s: deployment config %q is no canary or linear one", id, name)
			}
			s.kind = map[string]stacks.RolloutKind{"Canary": stacks.Canary, "Linear": stacks.Linear}[m[1]]
			s.percent, _ = strconv.Atoi(m[2])
			minutes, _ := strconv.Atoi(m[3])
			s.interval = time.Duration(minutes) * time.Minute
		case map[string]any:
			c, ok := st.app.Resources[toString(name["Ref"])]
			if !ok || c.Type != "AWS::CodeDeploy::DeploymentConfig" {
				t.Fatalf("%s: DeploymentConfigName %v is no deployment config of the stack", id, name)
			}
			routing := property(c, "TrafficRoutingConfig").(map[string]any)
			switch routing["Type"] {
			case "TimeBasedCanary":
				r := routing["TimeBasedCanary"].(map[string]any)
				s = shape{stacks.Canary, int(r["CanaryPercentage"].(float64)), time.Duration(r["CanaryInterval"].(float64)) * time.Minute}
			case "TimeBasedLinear":
				r := routing["TimeBasedLinear"].(map[string]any)
				s = shape{stacks.Linear, int(r["LinearPercentage"].(float64)), time.Duration(r["LinearInterval"].(float64)) * time.Minute}
			default:
				t.Fatalf("%s: traffic routing %v", id, routing)
			}
		}
		out = append(out, s)
	}
	if len(out) != 2 || out[0] != out[1] {
		t.Fatalf("want the API's and the worker's groups with one shape, got %+v", out)
	}
	return out[0]
}

// refersTo reports whether v holds a Ref or Fn::GetAtt of id anywhere.
func refersTo(v any, id string) bool {
	switch t := v.(type) {
	case map[string]any:
		if t["Ref"] == id {
			return true
		}
		if att, ok := t["Fn::GetAtt"].([]any); ok && len(att) == 2 && att[0] == id {
			return true
		}
		for _, e := range t {
			if refersTo(e, id) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if refersTo(e, id) {
				return true
			}
		}
	}
	return false
}

// Prod's canary and Staging's linear shift, as the issue asks for them;
// Dev deploys in place: no version, alias or CodeDeploy.
func TestRolloutPerStage(t *testing.T) {
	for stage, want := range map[*stacks.Stage]shape{
		built.Prod:    {stacks.Canary, 10, 5 * time.Minute},
		built.Staging: {stacks.Linear, 10, time.Minute},
		built.Dev:     {kind: stacks.AllAtOnce},
	} {
		st := loadStage(t, stage)
		eq(t, st.cfg.Name+" rollout", rolloutShape(t, st), want)
		if want.kind == stacks.AllAtOnce {
			for _, typ := range []string{"AWS::Lambda::Alias", "AWS::Lambda::Version", "AWS::CodeDeploy::Application"} {
				count(t, st.cfg.Name+" "+typ, st.app, typ, 0)
			}
		}
	}
	// Prod's is CodeDeploy's own canary configuration.
	_, g := loadStage(t, built.Prod).app.one(t, "AWS::CodeDeploy::DeploymentGroup", "ApiHandlerRollout")
	eq(t, "Prod's deployment config", g.Properties["DeploymentConfigName"], "CodeDeployDefault.LambdaCanary10Percent5Minutes")
}

// Where the stage rolls out gradually, every API method and the worker's
// event source mapping invoke the live alias (never the function, which
// would bypass the shift); each alias is CodeDeploy's to move, by a group
// that rolls back on a failed or stopped deployment and on its alarms: the
// function's errors and p99 duration of the version the alias shifts to,
// and for the API the API's 5XX rate.
func TestGradualRolloutWiring(t *testing.T) {
	for _, stage := range []*stacks.Stage{built.Staging, built.Prod} {
		app := loadStage(t, stage).app
		name := *stage.StageName()
		apiAlias, apiAliasRes := app.one(t, "AWS::Lambda::Alias", "ApiHandlerRollout")
		workerAlias, workerAliasRes := app.one(t, "AWS::Lambda::Alias", "WorkerRollout")
		apiFn, _ := app.one(t, "AWS::Lambda::Function", "ApiHandler")
		workerFn, _ := app.one(t, "AWS::Lambda::Function", "Worker")
		for id, alias := range map[string]resource{apiAlias: apiAliasRes, workerAlias: workerAliasRes} {
			eq(t, name+" "+id+" name", alias.Properties["Name"], stacks.LiveAlias)
			if alias.UpdatePolicy["CodeDeployLambdaAliasUpdate"] == nil {
				t.Errorf("%s %s: no CodeDeployLambdaAliasUpdate policy: %v", name, id, alias.UpdatePolicy)
			}
		}
		methods := 0
		for id, m := range app.ofType("AWS::ApiGateway::Method") {
			uri := property(m, "Integration", "Uri")
			if uri == nil {
				continue
			}
			methods++
			if !refersTo(uri, apiAlias) || refersTo(uri, apiFn) {
				t.Errorf("%s %s integrates with %s, want the alias %s", name, id, toString(uri), apiAlias)
			}
		}
		if methods == 0 {
			t.Errorf("%s: no integrated method", name)
		}
		for id, p := range app.ofType("AWS::Lambda::Permission") {
			if refersTo(p.Properties["FunctionName"], apiFn) {
				t.Errorf("%s %s lets a caller invoke the function past its alias", name, id)
			}
		}
		_, esm := app.one(t, "AWS::Lambda::EventSourceMapping", "EventsWorker")
		if fn := esm.Properties["FunctionName"]; !refersTo(fn, workerAlias) || refersTo(fn, workerFn) {
			t.Errorf("%s worker mapping invokes %s, want the alias %s", name, toString(fn), workerAlias)
		}

		apiServerErrors, _ := app.one(t, "AWS::CloudWatch::Alarm", "ApiServerErrorsAlarm")
		for prefix, alias := range map[string]resource{"ApiHandlerRollout": apiAliasRes, "WorkerRollout": workerAliasRes} {
			_, g := app.one(t, "AWS::CodeDeploy::DeploymentGroup", prefix+"Deployment")
			eq(t, name+" "+prefix+" rollback events", property(g, "AutoRollbackConfiguration"),
				map[string]any{"Enabled": true, "Events": []any{"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST", "DEPLOYMENT_STOP_ON_ALARM"}})
			var alarms []string
			for _, a := range property(g, "AlarmConfiguration", "Alarms").([]any) {
				alarms = append(alarms, toString(a.(map[string]any)["Name"].(map[string]any)["Ref"]))
			}
			errorsAlarm, errorsRes := app.one(t, "AWS::CloudWatch::Alarm", prefix+"ErrorsAlarm")
			latencyAlarm, latencyRes := app.one(t, "AWS::CloudWatch::Alarm", prefix+"LatencyAlarm")
			want := []string{errorsAlarm, latencyAlarm}
			if prefix == "ApiHandlerRollout" {
				want = append(want, apiServerErrors)
			}
			eq(t, name+" "+prefix+" rollback alarms", strings.Join(alarms, ","), strings.Join(want, ","))
			// The alarms watch, through the alias, the version it shifts to.
			for _, a := range []resource{errorsRes, latencyRes} {
				dims := map[string]string{}
				for _, d := range property(a, "Dimensions").([]any) {
					dims[d.(map[string]any)["Name"].(string)] = toString(d.(map[string]any)["Value"])
				}
				eq(t, name+" "+prefix+" alarm's version", dims["ExecutedVersion"], toString(alias.Properties["FunctionVersion"]))
				if !strings.HasSuffix(dims["Resource"], `":live"]]}`) {
					t.Errorf("%s %s alarm's Resource %s is not the live alias", name, prefix, dims["Resource"])
				}
			}
		}
	}
}
