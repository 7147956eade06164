package serverlessdb

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
)

// GrantConnect lets grantee (a function, a role, a user…) connect as dbUser
// with IAM authentication: rds-db:connect for exactly that user on the
// cluster, or on the proxy when there is one (whose own role then gets it on
// the cluster too). It returns the grant on grantee. It is IAM only: the
// network path and the connection settings of a function are Bind's. The
// user itself is created by the migrations (CREATE ROLE … LOGIN; GRANT
// rds_iam TO …). dbUser may not be the admin user, whose password logins
// rotation and migrations rely on (rds_iam would switch them off).
func (db *ServerlessDb) GrantConnect(grantee awsiam.IGrantable, dbUser string) awsiam.Grant {
	c := propcheck.On("serverlessdb.GrantConnect", db.Construct)
	db.checkUser(c, dbUser)
	c.Panic()
	if db.Proxy != nil {
		db.grantProxyUser(dbUser)
		// What DatabaseProxy.GrantConnect grants, but naming the proxy by
		// ProxyResourceId: CDK's grant cuts the id out of the proxy's ARN
		// with Fn::Split, which in another stack's template would split a
		// Fn::GetStackOutput, a use CloudFormation does not document.
		return awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
			Grantee: grantee,
			Actions: jsii.Strings("rds-db:connect"),
			ResourceArns: jsii.Strings(*awscdk.Stack_Of(db.Construct).FormatArn(&awscdk.ArnComponents{
				Service:      jsii.String("rds-db"),
				Resource:     jsii.String("dbuser"),
				ResourceName: jsii.String(*db.ProxyResourceId() + "/" + dbUser),
				ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
			})),
		})
	}
	return db.Cluster.GrantConnect(grantee, jsii.String(dbUser))
}

// Bind hands fn what it needs to reach the database as dbUser, apart from
// the IAM permission (GrantConnect): security-group ingress from fn to the
// proxy (port 5432) or to the cluster (its port), and the environment
// variables DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_IAM_AUTH=true and, behind
// a proxy, DB_PROXY=true (names as Props.Env says). fn must be in the database's VPC (subnets from
// FunctionSubnets()). A role has no network and no environment: Bind is for
// functions, GrantConnect for any grantee.
func (db *ServerlessDb) Bind(fn awslambda.Function, dbUser string) {
	c := propcheck.On("serverlessdb.Bind", db.Construct)
	if fn == nil {
		c.Add("fn", nil, "required: the function that connects")
	} else if !*fn.IsBoundToVpc() {
		c.Add("fn", *fn.Node().Path(), "not in a VPC; create it with Vpc set to the database's Vpc and VpcSubnets from FunctionSubnets()")
	}
	db.checkUser(c, dbUser)
	c.Panic()

	desc := jsii.String("Lambda " + *fn.Node().Path() + " as " + dbUser)
	// AllowTo, not AllowFrom on the database: CDK then puts the ingress rule
	// in the function's stack, so a function in another stack does not make
	// the database's stack depend on it (a cycle).
	if db.Proxy != nil {
		fn.Connections().AllowTo(db.Proxy, awsec2.Port_Tcp(jsii.Number(ProxyPort)), desc)
	} else {
		fn.Connections().AllowTo(db.Cluster, awsec2.Port_Tcp(db.ClusterPort()), desc)
	}
	// AllowTo also adds the egress rule to the function's security group,
	// which a function with restricted egress (gofunction's Egress) needs.
	// CDK drops it, with a warning, when the function keeps all outbound
	// traffic (Lambda's default): there the ingress rule on the database's
	// side is the one that counts.
	for _, sg := range *fn.Connections().SecurityGroups() {
		if *sg.AllowAllOutbound() {
			awscdk.Annotations_Of(fn).AcknowledgeWarning(jsii.String("@aws-cdk/aws-ec2:ipv4IgnoreEgressRule"), jsii.String(
				"Bind's egress rule is redundant while the function allows all outbound traffic; the database admits it by its ingress rule."))
			break
		}
	}
	fn.AddEnvironment(jsii.String(db.props.env.host), db.Endpoint(), nil)
	fn.AddEnvironment(jsii.String(db.props.env.port), jsii.String(fmt.Sprint(*db.Port())), nil)
	fn.AddEnvironment(jsii.String(db.props.env.name), db.DatabaseName, nil)
	fn.AddEnvironment(jsii.String(db.props.env.user), jsii.String(dbUser), nil)
	if db.Proxy != nil {
		// RDS Proxy pins a session to a client that prepares named
		// statements; the handlers' pool avoids them when told.
		fn.AddEnvironment(jsii.String(db.props.env.proxy), jsii.String("true"), nil)
	}
	fn.AddEnvironment(jsii.String(db.props.env.iamAuth), jsii.String("true"), nil)
}

// checkUser records what is wrong with a login role name.
func (db *ServerlessDb) checkUser(c *propcheck.Problems, dbUser string) {
	switch {
	case !identifierRE.MatchString(dbUser):
		c.Add("dbUser", dbUser, "must start with a letter or _ and hold at most 63 letters, digits or _")
	case strings.EqualFold(dbUser, db.props.adminUser):
		c.Add("dbUser", dbUser, "is the admin user, which must keep password authentication for rotation and migrations")
	}
}

// grantProxyUser lets the proxy log in to the cluster as user with IAM
// authentication (end-to-end IAM needs rds-db:connect on the cluster's
// resource id for every user clients connect as).
func (db *ServerlessDb) grantProxyUser(user string) {
	if db.proxyUsers[user] {
		return
	}
	db.proxyUsers[user] = true
	db.proxyRole.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("rds-db:connect"),
		Resources: jsii.Strings(*awscdk.Stack_Of(db.Construct).FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("rds-db"),
			Resource:     jsii.String("dbuser"),
			ResourceName: jsii.String(*db.Cluster.ClusterResourceIdentifier() + "/" + user),
			ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})),
	}))
}
