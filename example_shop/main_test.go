package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestParseOptions(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		name    string
		args    []string
		env     func(string) string
		check   func(t *testing.T, o options)
		wantErr string
	}{
		{"defaults", nil, env(), func(t *testing.T, o options) {
			// Demo mode listens on loopback only.
			if o.addr != "127.0.0.1:8080" || o.publicURL != "http://127.0.0.1:8080" || !o.demo || o.databaseURL != "" ||
				o.seedProducts != 0 || o.serve || filepath.Base(o.sqlitePath) != "shop.db" || !filepath.IsAbs(o.sqlitePath) {
				t.Errorf("defaults: %+v", o)
			}
		}, ""},
		{"defaults outside demo mode", nil, env("SHOPGATE_CUSTOMER_NUMBER", "12345"), func(t *testing.T, o options) {
			if o.addr != ":8080" || o.publicURL != "http://localhost:8080" || o.demo || o.keyFile == "" {
				t.Errorf("defaults: %+v", o)
			}
		}, ""},
		{"env", nil, env("ADDR", "127.0.0.1:9000", "DATABASE_URL", "postgres://x/y", "SHOPGATE_CUSTOMER_NUMBER", "12345", "PUBLIC_URL", "https://shop.example.com"),
			func(t *testing.T, o options) {
				if o.addr != "127.0.0.1:9000" || o.databaseURL != "postgres://x/y" || o.demo || o.publicURL != "https://shop.example.com" {
					t.Errorf("env: %+v", o)
				}
			}, ""},
		{"flags win over env", []string{"-addr", ":7000", "-db", "other.db", "-data-dir", "/srv/shop", "-seed-products", "1000", "-serve"}, env("ADDR", ":9000"),
			func(t *testing.T, o options) {
				if o.addr != ":7000" || o.sqlitePath != "/srv/shop/other.db" || o.dataDir != "/srv/shop" || o.seedProducts != 1000 || !o.serve ||
					o.publicURL != "http://localhost:7000" {
					t.Errorf("flags: %+v", o)
				}
			}, ""},
		{"absolute db", []string{"-db", "/tmp/x.db"}, env(), func(t *testing.T, o options) {
			if o.sqlitePath != "/tmp/x.db" {
				t.Errorf("db path %q", o.sqlitePath)
			}
		}, ""},
		{"negative count", []string{"-seed-products", "-1"}, env(), nil, "negative"},
		{"stray argument", []string{"serve"}, env(), nil, "unexpected argument"},
		{"unknown flag", []string{"-nope"}, env(), nil, "not defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseOptions(tc.args, tc.env, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, o)
		})
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	var stderr strings.Builder
	if code := run([]string{"-seed-products", "x"}, func(string) string { return "" }, &stderr); code != 2 {
		t.Errorf("exit code %d, want 2", code)
	}
	getenv := func(k string) string {
		if k == "DATABASE_URL" {
			return "mysql://nope"
		}
		return ""
	}
	if code := run([]string{"-data-dir", t.TempDir()}, getenv, io.Discard); code != 1 {
		t.Errorf("unsupported DATABASE_URL: exit code %d, want 1", code)
	}
}

func TestOpenDBSQLiteSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := openDB("", path, zapNop())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if s, err := db.DB(); err == nil {
			s.Close()
		}
	}()
	var mode string
	var timeout, fk int
	db.Raw("PRAGMA journal_mode").Scan(&mode)
	db.Raw("PRAGMA busy_timeout").Scan(&timeout)
	db.Raw("PRAGMA foreign_keys").Scan(&fk)
	if mode != "wal" || timeout != 10000 || fk != 1 {
		t.Errorf("journal_mode=%s busy_timeout=%d foreign_keys=%d, want wal 10000 1", mode, timeout, fk)
	}
}

func TestServeStopsGracefully(t *testing.T) {
	a := newTestApp(t, openSQLite(t))
	ran := make(chan struct{})
	stopped := make(chan struct{})
	a.Background(func(ctx context.Context) {
		close(ran)
		<-ctx.Done()
		close(stopped)
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, "127.0.0.1:0") }()
	<-ran
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	select {
	case <-stopped:
	default:
		t.Error("Serve returned before its background task stopped")
	}
}

// TestHelpListsEveryEnvironmentVariable: "-h" names every variable the
// shop's sources read with os.Getenv, os.LookupEnv or getenv.
func TestHelpListsEveryEnvironmentVariable(t *testing.T) {
	var out bytes.Buffer
	if _, err := parseOptions([]string{"-h"}, func(string) string { return "" }, &out); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?:Getenv|LookupEnv|getenv)\("([A-Z0-9_]+)"\)`)
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			seen++
			if !strings.Contains(out.String(), "  "+m[1]+" ") {
				t.Errorf("%s reads %s, but -h does not list it", f, m[1])
			}
		}
	}
	if seen < 15 {
		t.Errorf("found only %d environment reads; is the pattern still right?", seen)
	}
}
