package mapping

import (
	"fmt"
	"sort"
	"strings"
)

// emulation is what one file of the mapping reads and what the local stack does with it: the
// source of the README's emulation table (Table) and of the start-up list of what is read past.
type emulation struct {
	service string
	file    string
	// reads are the properties the stand-in takes its settings from, by resource type.
	reads map[string][]string
	// inert are properties known to change nothing a local run can observe (names, encryption
	// keys, retention), by resource type; every other property is listed at start-up.
	inert map[string][]string
	// locally says what stands in, and how the settings show.
	locally string
}

// known is every property of typ that e reads or knows to be inert.
func (e emulation) known(typ string) []string {
	return append(append([]string{}, e.reads[typ]...), e.inert[typ]...)
}

// emulations are the mapping's files in the order the README lists them.
var emulations = []emulation{cognitoEmulation, apiEmulation, wafEmulation, queueEmulation, functionEmulation, scheduleEmulation,
	notificationEmulation, parameterEmulation, siteEmulation}

// notEmulated is what the local stack does not emulate at all, for the README.
var notEmulated = []string{
	"WAF: the managed rule groups' rules other than the common rule set's SizeRestrictions_BODY (cross-site scripting, LFI, known bad inputs…), rules with scope-down statements, and the site's CloudFront web ACL's rules other than its rate-based ones (the local rate limit counts the API's requests, not the site's files)",
	"Cognito threat protection (UserPoolAddOns), SMS and email-OTP factors, SRP, the hosted UI, Lambda triggers, and mail delivery (codes go to the local mailbox)",
	"API Gateway's own answers for unknown routes, per-method throttles (MethodSettings for one path), usage plans, access logs and X-Ray tracing",
	"the functions' memory size, and their SDK clients: the handlers run in-process with the stand-ins behind the same interfaces (package awsx), so no `AWS_ENDPOINT_URL_*` is needed",
	"SQS KMS encryption and retention periods; the schedule's retry policy and dead-letter queue",
	"S3 notifications to Lambda functions, SNS subscription filter policies, SecureString parameters' encryption, Secrets Manager, RDS Proxy and IAM database authentication",
}

// unemulatedTypes are resource types the local stack runs without: one start-up line each.
var unemulatedTypes = map[string]string{}

// Table is the README's emulation table: per service, the template properties the local stack
// runs with, then what it does not emulate.
func Table() string {
	var b strings.Builder
	b.WriteString("| service (`lambdas/internal/local/mapping/…`) | read from the stage's templates | locally |\n|---|---|---|\n")
	for _, e := range emulations {
		var types []string
		for t := range e.reads {
			types = append(types, t)
		}
		sort.Strings(types)
		var reads []string
		for _, t := range types {
			reads = append(reads, fmt.Sprintf("`%s`: %s", t, strings.Join(e.reads[t], ", ")))
		}
		fmt.Fprintf(&b, "| %s (`%s`) | %s | %s |\n", e.service, e.file, strings.Join(reads, "<br>"), e.locally)
	}
	b.WriteString("\nNot emulated (listed again when the local stack starts, with every property of the resources above that the mapping does not read):\n\n")
	for _, n := range notEmulated {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	return b.String()
}
