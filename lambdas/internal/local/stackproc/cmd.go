package stackproc

import (
	"context"
	"flag"
	"fmt"
	"os/exec"
	"path/filepath"
)

// ShortForm applies a command's short form (-short): each function of apply, keyed by a flag's name,
// sets that flag's field to its short-form value, unless the flag was given on the command line.
// Call it after flag.Parse.
func ShortForm(apply map[string]func()) {
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for name, f := range apply {
		if !set[name] {
			f()
		}
	}
}

// BuildServer builds bin/stratus-local's command into dir and returns the binary's path: the tests
// of the commands run the server they drive as `make` builds it.
func BuildServer(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "stratus-local")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/stratus-cdk/stratus/lambdas/cmd/stratus-local").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build the local server: %v\n%s", err, out)
	}
	return bin, nil
}
