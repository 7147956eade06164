package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const header = "Rule ID,Resource ID,Compliance,Exception Reason,Rule Level,Rule Info\n"

func writeReport(t *testing.T, dir, name, rows string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(header+rows), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadGathersNonCompliantRowsOfTheCompliancePacks(t *testing.T) {
	dir := t.TempDir()
	writeReport(t, dir, "HIPAA.Security-Prod-Prod-App-NagReport.csv",
		`"HIPAA.Security-WAFv2LoggingEnabled","Prod/App/Api/WebAcl","Non-Compliant","N/A","Error","no logging"
"HIPAA.Security-S3BucketReplicationEnabled","Prod/App/Uploads/Resource","Non-Compliant","N/A","Error","no replication"
"HIPAA.Security-S3BucketVersioningEnabled","Prod/App/Uploads/Resource","Compliant","N/A","Error","versioned"
"HIPAA.Security-LambdaDLQ","Prod/App/Api/Resource","Suppressed","a reason","Error","dlq"
`)
	writeReport(t, dir, "PCI.DSS.321-Dev-Dev-App-NagReport.csv",
		`"PCI.DSS.321-S3BucketReplicationEnabled","Dev/App/Uploads/Resource","Non-Compliant","N/A","Error","no replication"
`)
	// The gating packs' reports are not this report's.
	writeReport(t, dir, "AwsSolutions-Prod-Prod-App-NagReport.csv",
		`"AwsSolutions-S1","Prod/App/Uploads/Resource","Non-Compliant","N/A","Error","x"
`)
	findings, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	Print(&out, findings)
	want := []string{
		"RULE PACKS DEV STAGING PROD",
		"S3BucketReplicationEnabled HIPAA.Security PCI.DSS.321 1 0 1",
		"WAFv2LoggingEnabled HIPAA.Security 0 0 1",
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		got = append(got, strings.Join(strings.Fields(l), " "))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("report:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	bad := Regressions(findings)
	if len(bad) != 1 || !strings.Contains(bad[0], "HIPAA.Security-WAFv2LoggingEnabled") || !strings.Contains(bad[0], "Prod/App/Api/WebAcl") {
		t.Errorf("regressions = %q, want the WAF logging finding on Prod/App/Api/WebAcl", bad)
	}
}

func TestReadRefusesAnAssemblyWithoutReports(t *testing.T) {
	if _, err := Read(t.TempDir()); err == nil || !strings.Contains(err.Error(), "did the packs run") {
		t.Errorf("err = %v", err)
	}
}

func TestReadRefusesAChangedReportFormat(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "NIST.800.53.R5-Dev-Dev-App-NagReport.csv"), []byte("Rule,Resource\nx,y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "report format changed") {
		t.Errorf("err = %v", err)
	}
}
