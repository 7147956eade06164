package cfnspec

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite createonly.json from node_modules (go generate)")

const specDir = "../../../node_modules/@aws-cdk/aws-service-spec"

// The committed extract is exactly what the pinned package holds: the
// version package.json pins, the version installed, and the content.
func TestExtractMatchesPinnedSpec(t *testing.T) {
	pinned := pinnedVersion(t)
	var installed struct{ Version string }
	readJSON(t, filepath.Join(specDir, "package.json"), &installed)
	if installed.Version != pinned {
		t.Fatalf("node_modules has @aws-cdk/aws-service-spec %s, package.json pins %s: run `make deps`", installed.Version, pinned)
	}
	f, err := os.Open(filepath.Join(specDir, "db.json.gz"))
	if err != nil {
		t.Fatalf("%v: run `make deps` (npm ci installs @aws-cdk/aws-service-spec)", err)
	}
	defer f.Close()
	e, err := FromServiceSpec(f, pinned)
	if err != nil {
		t.Fatal(err)
	}
	got := e.Marshal()
	if *update {
		if err := os.WriteFile("createonly.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(got, raw) {
		t.Fatalf("createonly.json does not match @aws-cdk/aws-service-spec %s in node_modules: run `go generate ./internal/cfnspec` and review the diff", pinned)
	}
}

func pinnedVersion(t *testing.T) string {
	t.Helper()
	var pkg struct {
		DevDependencies map[string]string `json:"devDependencies"`
	}
	readJSON(t, "../../../package.json", &pkg)
	v := pkg.DevDependencies["@aws-cdk/aws-service-spec"]
	if v == "" {
		t.Fatal("package.json does not pin @aws-cdk/aws-service-spec")
	}
	return v
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run `make deps`", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// Spot checks against what CloudFormation documents for these properties.
func TestReplaces(t *testing.T) {
	cases := []struct {
		typ, path string
		want      Replacement
	}{
		{"AWS::RDS::DBCluster", "DatabaseName", Yes},
		{"AWS::RDS::DBCluster", "Engine", Maybe},
		{"AWS::RDS::DBCluster", "BackupRetentionPeriod", No},
		{"AWS::S3::Bucket", "BucketName", Yes},
		{"AWS::S3::Bucket", "VersioningConfiguration", No},
		{"AWS::SQS::Queue", "FifoQueue", Yes},
		{"AWS::EC2::Subnet", "CidrBlock", Yes},
		// A nested create-only property.
		{"AWS::EC2::VPCEndpoint", "DnsOptions.PrivateDnsPreference", Yes},
		{"AWS::Not::AType", "Anything", No},
	}
	for _, c := range cases {
		if got := Replaces(c.typ, c.path); got != c.want {
			t.Errorf("Replaces(%s, %s) = %v, want %v", c.typ, c.path, got, c.want)
		}
	}
	if !Known("AWS::KMS::Key") || Known("Custom::Migrations") {
		t.Error("Known: want AWS::KMS::Key known and Custom::Migrations unknown")
	}
	if Source() != "@aws-cdk/aws-service-spec "+spec.Version {
		t.Errorf("Source() = %q", Source())
	}
}
