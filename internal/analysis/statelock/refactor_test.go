package statelock

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/cdktest"
)

func TestMain(m *testing.M) {
	cdktest.FastSynth()
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// storageConfig is the knob a Config refactor moves around.
type storageConfig struct {
	retain    bool
	retention float64 // days a message is kept
}

// synthStorage builds a Prod stage with a Data stack holding a bucket and
// a queue, either directly in the stack (the original) or, after a
// refactor, inside a Storage construct that pins the original logical ids
// and takes its settings from a differently shaped config.
// pin maps a resource type to the logical id the refactor keeps for it.
func synthStorage(t *testing.T, refactored bool, pin map[string]string) []Stack {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stage := awscdk.NewStage(app, jsii.String("Prod"), nil)
	stack := awscdk.NewStack(stage, jsii.String("Data"), nil)
	policy := func(retain bool) awscdk.RemovalPolicy {
		if retain {
			return awscdk.RemovalPolicy_RETAIN
		}
		return awscdk.RemovalPolicy_DESTROY
	}
	if !refactored {
		awss3.NewBucket(stack, jsii.String("Uploads"), &awss3.BucketProps{RemovalPolicy: awscdk.RemovalPolicy_RETAIN})
		awssqs.NewQueue(stack, jsii.String("Jobs"), &awssqs.QueueProps{
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN, RetentionPeriod: awscdk.Duration_Days(jsii.Number(4)),
		})
	} else {
		// The refactor: a construct of its own, settings from a Config value.
		cfg := storageConfig{retain: true, retention: 4}
		storage := constructs.NewConstruct(stack, jsii.String("Storage"))
		bucket := awss3.NewBucket(storage, jsii.String("UploadsBucket"), &awss3.BucketProps{RemovalPolicy: policy(cfg.retain)})
		queue := awssqs.NewQueue(storage, jsii.String("JobQueue"), &awssqs.QueueProps{
			RemovalPolicy: policy(cfg.retain), RetentionPeriod: awscdk.Duration_Days(jsii.Number(cfg.retention)),
		})
		// Keep the logical ids the original construct paths produced.
		if id, ok := pin["AWS::S3::Bucket"]; ok {
			bucket.Node().DefaultChild().(awscdk.CfnResource).OverrideLogicalId(jsii.String(id))
		}
		if id, ok := pin["AWS::SQS::Queue"]; ok {
			queue.Node().DefaultChild().(awscdk.CfnResource).OverrideLogicalId(jsii.String(id))
		}
	}
	stacks, err := ReadAssembly(*app.Synth(nil).Directory())
	if err != nil {
		t.Fatal(err)
	}
	return stacks
}

// Renaming constructs, moving them into a new one and reshaping the config
// passes untouched when every logical id and value stays.
func TestRefactorKeepingLogicalIDsPasses(t *testing.T) {
	before := synthStorage(t, false, nil)
	pin := map[string]string{}
	for id, r := range before[0].Template.Resources {
		pin[r.Type] = id
	}
	l := locked(t, before...)
	if len(l.Stacks["Prod/Data"]) != 2 {
		t.Fatalf("want the bucket and the queue locked, got %v", l.Stacks)
	}
	if got := lines(l.Check(synthStorage(t, true, pin))); len(got) > 0 {
		t.Errorf("refactor keeping logical ids: %v", got)
	}
	got := lines(l.Check(synthStorage(t, true, nil)))
	want := []string{
		"Prod/Data " + pin["AWS::SQS::Queue"] + " (AWS::SQS::Queue) REMOVED or renamed (new logical id StorageJobQueue",
		"Prod/Data StorageJobQueue",
		"Prod/Data StorageUploadsBucket",
		"Prod/Data " + pin["AWS::S3::Bucket"] + " (AWS::S3::Bucket) REMOVED or renamed (new logical id StorageUploadsBucket",
	}
	if len(got) != len(want) {
		t.Fatalf("refactor changing logical ids: got\n  %s", strings.Join(got, "\n  "))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d: %q, want it to start with %q", i, got[i], want[i])
		}
	}
	if strings.Contains(got[0], "orphans it (DeletionPolicy Retain) and a new one under another id starts empty") != true {
		t.Errorf("consequence missing: %q", got[0])
	}
}
