package cost_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/stratus-cdk/stratus/analysis/cost"
)

// A cloud assembly of one stack, a VPC with a NAT gateway, priced with a
// price table of two entries. A NAT gateway bills by the hour whether or not
// it is used (the idle figure) and by the gigabyte it processes (the
// profile's NATGB); the VPC itself costs nothing and is listed with why.
func Example() {
	dir, err := os.MkdirTemp("", "cdk.out")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	files := map[string]string{
		"manifest.json": `{"artifacts": {"Network": {"type": "aws:cloudformation:stack",
			"environment": "aws://unknown-account/eu-west-1",
			"properties": {"templateFile": "Network.template.json"}}}}`,
		"tree.json": `{"tree": {"id": "App", "path": ""}}`,
		"Network.template.json": `{"Resources": {
			"Vpc": {"Type": "AWS::EC2::VPC"},
			"Nat": {"Type": "AWS::EC2::NatGateway"}}}`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	prices, err := cost.ParsePrices([]byte(`{"asOf": "2026-01-01", "currency": "USD", "prices": {
		"ec2.nat-gateway.hour": {"unit": "NAT gateway-hour", "usd": {"eu-west-1": 0.05}, "source": "https://aws.amazon.com/vpc/pricing/"},
		"ec2.nat-gateway.gb": {"unit": "GB processed", "usd": {"eu-west-1": 0.05}, "source": "https://aws.amazon.com/vpc/pricing/"}}}`))
	if err != nil {
		log.Fatal(err)
	}
	profile := cost.DefaultProfile()
	profile.NATGB = 100

	est, err := cost.Estimate(dir, cost.Options{Prices: prices, Profile: &profile})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range est.Stacks {
		fmt.Printf("%s: idle %.2f, at profile %.2f USD/month\n", s.Stack.Name, s.Idle, s.Profile)
		for _, l := range s.Lines {
			fmt.Printf("  %s, %s (%s): idle %.2f, at profile %.2f\n", l.LogicalID, l.Item, l.PriceKey, l.Idle, l.Profile)
		}
		for _, u := range s.Unpriced {
			fmt.Printf("  %s not priced: %s\n", u.LogicalID, u.Reason)
		}
	}
	// Output:
	// Network: idle 36.50, at profile 41.50 USD/month
	//   Nat, NAT gateway hours (ec2.nat-gateway.hour): idle 36.50, at profile 36.50
	//   Nat, NAT data processed (ec2.nat-gateway.gb): idle 0.00, at profile 5.00
	//   Vpc not priced: free: VPC building blocks carry no charge (NAT gateways, addresses and endpoints are priced)
}
