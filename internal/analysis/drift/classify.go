package drift

import (
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/statelock"
)

// Class is why a drifted resource matters.
type Class string

const (
	// Stateful: a type the stateful-resource lock guards (statelock.IsStateful):
	// data lives in it, and a deploy that trips over its drift, or reverts
	// it, can lose or strand that data.
	Stateful Class = "stateful"
	// IAM: the drift changes who may do what (an IAM resource, a resource
	// policy, or a policy property of another resource).
	IAM Class = "iam"
	// Other drift is reported as a warning.
	Other Class = "other"
)

// Fails reports whether drift of this class fails the release.
func (c Class) Fails() bool { return c == Stateful || c == IAM }

// resourcePolicyTypes are the resource types whose only purpose is to grant
// access to another resource: a manual edit of one is an access change,
// exactly like an edit of an IAM policy. The list covers the resource
// policies CDK emits for the services this app and its constructs use
// (buckets, queues, topics, keys, functions, secrets, event buses, log
// delivery) and the resource-policy types of the other data services.
func resourcePolicyTypes() map[string]bool {
	return map[string]bool{
		"AWS::S3::BucketPolicy":               true,
		"AWS::SQS::QueuePolicy":               true,
		"AWS::SNS::TopicPolicy":               true,
		"AWS::Lambda::Permission":             true,
		"AWS::Lambda::LayerVersionPermission": true,
		"AWS::SecretsManager::ResourcePolicy": true,
		"AWS::Events::EventBusPolicy":         true,
		"AWS::Logs::ResourcePolicy":           true,
		"AWS::KMS::Grant":                     true,
		"AWS::ECR::RegistryPolicy":            true,
		"AWS::DynamoDB::ResourcePolicy":       true,
		"AWS::Kinesis::ResourcePolicy":        true,
		"AWS::CloudTrail::ResourcePolicy":     true,
		"AWS::Glue::ResourcePolicy":           true,
	}
}

// policyProperties are the property names that hold an access policy inside
// a resource that is not itself a policy: a KMS key's KeyPolicy, a REST
// API's Policy, a backup vault's AccessPolicy, a repository's
// RepositoryPolicyText, an OpenSearch domain's AccessPolicies…
func policyProperties() []string {
	return []string{"KeyPolicy", "Policy", "PolicyDocument", "Policies", "AccessPolicy", "AccessPolicies",
		"ResourcePolicy", "RepositoryPolicyText", "AssumeRolePolicyDocument", "ManagedPolicyArns", "PermissionsBoundary"}
}

// Classify says why drift of a resource of type typ, in the given property
// paths (PropertyDifferences' "/KeyPolicy/Statement/0", none for a deleted
// resource), matters. Stateful wins over IAM: a KMS key whose policy drifted
// is both, and the stateful class already fails the release.
func Classify(typ string, paths []string) Class {
	if statelock.IsStateful(typ) {
		return Stateful
	}
	if strings.HasPrefix(typ, "AWS::IAM::") || resourcePolicyTypes()[typ] {
		return IAM
	}
	for _, p := range paths {
		if isPolicyPath(p) {
			return IAM
		}
	}
	return Other
}

// isPolicyPath reports whether the first segment of a property path is a
// policy property.
func isPolicyPath(path string) bool {
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	for _, name := range policyProperties() {
		if first == name {
			return true
		}
	}
	return false
}
