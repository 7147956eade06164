package statelock

// statefulTypes are the resource types the lock guards, each with what is
// lost when CloudFormation deletes one: the text of the consequence in
// Problem lines. Add a type here and `make lock` starts recording it.
// Unexported, so no caller can change what the lock guards; IsStateful
// asks it.
var statefulTypes = map[string]string{
	"AWS::RDS::DBCluster":         "all data lost",
	"AWS::RDS::DBInstance":        "the instance and any data only it holds lost (an Aurora member's data stays in the cluster volume)",
	"AWS::S3::Bucket":             "every object lost",
	"AWS::Cognito::UserPool":      "every user account lost: users must sign up again",
	"AWS::KMS::Key":               "everything encrypted under the key unreadable once the key is deleted",
	"AWS::SecretsManager::Secret": "the secret's value lost",
	"AWS::SQS::Queue":             "every message in the queue lost",
	"AWS::Logs::LogGroup":         "its logs lost",
	"AWS::EC2::VPC":               "the network recreated, with everything placed in it",
	"AWS::EC2::Subnet":            "the subnet recreated, with everything placed in it",
	"AWS::Backup::BackupVault":    "its recovery points left behind: a new vault starts empty, with none of them to restore or copy",
}

// IsStateful reports whether the lock guards resources of the type.
func IsStateful(resourceType string) bool {
	_, ok := statefulTypes[resourceType]
	return ok
}

// retains reports whether a policy keeps the data: Retain (and
// RetainExceptOnCreate) keep the resource, Snapshot a final snapshot.
func retains(policy string) bool {
	switch policy {
	case "Retain", "RetainExceptOnCreate", "Snapshot":
		return true
	}
	return false
}
