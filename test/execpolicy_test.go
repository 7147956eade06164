package test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// executionPolicy is the customer-managed policy every target account's
// CloudFormation execution role gets instead of AdministratorAccess
// (`cdk bootstrap --cloudformation-execution-policies`, README "Deploying").
const executionPolicy = "docs/cdk-execution-policy.json"

// servicePrefixes maps the service part of a CloudFormation resource type
// (AWS::<Service>::…) to the IAM service prefixes CloudFormation needs to
// create, update and delete it. A type whose service is missing here fails
// TestExecutionPolicyCoversEveryResourceType: add the service here and to
// the policy, deliberately.
var servicePrefixes = map[string][]string{
	"ApiGateway":            {"apigateway"},
	"Backup":                {"backup", "backup-storage"},
	"CDK":                   nil, // AWS::CDK::Metadata: nothing is created
	"CertificateManager":    {"acm"},
	"CloudFormation":        {"cloudformation"},
	"CloudFront":            {"cloudfront"},
	"CloudWatch":            {"cloudwatch"},
	"CodeBuild":             {"codebuild"},
	"CodeCommit":            {"codecommit"},
	"CodeDeploy":            {"codedeploy"},
	"CodePipeline":          {"codepipeline"},
	"CodeStarNotifications": {"codestar-notifications"},
	"Cognito":               {"cognito-idp"},
	"EC2":                   {"ec2"},
	"Events":                {"events"},
	"IAM":                   {"iam"},
	"KMS":                   {"kms"},
	"Lambda":                {"lambda"},
	"Logs":                  {"logs"},
	"RDS":                   {"rds"},
	"Route53":               {"route53"},
	"S3":                    {"s3"},
	"SNS":                   {"sns"},
	"SQS":                   {"sqs"},
	"SSM":                   {"ssm"},
	"SecretsManager":        {"secretsmanager"},
	// The rotation function's SAR application: the transform fetches it and
	// creates a nested stack.
	"Serverless": {"serverlessrepo", "cloudformation"},
	"WAFv2":      {"wafv2"},
}

type policyDocument struct {
	Version   string
	Statement []struct {
		Sid      string
		Effect   string
		Action   any
		Resource any
	}
}

func readExecutionPolicy(t *testing.T) policyDocument {
	t.Helper()
	raw, err := os.ReadFile(executionPolicy)
	if err != nil {
		t.Fatal(err)
	}
	var doc policyDocument
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", executionPolicy, err)
	}
	// IAM's quota for a customer-managed policy, whitespace not counted.
	if n := len(strings.Join(strings.Fields(string(raw)), "")); n > 6144 {
		t.Errorf("%s is %d characters without whitespace; IAM takes at most 6144", executionPolicy, n)
	}
	return doc
}

func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, s := range v {
			out = append(out, s.(string))
		}
		return out
	}
	return nil
}

// allowedPrefixes is the IAM service prefixes the policy allows any action of.
func (d policyDocument) allowedPrefixes() map[string]bool {
	out := map[string]bool{}
	for _, s := range d.Statement {
		if s.Effect != "Allow" {
			continue
		}
		for _, a := range strs(s.Action) {
			prefix, _, _ := strings.Cut(a, ":")
			out[prefix] = true
		}
	}
	return out
}

// resourceTypes lists every resource type of every template under dirs
// (the stages' nested assemblies and the pipeline's support stacks
// included), each with one template that has it.
func resourceTypes(t *testing.T, dirs ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".template.json") {
				return err
			}
			tpl := readTemplate(t, path)
			for _, r := range tpl.Resources {
				if _, ok := out[r.Type]; !ok {
					out[r.Type] = filepath.Base(path)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// Every resource type of every template the app synthesizes (one account,
// an account per stage, a custom domain) is of a service whose IAM prefix the
// execution policy allows: a stack that adds a service fails here until the
// policy (and servicePrefixes) name it, rather than at its first deploy.
func TestExecutionPolicyCoversEveryResourceType(t *testing.T) {
	allowed := readExecutionPolicy(t).allowedPrefixes()
	types := resourceTypes(t, assemblyDir, domainAssemblyDir, accountsAssembly(t))
	if len(types) < 40 {
		t.Fatalf("found only %d resource types: the walk missed templates", len(types))
	}
	for _, typ := range slices.Sorted(func(yield func(string) bool) {
		for k := range types {
			if !yield(k) {
				return
			}
		}
	}) {
		var service string
		switch parts := strings.Split(typ, "::"); {
		case strings.HasPrefix(typ, "Custom::"):
			// A custom resource: CloudFormation invokes its provider function.
			service = "Lambda"
		case len(parts) == 3 && parts[0] == "AWS":
			service = parts[1]
		default:
			t.Errorf("%s (in %s): not a resource type the test knows how to read", typ, types[typ])
			continue
		}
		prefixes, known := servicePrefixes[service]
		if !known {
			t.Errorf("%s (in %s): service %s is in no entry of servicePrefixes: add it there and its IAM prefix to %s", typ, types[typ], service, executionPolicy)
			continue
		}
		for _, p := range prefixes {
			if !allowed[p] {
				t.Errorf("%s (in %s) needs %s:*, which %s does not allow", typ, types[typ], p, executionPolicy)
			}
		}
	}
}

// The policy is narrower than AdministratorAccess: no action "*", IAM only
// through the listed role and policy actions, and its denies are in place.
func TestExecutionPolicyIsNarrowerThanAdministratorAccess(t *testing.T) {
	doc := readExecutionPolicy(t)
	if doc.Version != "2012-10-17" {
		t.Errorf("Version %q, want 2012-10-17", doc.Version)
	}
	denies := map[string]bool{}
	for _, s := range doc.Statement {
		for _, a := range strs(s.Action) {
			if s.Effect == "Allow" && (a == "*" || strings.HasPrefix(a, "iam:*") || strings.HasPrefix(a, "sts:") ||
				strings.HasPrefix(a, "organizations:") || strings.HasPrefix(a, "iam:CreateUser") || strings.HasPrefix(a, "iam:CreateAccessKey")) {
				t.Errorf("%s allows %s", s.Sid, a)
			}
		}
		if s.Effect == "Deny" {
			denies[s.Sid] = true
		}
	}
	for _, sid := range []string{"NoAdministratorPoliciesOnAnyRole", "HandsOffTheBootstrap", "NoInstancesNoKeysNoUsers"} {
		if !denies[sid] {
			t.Errorf("no Deny statement %s", sid)
		}
	}
}
