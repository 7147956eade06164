// Package cfnspec answers one question about a CloudFormation resource
// type: which of its properties make CloudFormation replace the resource
// when they change (the "create-only" properties of the resource schemas).
//
// The answer comes from npm @aws-cdk/aws-service-spec, the database the
// CDK generates its L1 classes from, pinned exactly in package.json. Its
// db.json.gz marks every resource property, and every property of the
// types nested in them, with causesReplacement "yes", "maybe" or "no".
// createonly.json, embedded here, is a compact extract of it: for each
// resource type, the property paths marked "yes" or "maybe". It is
// committed rather than read from node_modules at run time because
//
//   - a bump of the spec is then a reviewed diff that shows exactly which
//     properties start or stop replacing a resource, which changes what the
//     stateful-resource lock records and what `make diff` flags;
//   - the packages that use it (internal/analysis/statelock, cmd/stratusdiff) work
//     from a plain `go build`, without npm and without parsing 15 MB of
//     JSON on every run.
//
// The extract cannot drift: TestExtractMatchesPinnedSpec rebuilds it from
// node_modules/@aws-cdk/aws-service-spec/db.json.gz (installed by `make
// test`, which runs npm ci first) and fails on any difference; `go generate
// ./internal/cfnspec` rewrites it.
//
// # Paths
//
// A top-level property is its name ("DatabaseName"). A property of a nested
// type is reached with dots, through "[]" for the elements of a list and
// ".*" for the values of a map: "DnsOptions.PrivateDnsPreference",
// "GlobalSecondaryIndexes[].KeySchema". A path stops at the first marked
// property: below a replacing property, every change replaces anyway.
//
// # "maybe"
//
// "maybe" marks properties whose change replaces the resource only for some
// values or transitions (an RDS engine change from aurora-postgresql to
// aurora-mysql replaces the cluster, a version upgrade within it does not),
// which the schema cannot express. Callers guarding data treat Maybe as a
// replacement ("may be REPLACED"): a false alarm costs a reviewed
// acknowledgement, a miss costs the data.
package cfnspec

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
)

//go:generate go test -run TestExtractMatchesPinnedSpec -update .

// Replacement is what a change of a property does to its resource, ordered
// by severity.
type Replacement int

const (
	// No: the resource is updated in place.
	No Replacement = iota
	// Maybe: replaced for some values or transitions.
	Maybe
	// Yes: always replaced.
	Yes
)

func (r Replacement) String() string {
	switch r {
	case Yes:
		return "yes"
	case Maybe:
		return "maybe"
	}
	return "no"
}

// Extract is the committed, compact form of the spec.
type Extract struct {
	// Package and Version name the npm package the extract was made from.
	Package string `json:"package"`
	Version string `json:"version"`
	// Resources maps a resource type to its replacing property paths, each
	// "yes" or "maybe".
	Resources map[string]map[string]string `json:"resources"`
}

//go:embed createonly.json
var raw []byte

var spec = mustParse(raw)

func mustParse(b []byte) *Extract {
	var e Extract
	if err := json.Unmarshal(b, &e); err != nil {
		panic(fmt.Sprintf("cfnspec: createonly.json: %v", err))
	}
	return &e
}

// Source names the pinned spec, "@aws-cdk/aws-service-spec 0.1.216".
func Source() string { return spec.Package + " " + spec.Version }

// Known reports whether the spec knows the resource type. Custom resources
// and types newer than the spec are unknown: nothing is known to replace them.
func Known(resourceType string) bool {
	_, ok := spec.Resources[resourceType]
	return ok
}

// CreateOnly returns the replacing property paths of a resource type, sorted.
func CreateOnly(resourceType string) []string {
	props := spec.Resources[resourceType]
	out := make([]string, 0, len(props))
	for p := range props {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Replaces says what a change of the property path does to a resource of
// the type: Yes, Maybe or No.
func Replaces(resourceType, path string) Replacement {
	switch spec.Resources[resourceType][path] {
	case "yes":
		return Yes
	case "maybe":
		return Maybe
	}
	return No
}
