package contract

import (
	"slices"
	"strings"
)

// Environment variables: the names the stacks (and the serverlessdb and
// eventbus constructs) set and the handlers read. No other package spells
// them out.
const (
	// EnvStage is the stage's name (Dev, Staging, Prod), on every log line.
	EnvStage = "STAGE"

	// The database connection, as serverlessdb sets it for a function that
	// connects with IAM authentication.
	EnvDBHost    = "DB_HOST"     // the cluster's or the proxy's endpoint
	EnvDBPort    = "DB_PORT"     // its port
	EnvDBName    = "DB_NAME"     // the database
	EnvDBUser    = "DB_USER"     // the login role
	EnvDBIAMAuth = "DB_IAM_AUTH" // "true": mint an IAM auth token per new connection (TLS)
	EnvDBProxy   = "DB_PROXY"    // "true": an RDS Proxy is in front (no named prepared statements)
	// EnvDatabaseURL is a PostgreSQL DSN instead of the DB_* variables: local
	// runs and tests only, never set in AWS.
	EnvDatabaseURL = "DATABASE_URL"

	// The migrations function's settings.
	EnvDBSecretArn = "DB_SECRET_ARN" // the admin secret {host, port, username, password, dbname}
	EnvAppDBUser   = "APP_DB_USER"   // the login role the migrations create for the app
	EnvDBSSLMode   = "DB_SSLMODE"    // libpq sslmode of the admin connection (default require)

	EnvAppConfigParam = "APP_CONFIG_PARAM" // the SSM parameter with the attachment limits (JSON)
	EnvUploadsBucket  = "UPLOADS_BUCKET"   // the bucket of the presigned attachment uploads
	EnvEventTopicArn  = "EVENT_TOPIC_ARN"  // the event bus's SNS topic
	EnvVersion        = "VERSION"          // reported by GET /health (default "dev")
	EnvCORSOrigins    = "CORS_ORIGINS"     // comma-separated origins allowed by CORS (none behind CloudFront)

	// Tracing: OpenTelemetry's own variables (lambdas/internal/app/tracing). The stacks set them on
	// every function that serves traffic; the endpoint is the ADOT collector extension's.
	EnvOTLPEndpoint    = "OTEL_EXPORTER_OTLP_ENDPOINT" // OTLP/HTTP base URL (spans go to …/v1/traces)
	EnvOTELServiceName = "OTEL_SERVICE_NAME"           // service.name of the function's spans
	EnvOTELSampler     = "OTEL_TRACES_SAMPLER"         // e.g. traceidratio
	EnvOTELSamplerArg  = "OTEL_TRACES_SAMPLER_ARG"     // its ratio, 0 to 1

	EnvOutboxMinAge    = "OUTBOX_MIN_AGE"    // outbox rows younger than this are left to the API's own flush
	EnvOutboxBatchSize = "OUTBOX_BATCH_SIZE" // outbox rows per transaction

	// The origin secret's rotation function: the web ACL rule that requires
	// the header, and the distribution whose origins send it.
	EnvWebAclArn      = "WEB_ACL_ARN"     // the API's regional web ACL
	EnvWebAclRule     = "WEB_ACL_RULE"    // its rule that requires the header
	EnvOriginHeader   = "ORIGIN_HEADER"   // the header's name
	EnvDistributionID = "DISTRIBUTION_ID" // the site's CloudFront distribution
	EnvWAFPropagation = "WAF_PROPAGATION" // wait between widening the rule and changing CloudFront (default 60s)
)

// OriginSecretLength is the length of the origin secret's values, letters
// and digits only: what the stack generates first and each rotation after.
const OriginSecretLength = 48

// Function is one deployed function's side of the contract: the folder it is
// built from and the environment variables its handler reads, by who sets
// them.
type Function struct {
	// Name is its folder under lambdas/.
	Name string
	// Set are the variables its stack always sets.
	Set []string
	// SetSometimes are set in some stages only (DB_PROXY behind a proxy).
	SetSometimes []string
	// Unset are read by the handler but never set by a stack: local runs,
	// tests, and tuning knobs whose defaults the deployment keeps.
	Unset []string
}

// Entry is the function's Go main package, relative to the repository root.
func (f Function) Entry() string { return "./lambdas/" + f.Name }

// Reads is every variable the handler reads, sorted.
func (f Function) Reads() []string {
	out := slices.Concat(f.Set, f.SetSometimes, f.Unset)
	slices.Sort(out)
	return out
}

// dbConnection is what a function connecting as the app's login role reads.
var dbConnection = []string{EnvDBHost, EnvDBPort, EnvDBName, EnvDBUser, EnvDBIAMAuth}

// Tracing is what a function that makes spans reads (tracing.FromEnv).
func Tracing() []string {
	return []string{EnvOTLPEndpoint, EnvOTELServiceName, EnvOTELSampler, EnvOTELSamplerArg}
}

// API is the items API function. Each call returns a new value (as do
// Worker, Outbox, Migrate, Rotate and Functions): a caller changing its
// lists changes nobody else's.
func API() Function {
	return Function{
		Name:         "api",
		Set:          slices.Concat(dbConnection, []string{EnvStage, EnvAppConfigParam, EnvUploadsBucket, EnvEventTopicArn}, Tracing()),
		SetSometimes: []string{EnvDBProxy},
		Unset:        []string{EnvDatabaseURL, EnvVersion, EnvCORSOrigins},
	}
}

// Worker is the SQS consumer function.
func Worker() Function {
	return Function{
		Name:         "worker",
		Set:          slices.Concat(dbConnection, []string{EnvStage, EnvUploadsBucket}, Tracing()),
		SetSometimes: []string{EnvDBProxy},
		Unset:        []string{EnvDatabaseURL},
	}
}

// Outbox is the scheduled outbox relay function.
func Outbox() Function {
	return Function{
		Name:         "outbox",
		Set:          slices.Concat(dbConnection, []string{EnvStage, EnvEventTopicArn}, Tracing()),
		SetSometimes: []string{EnvDBProxy},
		Unset:        []string{EnvDatabaseURL, EnvOutboxMinAge, EnvOutboxBatchSize},
	}
}

// Migrate is the database-setup custom-resource function.
func Migrate() Function {
	return Function{
		Name:  "migrate",
		Set:   []string{EnvDBSecretArn, EnvAppDBUser},
		Unset: []string{EnvDatabaseURL, EnvDBSSLMode},
	}
}

// Rotate rotates the origin secret, in the stages whose API sits behind
// the site's web ACL (Staging and Prod).
func Rotate() Function {
	return Function{
		Name:  "rotate",
		Set:   []string{EnvStage, EnvWebAclArn, EnvWebAclRule, EnvOriginHeader, EnvDistributionID},
		Unset: []string{EnvWAFPropagation},
	}
}

// Functions lists every deployed function.
func Functions() []Function { return []Function{API(), Worker(), Outbox(), Migrate(), Rotate()} }

// ListValue is the values of a comma-separated variable (EnvCORSOrigins),
// trimmed, empty ones left out.
func ListValue(v string) []string {
	var out []string
	for _, e := range strings.Split(v, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}
