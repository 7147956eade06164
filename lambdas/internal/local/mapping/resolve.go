package mapping

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"
)

// Locals are what the template's tokens resolve to in the local stack: the identities of the
// stand-ins. A Ref to a resource not in Refs gets a local name derived from its stack and logical
// id (see [Assembly.Resolve]), as CloudFormation derives one for a resource the template leaves
// unnamed.
type Locals struct {
	// Refs are what a {"Ref": …} to a resource resolves to, by resource (the user pool's id, the
	// app client's id: the names the local Cognito answers to).
	Refs map[*Resource]string
	// Region and Account are AWS::Region and AWS::AccountId. Default: "local", "000000000000".
	Region, Account string
}

func (l Locals) region() string  { return cmp.Or(l.Region, "local") }
func (l Locals) account() string { return cmp.Or(l.Account, "000000000000") }

// Resolve resolves v, a property value of a resource of r's stack, to the string it is in the
// local stack: strings as they are; Ref, Fn::GetAtt and Fn::Join; the pseudo parameters; and
// Fn::GetStackOutput and Fn::ImportValue, through the output of the stack (of this assembly) that
// they name. Anything else, and a Ref or attribute that has no local counterpart, is an error
// saying which.
func (a *Assembly) Resolve(r *Resource, v any, l Locals) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case float64, bool:
		return fmt.Sprint(v), nil
	case map[string]any:
		if len(v) != 1 {
			break
		}
		for fn, arg := range v {
			return a.resolveIntrinsic(r.Stack, fn, arg, l)
		}
	}
	return "", fmt.Errorf("is %s, which the local stack cannot resolve", describe(v))
}

func (a *Assembly) resolveIntrinsic(s *Stack, fn string, arg any, l Locals) (string, error) {
	switch fn {
	case "Ref":
		id, _ := arg.(string)
		switch id {
		case "AWS::Region":
			return l.region(), nil
		case "AWS::AccountId":
			return l.account(), nil
		case "AWS::Partition":
			return "aws", nil
		case "AWS::URLSuffix":
			return "amazonaws.com", nil
		case "AWS::StackName":
			return s.Name, nil
		}
		if t := s.Resources[id]; t != nil {
			return l.Ref(t), nil
		}
		return "", fmt.Errorf("refers to %q, which is not a resource of %s", id, s.Name)
	case "Fn::GetAtt":
		att, _ := arg.([]any)
		if len(att) == 2 {
			id, _ := att[0].(string)
			name, _ := att[1].(string)
			if t := s.Resources[id]; t != nil {
				return l.attribute(t, name)
			}
		}
		return "", fmt.Errorf("is a Fn::GetAtt of %s, which is not a resource of %s", describe(arg), s.Name)
	case "Fn::Join":
		parts, _ := arg.([]any)
		if len(parts) == 2 {
			sep, _ := parts[0].(string)
			list, _ := parts[1].([]any)
			out := make([]string, len(list))
			for i, p := range list {
				v, err := a.Resolve(&Resource{Stack: s}, p, l)
				if err != nil {
					return "", err
				}
				out[i] = v
			}
			return strings.Join(out, sep), nil
		}
	case "Fn::GetStackOutput":
		m, _ := arg.(map[string]any)
		name, _ := m["StackName"].(string)
		output, _ := m["OutputName"].(string)
		other := a.stackNamed(name)
		if other == nil {
			return "", fmt.Errorf("reads an output of stack %q, which is not in %s", name, a.Dir)
		}
		out, ok := other.Outputs[output]
		if !ok {
			return "", fmt.Errorf("reads output %s of %s, which has none by that name", output, other.Name)
		}
		return a.Resolve(&Resource{Stack: other}, out.Value, l)
	case "Fn::ImportValue":
		export, _ := arg.(string)
		for _, other := range a.Stacks {
			for _, out := range other.Outputs {
				if out.Export != nil && out.Export.Name == export {
					return a.Resolve(&Resource{Stack: other}, out.Value, l)
				}
			}
		}
		return "", fmt.Errorf("imports %q, which no stack of %s exports", export, a.Dir)
	}
	return "", fmt.Errorf("is an unresolved %s, which the local stack cannot resolve", fn)
}

// stackNamed is the stack whose CloudFormation name is name ("Dev-App"). In a folder of templates
// only, where stacks are named by their files ("App"), it is the one that name ends in.
func (a *Assembly) stackNamed(name string) *Stack {
	for _, s := range a.Stacks {
		if s.StackName == name || (s.StackName == "" && strings.HasSuffix(name, "-"+s.Name)) || s.Name == name {
			return s
		}
	}
	return nil
}

// Ref is what a Ref to r resolves to locally: Refs' entry, the name the template gives it, or one
// derived from its stack and logical id.
func (l Locals) Ref(r *Resource) string {
	if v, ok := l.Refs[r]; ok {
		return v
	}
	name := localName(r)
	switch r.Type {
	case "AWS::SNS::Topic":
		return "arn:aws:sns:" + l.region() + ":" + l.account() + ":" + name
	case "AWS::SQS::Queue":
		return "http://sqs.local/" + l.account() + "/" + name
	case "AWS::SSM::Parameter":
		if !strings.HasPrefix(name, "/") {
			return "/local/" + name
		}
	}
	return name
}

// attribute is what Fn::GetAtt of r's attribute name resolves to locally: ARNs from the local
// name; what has no local counterpart is an error.
func (l Locals) attribute(r *Resource, name string) (string, error) {
	local := l.Ref(r)
	switch {
	case name == "Arn" && r.Type == "AWS::S3::Bucket":
		return "arn:aws:s3:::" + local, nil
	case name == "Arn" && r.Type == "AWS::SQS::Queue":
		return "arn:aws:sqs:" + l.region() + ":" + l.account() + ":" + localName(r), nil
	case name == "TopicArn" && r.Type == "AWS::SNS::Topic", name == "Arn" && r.Type == "AWS::SNS::Topic":
		return local, nil
	case name == "Arn" && r.Type == "AWS::Lambda::Function":
		return "arn:aws:lambda:" + l.region() + ":" + l.account() + ":function:" + local, nil
	}
	return "", fmt.Errorf("is attribute %s of %s, which has no local counterpart", name, r)
}

// namePropertyOf is the property that names a resource of each type, where the template may set it.
var namePropertyOf = map[string]string{
	"AWS::S3::Bucket":       "BucketName",
	"AWS::SSM::Parameter":   "Name",
	"AWS::SNS::Topic":       "TopicName",
	"AWS::SQS::Queue":       "QueueName",
	"AWS::Lambda::Function": "FunctionName",
}

var notNameChars = regexp.MustCompile(`[^a-z0-9-]+`)

// localName is the name r has in the template, or "<stack>-<logical id>", lower-cased to what
// every one of these services accepts (S3's bucket names are the narrowest).
func localName(r *Resource) string {
	if p, ok := namePropertyOf[r.Type]; ok {
		if s, ok := r.Prop(p).(string); ok && s != "" {
			return s
		}
	}
	name := notNameChars.ReplaceAllString(strings.ToLower(r.Stack.Name+"-"+r.LogicalID), "-")
	if len(name) > 63 {
		name = name[:63]
	}
	return strings.Trim(name, "-")
}
