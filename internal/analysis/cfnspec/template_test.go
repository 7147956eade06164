package cfnspec

import (
	"reflect"
	"strings"
	"testing"
)

func parse(t *testing.T, resources string) *Template {
	t.Helper()
	tpl, err := ParseTemplate([]byte(`{"Resources": ` + resources + `}`))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func TestEqualCoercesLikeCloudFormation(t *testing.T) {
	tpl := parse(t, `{"A": {"Type": "X", "Properties": {"n": 10, "s": "10", "b": true, "t": "true", "f": 10.0, "l": [1, "a"], "m": {"k": "v"}}}}`)
	p := tpl.Resources["A"].Properties
	for _, c := range []struct {
		a, b string
		want bool
	}{{"n", "s", true}, {"n", "f", true}, {"b", "t", true}, {"s", "t", false}, {"l", "l", true}, {"l", "m", false}, {"m", "m", true}, {"n", "l", false}} {
		if got := Equal(p[c.a], p[c.b]); got != c.want {
			t.Errorf("Equal(%s, %s) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
	if Equal(nil, "") || !Equal(nil, nil) {
		t.Error("nil is only equal to nil")
	}
}

func TestCreateOnlyValuesReachNestedPathsAndKeepIntrinsicsWhole(t *testing.T) {
	tpl := parse(t, `{
	  "E": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcId": {"Ref": "Vpc"}, "ServiceName": "s3",
	        "DnsOptions": {"PrivateDnsPreference": "ALL_DOMAINS", "DnsRecordIpType": "ipv4"}, "PolicyDocument": {}}},
	  "F": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"DnsOptions": {"Fn::If": ["C", {"PrivateDnsPreference": "x"}, {"Ref": "AWS::NoValue"}]}}}
	}`)
	got := map[string]string{}
	for k, v := range CreateOnlyValues(tpl.Resources["E"]) {
		got[k] = Canonical(v)
	}
	want := map[string]string{"VpcId": `{"Ref":"Vpc"}`, "ServiceName": `"s3"`, "DnsOptions.PrivateDnsPreference": `"ALL_DOMAINS"`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	f := CreateOnlyValues(tpl.Resources["F"])
	if !strings.HasPrefix(Canonical(f["DnsOptions.PrivateDnsPreference"]), `{"Fn::If"`) {
		t.Errorf("an intrinsic in the way is recorded whole, got %v", f)
	}
}

func TestReplacementsPropagateThroughReferences(t *testing.T) {
	old := parse(t, `{
	  "Cluster": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-postgresql", "DatabaseName": "app"}},
	  "Proxy": {"Type": "AWS::RDS::DBProxyTargetGroup", "Properties": {"DBProxyName": "p", "DBClusterIdentifiers": [{"Ref": "Cluster"}]}},
	  "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b1"}},
	  "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "${Bucket}-events"}}},
	  "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Ref": "Bucket"}}},
	  "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
	  "Gone": {"Type": "AWS::SQS::Queue", "Properties": {}}
	}`)
	new := parse(t, `{
	  "Cluster": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-mysql", "DatabaseName": "app"}},
	  "Proxy": {"Type": "AWS::RDS::DBProxyTargetGroup", "Properties": {"DBProxyName": "p", "DBClusterIdentifiers": [{"Ref": "Cluster"}]}},
	  "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b2"}},
	  "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "${Bucket}-events"}}},
	  "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Ref": "Bucket"}}},
	  "Key": {"Type": "AWS::KMS::ReplicaKey", "Properties": {}},
	  "New": {"Type": "AWS::SQS::Queue", "Properties": {}}
	}`)
	got := Replacements(old, new)
	want := map[string]Replaced{
		"Cluster": {Maybe, []string{"Engine changed"}},
		"Bucket":  {Yes, []string{"BucketName changed"}},
		// Fn::Sub references count; the queue's name is create-only.
		"Queue": {Yes, []string{"QueueName refers to Bucket, which is replaced"}},
		"Key":   {Yes, []string{"type changed from AWS::KMS::Key"}},
	}
	// DBClusterIdentifiers updates in place: no propagation there; the
	// topic's DisplayName neither.
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

func TestReferences(t *testing.T) {
	tpl := parse(t, `{"A": {"Type": "X", "Properties": {"p": [{"Ref": "B"}, {"Fn::GetAtt": ["C", "Arn"]}, {"Fn::GetAtt": "D.Arn"},
	  {"Fn::Sub": ["${E}/${F.Arn}/${AWS::Region}", {}]}, {"Ref": "AWS::AccountId"}]}}}`)
	got := References(tpl.Resources["A"].Properties["p"])
	if want := []string{"B", "C", "D", "E", "F"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
