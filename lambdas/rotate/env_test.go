package main

import (
	"testing"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/lambdatest"
)

func TestReadsWhatTheContractDeclares(t *testing.T) {
	lambdatest.CheckEnv(t, contract.Rotate(), func(getenv func(string) string) { _, _, _ = loadConfig(getenv) })
}
