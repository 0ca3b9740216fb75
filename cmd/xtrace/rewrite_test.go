package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/gzip"
)

// TestRewrite: `xtrace -r IN -w OUT [filter]` writes exactly the bytes
// sysdig 0.29.3 writes for the same command (both references were written
// by sysdig itself, see testdata/captures/README.md), -z gzips the same
// bytes, and the file is created 0600.
func TestRewrite(t *testing.T) {
	const in = "../../testdata/captures/libs_single_ipv6_conn.scap"
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"plain", nil, "sysdig0293_rewrite_single_ipv6_conn.scap"},
		{"fatfile", []string{"-F", "evt.type=connect"}, "sysdig0293_fatfile_connect.scap"},
		{"gzip", []string{"-z"}, "sysdig0293_rewrite_single_ipv6_conn.scap"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, c.name+".scap")
			args := append([]string{"-r", in, "-w", out}, c.args...)
			stdout, stderr, code := runXtrace(args)
			if code != 0 || len(stdout) != 0 {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", fi.Mode().Perm())
			}
			if bytes.HasPrefix(got, []byte{0x1f, 0x8b}) {
				zr, err := gzip.NewReader(bytes.NewReader(got))
				if err != nil {
					t.Fatal(err)
				}
				if got, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile("../../testdata/captures/" + c.want)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("wrote %d bytes that differ from sysdig's %d", len(got), len(want))
			}
		})
	}
}
