// Package scap reads and writes sysdig capture files ("scap" format, as read
// by Debian's sysdig 0.29.3 and by tshark).
//
// A capture is a pcapng-like sequence of blocks:
//
//	+------------+--------------+-----------------------+---------+------------+
//	| type (u32) | length (u32) | body                  | padding | length u32 |
//	+------------+--------------+-----------------------+---------+------------+
//	  length = 8 + len(body) + padding + 4, a multiple of 4; all little-endian
//
// A section starts with a section header block (SHB), then metadata blocks
// (machine info, interface list, user list, process list, one fd list per
// thread) and then only event blocks. A file may hold several sections.
// The whole byte stream may be gzip-compressed; [NewReader] detects that by
// its magic bytes, whatever the file name.
//
// [Reader] streams events with constant memory: [Reader.Next] returns an
// [Event] whose buffers belong to the reader and are reused by the next
// call. [Writer] writes the layout sysdig 0.29.3 itself writes (SHB 1.2,
// MI, IL v2, UL v2, PL v9, FDL v2, EV/EVF v2 blocks), one whole block at a
// time, so a capture cut short by a crash reads up to its last event.
//
// The format is described in docs/scap-format.md (derived from
// falcosecurity/libs e5c53d64 userspace/libscap/scap_savefile.c and checked
// against sysdig 0.29.3 and tshark 4.0).
package scap
