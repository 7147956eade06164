package stacks

import (
	"fmt"
	"regexp"
	"strings"
)

// Domain is a custom domain for a stage's site, in a Route 53 public hosted
// zone of the same account. The zone is referenced by its id: synth looks
// nothing up. With it, the stage's Edge stack (us-east-1) holds an ACM
// certificate for Name, validated through the DNS record CloudFormation
// adds to the zone; the distribution answers on Name; the Web stack adds A
// and AAAA alias records for Name to the zone. The API stays under /v1/ of
// the same name.
//
// The zone's name is not asked for: it would change nothing. Every record
// is written under its full name, Name, and validation goes by zone id; CDK
// needs a zone name only to complete relative record names, so Name stands
// in for it, whichever zone (Name itself or a parent of it) holds Name.
type Domain struct {
	// Name the site answers on, e.g. "app.example.com" (lower case, no
	// trailing dot). Empty means no custom domain.
	Name string
	// HostedZoneId of the public hosted zone that holds Name: the zone of
	// Name itself or of a parent, e.g. "Z0123456789ABCDEFGHIJ".
	HostedZoneId string
}

// IsSet reports whether d names a domain (or any part of one: an incomplete
// domain is an error, not "no domain").
func (d Domain) IsSet() bool { return d != Domain{} }

// ForStage is the domain stage cfg serves when the app is given d (the
// domain setting): the production stage serves d.Name itself, every other
// stage "<stage>.<d.Name>" in lower case (dev.app.example.com), all in d's
// zone. So one setting puts every stage on its own name without clashing:
// CloudFront allows a name on one distribution only.
func (d Domain) ForStage(cfg Config) Domain {
	if d.IsSet() && !cfg.Production {
		d.Name = strings.ToLower(cfg.Name) + "." + d.Name
	}
	return d
}

var (
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	zoneID   = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
)

// problems lists what is wrong with d, each line naming the field (by the
// labels given for Name and HostedZoneId) and its value. An unset domain
// has none.
func (d Domain) problems(name, zoneIDField string) []string {
	if !d.IsSet() {
		return nil
	}
	var out []string
	if p := hostnameProblem(d.Name); p != "" {
		out = append(out, fmt.Sprintf("%s %q %s", name, d.Name, p))
	}
	if !zoneID.MatchString(d.HostedZoneId) {
		out = append(out, fmt.Sprintf("%s %q is not a Route 53 hosted zone id (Z followed by upper-case letters and digits, e.g. Z0123456789ABCDEFGHIJ)",
			zoneIDField, d.HostedZoneId))
	}
	return out
}

// hostnameProblem says why name is not a fully qualified domain name of at
// least two labels, in lower case, without a trailing dot; "" if it is one.
func hostnameProblem(name string) string {
	switch {
	case name == "":
		return "is empty"
	case strings.HasSuffix(name, "."):
		return "must not end with a dot"
	case name != strings.ToLower(name):
		return "must be lower case"
	case len(name) > 253:
		return "is longer than 253 characters"
	}
	labels := strings.Split(name, ".")
	if len(labels) < 2 {
		return "needs at least two labels (e.g. example.com)"
	}
	for _, l := range labels {
		if !dnsLabel.MatchString(l) {
			return fmt.Sprintf("has an invalid label %q (letters, digits and inner hyphens, 1-63 characters)", l)
		}
	}
	return ""
}
