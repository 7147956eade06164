package gofunction

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/propcheck"
)

// HttpsPort is the only port Egress opens by itself.
const HttpsPort = 443

// checkOptions records what is wrong with the log and network options:
// combinations whose intent New cannot honour.
func checkOptions(c *propcheck.Problems, props *Props) {
	if props.LogEncryptionKey != nil && props.LogGroup != nil {
		c.Add("LogEncryptionKey", propcheck.Shown("(a key)"),
			"applies to the log group New creates; with LogGroup given, encrypt that log group instead")
	}
	e := props.Egress
	if e == nil {
		return
	}
	if props.Vpc == nil {
		c.Add("Egress", propcheck.Shown("(set)"), "restricts a function in a VPC: set Vpc too")
	}
	if props.SecurityGroups != nil && len(*props.SecurityGroups) > 0 {
		c.Add("Egress", propcheck.Shown("(set)"), "cannot restrict the security groups given in SecurityGroups: their rules are yours")
	}
	if props.AllowAllOutbound != nil && *props.AllowAllOutbound {
		c.Add("AllowAllOutbound", true, "contradicts Egress, which allows HTTPS only")
	}
	if e.HttpsTo != nil && len(*e.HttpsTo) == 0 {
		c.Add("Egress.HttpsTo", propcheck.Shown("(empty)"), "leave it nil for anywhere, or name at least one peer")
	}
}

// restrictEgress gives fn's security group (created by Lambda's L2 with all
// outbound traffic denied, AllowAllOutbound false) its HTTPS rules.
func restrictEgress(fn awslambda.Function, e *Egress) {
	peers := []awsec2.IPeer{awsec2.Peer_AnyIpv4()}
	if e.HttpsTo != nil {
		peers = *e.HttpsTo
	}
	for _, p := range peers {
		fn.Connections().AllowTo(p, awsec2.Port_Tcp(jsii.Number(HttpsPort)), jsii.String("HTTPS to AWS APIs"))
	}
}
