package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stratus-cdk/stratus/internal/analysis/assembly"
)

// Staging and Prod serve their sites on CloudFront's default certificate (no custom domain in the
// goldens) and are warned of; Dev (no web ACL) and a stage with a domain are not.
func TestTLSWarnings(t *testing.T) {
	for golden, want := range map[string]bool{"Dev": false, "Staging": true, "Prod": true, "with-domain/Dev": false} {
		path := filepath.Join("..", "..", "test", "testdata", golden, "Web.template.json")
		tpl, err := assembly.ReadTemplate(path)
		if err != nil {
			t.Fatal(err)
		}
		got := tlsWarnings(assembly.Stack{Stage: golden, Name: "Web"}, tpl)
		if (len(got) == 1) != want || (want && !strings.Contains(got[0], "TLS 1.0 and 1.1")) {
			t.Errorf("%s: warnings %q, want one: %v", golden, got, want)
		}
		if !want {
			continue
		}
		// The same stage with a certificate of its own is not warned of.
		for _, id := range tpl.LogicalIDs() {
			if r := tpl.Resources[id]; r.Type == "AWS::CloudFront::Distribution" {
				r.Prop("DistributionConfig").(map[string]any)["ViewerCertificate"] = map[string]any{"AcmCertificateArn": "arn:aws:acm:us-east-1:1:certificate/x"}
			}
		}
		if got := tlsWarnings(assembly.Stack{Stage: golden, Name: "Web"}, tpl); len(got) != 0 {
			t.Errorf("%s with a certificate: warnings %q", golden, got)
		}
	}
}
