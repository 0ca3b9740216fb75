// Package chiselsjs holds xtrace's built-in chisels, JavaScript ports of
// the chisels sysdig 0.29.3 ships (see docs/chisels.md), and the modules
// they share. Package chisel reads them from FS.
package chiselsjs

import "embed"

// FS holds the built-in chisels (*.js at the top level) and the modules
// they require (lib/*.js).
//
//go:embed *.js lib/*.js
var FS embed.FS
