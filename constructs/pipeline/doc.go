// Package pipeline is a self-mutating CDK pipeline (CDK Pipelines) that tests,
// synthesizes and deploys the app's stages in order.
package pipeline
