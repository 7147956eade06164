package coldstart

import (
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/lambdatest"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const module = "github.com/stratus-cdk/stratus/"

// firstInvoke is, per function, what its first invoke gets and the
// environment it needs to answer it: the cold start a caller waits for.
func firstInvoke(name, dsn string) (env map[string]string, event string) {
	env = map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
		// Any AWS call fails at once: the benchmark measures the function, not a network.
		"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1",
		contract.EnvStage: "Bench",
	}
	switch name {
	case contract.API().Name:
		env[contract.EnvDatabaseURL], env[contract.EnvUploadsBucket] = dsn, "bench-uploads"
		return env, `{"httpMethod":"GET","path":"/v1/health","resource":"/v1/health","requestContext":{"stage":"v1"}}`
	case contract.Worker().Name:
		env[contract.EnvDatabaseURL], env[contract.EnvUploadsBucket] = dsn, "bench-uploads"
		return env, `{"Records":[]}`
	case contract.Outbox().Name:
		env[contract.EnvDatabaseURL], env[contract.EnvEventTopicArn] = dsn, "arn:aws:sns:eu-west-1:123456789012:events"
		return env, `{"source":"aws.events","detail-type":"Scheduled Event","detail":{}}`
	case contract.Migrate().Name:
		env[contract.EnvDatabaseURL], env[contract.EnvDBSSLMode] = dsn, "disable"
		return env, `{"RequestType":"Delete","ResourceProperties":{}}`
	case contract.Rotate().Name:
		env[contract.EnvWebAclArn] = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/Api/0123"
		env[contract.EnvWebAclRule], env[contract.EnvOriginHeader], env[contract.EnvDistributionID] = "OriginHeaderRequired", "X-Origin-Verify", "E2EXAMPLE"
		return env, `{"Step":"testSecret","SecretId":"s","ClientRequestToken":"t"}`
	}
	return env, `{}`
}

// BenchmarkColdStart reports, per function and for hello: size-MB (the
// linux/arm64 bootstrap, stripped, as deployed), cold-ms (emulator ready to
// first answer: process start, Go init, wiring, the first invoke), warm-ms
// (the second invoke) and x-hello (cold-ms over hello's, same run); and,
// against a Runtime API of the benchmark's own (initAndFirstInvoke),
// init-ms (process start to its first request for an event), first-ms (the
// first invoke after it) and init-x-hello (init-ms over hello's). It logs
// the five packages that weigh most in each binary (its ELF symbols). The
// build happens before the timer starts, so b.N grows past one.
func BenchmarkColdStart(b *testing.B) {
	rie := lambdatest.RIE(b)
	dsn := pgtest.NewDB(b)
	pkgs := map[string]string{"hello": "./testdata/hello"}
	names := []string{"hello"}
	for _, f := range contract.Functions() {
		pkgs[f.Name] = module + "lambdas/" + f.Name
		names = append(names, f.Name)
	}
	var helloCold, helloInit float64
	for _, name := range names {
		size, top := deployedSize(b, pkgs[name])
		// A benchmark with sub-benchmarks prints no log of its own.
		fmt.Printf("%s: %.2f MB; heaviest packages: %s\n", name, float64(size)/1e6, top)
		b.Run(name, func(b *testing.B) {
			bin := lambdatest.Build(b, pkgs[name])
			env, event := firstInvoke(name, dsn)
			var cold, warm, initD, first time.Duration
			b.ResetTimer()
			for range b.N {
				i, f, err := initAndFirstInvoke(b.Context(), bin, env, event)
				if err != nil {
					b.Fatal(err)
				}
				initD += i
				first += f
				fn, err := lambdatest.StartE(rie, bin, env)
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				_, _ = fn.InvokeE(context.Background(), []byte(event)) // a handler's error is an answer too
				cold += time.Since(start)
				start = time.Now()
				_, _ = fn.InvokeE(context.Background(), []byte(event))
				warm += time.Since(start)
				fn.Stop()
			}
			coldMs := float64(cold.Microseconds()) / 1000 / float64(b.N)
			initMs := float64(initD.Microseconds()) / 1000 / float64(b.N)
			if name == "hello" {
				helloCold, helloInit = coldMs, initMs
			}
			b.ReportMetric(initMs, "init-ms")
			b.ReportMetric(float64(first.Microseconds())/1000/float64(b.N), "first-ms")
			if helloInit > 0 {
				b.ReportMetric(initMs/helloInit, "init-x-hello")
			}
			b.ReportMetric(float64(size)/1e6, "size-MB")
			b.ReportMetric(coldMs, "cold-ms")
			b.ReportMetric(float64(warm.Microseconds())/1000/float64(b.N), "warm-ms")
			if helloCold > 0 {
				b.ReportMetric(coldMs/helloCold, "x-hello")
			}
		})
	}
}

// deployedSize builds pkg as gofunction deploys it (linux/arm64, stripped)
// and returns its size, with the five heaviest packages of an unstripped
// build of the same code.
func deployedSize(b *testing.B, pkg string) (int64, string) {
	b.Helper()
	dir := b.TempDir()
	build := func(out string, ldflags string) {
		cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc", "-ldflags", ldflags, "-o", out, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	stripped, full := filepath.Join(dir, "bootstrap"), filepath.Join(dir, "bootstrap.syms")
	build(stripped, "-s -w -buildid=")
	build(full, "-buildid=")
	st, err := os.Stat(stripped)
	if err != nil {
		b.Fatal(err)
	}
	top, err := heaviest(full, 5)
	if err != nil {
		b.Fatal(err)
	}
	return st.Size(), top
}

// heaviest sums the sizes of the ELF file's symbols by Go package and lists
// the n largest, "pkg 1.2MB, …": what go tool nm -size shows, without the
// symbols of sections that take no room in the file (BSS, such as
// crypto/internal/fips140/drbg's 32 MiB buffer).
func heaviest(path string, n int) (string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return "", err
	}
	by := map[string]uint64{}
	for _, s := range syms {
		if int(s.Section) >= len(f.Sections) || f.Sections[s.Section].Type == elf.SHT_NOBITS {
			continue
		}
		by[symbolPackage(s.Name)] += s.Size
	}
	type kv struct {
		pkg  string
		size uint64
	}
	var list []kv
	for p, s := range by {
		list = append(list, kv{p, s})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].size > list[j].size })
	var out []string
	for i := 0; i < n && i < len(list); i++ {
		out = append(out, fmt.Sprintf("%s %.1fMB", list[i].pkg, float64(list[i].size)/1e6))
	}
	return strings.Join(out, ", "), nil
}

// symbolPackage is the package of a Go symbol: "github.com/a/b.(*T).M" →
// "github.com/a/b"; runtime data without a package is "(other)".
func symbolPackage(sym string) string {
	slash := strings.LastIndex(sym, "/")
	dot := strings.Index(sym[slash+1:], ".")
	if dot < 0 {
		return "(other)"
	}
	return strings.TrimPrefix(sym[:slash+1+dot], "type:")
}

// Each function links only what it uses; what is banned here cost a bootstrap a megabyte or so,
// measured (README, Performance): no protobuf (the OTLP exporter writes JSON), no OpenTelemetry in
// the untraced functions (migrate, rotate), no SDK client of SNS or SSM (package awscall
// makes their calls), and no JSON Schema library in api (its package init).
func TestFunctionsLinkOnlyWhatTheyUse(t *testing.T) {
	clients := []string{"google.golang.org/protobuf", "github.com/aws/aws-sdk-go-v2/service/sns", "github.com/aws/aws-sdk-go-v2/service/ssm"}
	traced, untraced := slices.Concat(clients, []string{"go.opentelemetry.io/proto"}), slices.Concat(clients, []string{"go.opentelemetry.io"})
	// api validates bodies with httpapi's bodySchema: jsonschema's init cost it 6 ms of every cold start.
	api := slices.Concat(traced, []string{"github.com/santhosh-tekuri/jsonschema"})
	for fn, banned := range map[string][]string{"api": api, "worker": traced, "outbox": traced, "migrate": untraced, "rotate": untraced} {
		cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", module+"lambdas/"+fn)
		cmd.Env = append(cmd.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		for _, pkg := range strings.Fields(string(out)) {
			for _, b := range banned {
				if strings.HasPrefix(pkg, b) {
					t.Errorf("%s links %s", fn, pkg)
				}
			}
		}
	}
}
