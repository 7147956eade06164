package serverlessdb

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/nag"
	"github.com/stratus-cdk/stratus/internal/synth/secure"
)

// createKey makes the customer managed key that encrypts the cluster's
// storage, the admin secret, Performance Insights and the log groups.
// CloudWatch Logs may use it only for this account's log groups.
func (db *ServerlessDb) createKey() {
	r := db.props
	db.EncryptionKey = secure.Key(db.Construct, "Key",
		"Encrypts the Aurora cluster, its secret, Performance Insights and logs of "+*db.Node().Path(),
		retainUnlessDestroy(r.removalPolicy))
	secure.AllowLogs(db.EncryptionKey)
}

// createNetwork uses Props.ExistingVpc or builds a VPC: public subnets,
// private-with-egress subnets behind NatGateways NAT gateways (none when
// NatGateways is 0: CDK allows no egress subnets without a NAT), isolated
// subnets for the database, an S3 gateway endpoint and flow logs.
func (db *ServerlessDb) createNetwork(p *Props) {
	if p.ExistingVpc != nil {
		db.Vpc = p.ExistingVpc
	} else {
		db.Vpc = db.newVpc(p)
	}
	db.isolatedSubs = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
	if len(*db.Vpc.PrivateSubnets()) > 0 {
		db.functionSubs = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	} else {
		db.functionSubs = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
	}
	wantEndpoint := len(*db.Vpc.PrivateSubnets()) == 0
	if p.SecretsManagerEndpoint != nil {
		wantEndpoint = *p.SecretsManagerEndpoint
	}
	if wantEndpoint {
		// Private DNS makes the standard secretsmanager.<region> host resolve
		// to the endpoint, so the rotation function and the SDK need no
		// endpoint setting. Open: HTTPS from the VPC's CIDR.
		db.smEndpoint = awsec2.NewInterfaceVpcEndpoint(db.Construct, jsii.String("SecretsManagerEndpoint"), &awsec2.InterfaceVpcEndpointProps{
			Vpc:               db.Vpc,
			Service:           awsec2.InterfaceVpcEndpointAwsService_SECRETS_MANAGER(),
			Subnets:           db.isolatedSubs,
			PrivateDnsEnabled: jsii.Bool(true),
			Open:              jsii.Bool(true),
		})
		nag.Suppress(db.smEndpoint, nag.Rule("CdkNagValidationFailure",
			"EC23 cannot resolve the ingress source, the VPC's own CIDR (Fn::GetAtt VpcCidrBlock): HTTPS from inside the VPC only, never 0.0.0.0/0.",
			"AwsSolutions-EC23"))
	}
	if p.InterfaceEndpoints != nil {
		for i, service := range *p.InterfaceEndpoints {
			endpoint := awsec2.NewInterfaceVpcEndpoint(db.Construct, jsii.String(fmt.Sprintf("Endpoint%d", i+1)), &awsec2.InterfaceVpcEndpointProps{
				Vpc:               db.Vpc,
				Service:           service,
				Subnets:           db.isolatedSubs,
				PrivateDnsEnabled: jsii.Bool(true),
				Open:              jsii.Bool(true),
			})
			nag.Suppress(endpoint, nag.Rule("CdkNagValidationFailure",
				"EC23 cannot resolve the ingress source, the VPC's own CIDR (Fn::GetAtt VpcCidrBlock): HTTPS from inside the VPC only, never 0.0.0.0/0.",
				"AwsSolutions-EC23"))
		}
	}
}

func (db *ServerlessDb) newVpc(p *Props) awsec2.Vpc {
	r := db.props
	subnets := []*awsec2.SubnetConfiguration{
		{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24)},
		{Name: jsii.String("Isolated"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24)},
	}
	if r.natGateways > 0 {
		subnets = append(subnets, &awsec2.SubnetConfiguration{
			Name: jsii.String("Private"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(22),
		})
	}
	flowLogs := awslogs.NewLogGroup(db.Construct, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		Retention:     r.logRetention,
		EncryptionKey: db.EncryptionKey,
		RemovalPolicy: retainUnlessDestroy(r.removalPolicy),
	})
	endpointSubnets := []*awsec2.SubnetSelection{{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}}
	if r.natGateways > 0 {
		endpointSubnets = append(endpointSubnets, &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS})
	}
	props := &awsec2.VpcProps{
		NatGateways:                  jsii.Number(r.natGateways),
		SubnetConfiguration:          &subnets,
		RestrictDefaultSecurityGroup: jsii.Bool(true),
		GatewayEndpoints: &map[string]*awsec2.GatewayVpcEndpointOptions{
			"S3": {Service: awsec2.GatewayVpcEndpointAwsService_S3(), Subnets: &endpointSubnets},
		},
		FlowLogs: &map[string]*awsec2.FlowLogOptions{
			"FlowLog": {
				Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(flowLogs, nil),
				TrafficType: awsec2.FlowLogTrafficType_ALL,
			},
		},
	}
	// No context lookup: given zones are used as they are; otherwise an
	// environment-agnostic stack yields Fn::GetAZs selections and an
	// environment-specific one asks the stack for its zones (see the
	// package doc).
	if p.AvailabilityZones != nil {
		props.AvailabilityZones = p.AvailabilityZones
	} else {
		props.MaxAzs = jsii.Number(r.maxAzs)
	}
	return awsec2.NewVpc(db.Construct, jsii.String("Vpc"), props)
}

// retainUnlessDestroy is the removal policy of what outlives a cluster
// snapshot (the key that decrypts it, its logs): RETAIN unless the cluster
// is destroyed outright.
func retainUnlessDestroy(p awscdk.RemovalPolicy) awscdk.RemovalPolicy {
	if p == awscdk.RemovalPolicy_DESTROY {
		return awscdk.RemovalPolicy_DESTROY
	}
	return awscdk.RemovalPolicy_RETAIN
}
