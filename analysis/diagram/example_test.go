package diagram_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/stratus-cdk/stratus/analysis/diagram"
)

// A cloud assembly of one stack: a topic whose subscription feeds a queue,
// and a function that polls the queue. The edges come from the wiring in
// the template (the subscription, the event source mapping), not from names.
func Example() {
	dir, err := os.MkdirTemp("", "cdk.out")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	files := map[string]string{
		"manifest.json": `{"artifacts": {"Jobs": {"type": "aws:cloudformation:stack",
			"environment": "aws://unknown-account/eu-west-1",
			"properties": {"templateFile": "Jobs.template.json"}}}}`,
		// The construct tree names the resources; a function it does not
		// list (a custom resource's provider) is plumbing, left out.
		"tree.json": `{"tree": {"id": "App", "path": "", "children": {"Jobs": {"id": "Jobs", "path": "Jobs", "children": {
			"Worker": {"id": "Worker", "path": "Jobs/Worker", "attributes": {"aws:cdk:cloudformation:logicalId": "Worker"}}}}}}}`,
		"Jobs.template.json": `{"Resources": {
			"Topic": {"Type": "AWS::SNS::Topic"},
			"Queue": {"Type": "AWS::SQS::Queue"},
			"Subscription": {"Type": "AWS::SNS::Subscription", "Properties": {"Protocol": "sqs",
				"TopicArn": {"Ref": "Topic"}, "Endpoint": {"Fn::GetAtt": ["Queue", "Arn"]}}},
			"Worker": {"Type": "AWS::Lambda::Function"},
			"WorkerSource": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
				"EventSourceArn": {"Fn::GetAtt": ["Queue", "Arn"]}, "FunctionName": {"Ref": "Worker"}}}}}`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			log.Fatal(err)
		}
	}

	g, err := diagram.Build(dir, diagram.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(g.Mermaid())
	// Output:
	// flowchart TB
	//   subgraph group_Jobs["Jobs stack"]
	//     Jobs_Queue["SQS<br/>Queue"]
	//     Jobs_Topic["SNS<br/>Topic"]
	//     Jobs_Worker["Lambda<br/>Worker"]
	//   end
	//   Jobs_Queue --> Jobs_Worker
	//   Jobs_Topic --> Jobs_Queue
}
