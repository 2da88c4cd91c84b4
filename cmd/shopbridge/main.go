// Command shopbridge is the command-line companion of the shopbridge
// library.
//
//	go install github.com/shopbridge/shopbridge/cmd/shopbridge@latest
//
// Usage:
//
//	shopbridge <command> [arguments]
//
// Commands:
//
//	call    send a signed Plugin API request to a shop and print the answer
//	check   answer Shopgate's 15-question connection checklist against a
//	        running shop, with evidence and fix hints
//
// "shopbridge -h" lists the commands, "shopbridge <command> -h" documents
// a command's flags and environment variables.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], env{
		getenv: os.Getenv,
		stdout: os.Stdout,
		stderr: os.Stderr,
		client: http.DefaultClient,
		now:    time.Now,
	}))
}

// env is what a command gets from the process, passed in for tests.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
	client *http.Client
	now    func() time.Time
}

// command is one subcommand of shopbridge.
type command struct {
	name    string
	summary string
	run     func(args []string, e env) int
}

// commands lists the subcommands in the order "shopbridge -h" shows them.
var commands = []command{
	{name: "call", summary: "send a signed Plugin API request to a shop and print the answer", run: runCall},
	{name: "check", summary: "answer Shopgate's 15-question connection checklist against a running shop", run: runCheck},
}

// usage is the top-level help text.
func usage() string {
	var b strings.Builder
	b.WriteString(`usage: shopbridge <command> [arguments]

shopbridge is the command-line companion of the shopbridge library.

Commands:

`)
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-8s%s\n", c.name, c.summary)
	}
	b.WriteString(`
Run "shopbridge <command> -h" for a command's flags and environment
variables.
`)
	return b.String()
}

// run dispatches args to a subcommand and returns the exit code: 0 on
// success, 1 when the command failed, 2 for a usage error.
func run(args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage())
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stdout, usage())
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(args[1:], e)
		}
	}
	fmt.Fprintf(e.stderr, "shopbridge: unknown command %q\n\n%s", args[0], usage())
	return 2
}
