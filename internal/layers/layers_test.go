// Package layers holds no code: its test enforces the import rules of
// docs/architecture.md#import-rules, so that a change which lets a protocol
// package reach into the shop, or the schema reach into a service, fails
// the suite instead of drifting unnoticed.
package layers

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/shopbridge/shopbridge"

// goList runs go list in the module root with args and returns one line
// per package or import.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.Fields(string(out))
}

func TestImportRules(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	shopSide := []string{
		module + "/adapters", module + "/gormmodels", module + "/outbox",
		module + "/orders", module + "/handlers", module + "/middleware",
		module + "/dropship", module + "/example_shop", module + "/pgconnect", "gorm.io/gorm",
	}
	tests := []struct {
		name      string
		pattern   string
		deps      bool // whole dependency closure, tests included
		forbidden []string
	}{
		{"protocol package shopgate knows no shop", "./shopgate/...", true, shopSide},
		{"protocol package drophero knows no shop", "./drophero/...", true, shopSide},
		{"gormmodels (schema only) imports no shopbridge package", "./gormmodels", false, []string{module + "/"}},
		{"pgconnect (how the host dials PostgreSQL) imports no shopbridge package", "./pgconnect", false, []string{module + "/"}},
		{"nothing imports the example shop", "./...", true, []string{module + "/example_shop"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pkgs []string
			if tt.deps {
				// -test adds the packages' tests and their imports, so a
				// fake or an example cannot break the rule either.
				pkgs = goList(t, "-deps", "-test", tt.pattern)
			} else {
				pkgs = goList(t, "-f", `{{join .Imports "\n"}}`, tt.pattern)
			}
			roots := goList(t, tt.pattern)
			isRoot := map[string]bool{}
			for _, r := range roots {
				isRoot[r] = true
			}
			for _, p := range pkgs {
				p = strings.TrimSuffix(strings.Fields(p + " ")[0], ".test")
				if isRoot[p] && tt.pattern == "./..." {
					// ./... lists every package, example_shop included.
					continue
				}
				for _, f := range tt.forbidden {
					if p == f || strings.HasPrefix(p, strings.TrimSuffix(f, "/")+"/") {
						t.Errorf("%s depends on %s", tt.pattern, p)
					}
				}
			}
		})
	}
}
