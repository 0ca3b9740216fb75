package ring

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"xtrace/internal/testutil"
)

// TestLayout compiles a program that prints the offsets and constants of
// agent/src/ring.h and compares them with layout.go.
func TestLayout(t *testing.T) {
	gcc := testutil.LookTool(t, "gcc")
	dir := t.TempDir()
	src := filepath.Join(dir, "layout.c")
	prog := `#include <stdio.h>
#include <stddef.h>
#include "ring.h"
#define P(name, v) printf("%s %lu\n", name, (unsigned long)(v))
int main(void) {
	P("Magic", XA_MAGIC); P("Page", XA_PAGE); P("NRings", XA_NRINGS);
	P("RingBytes", XA_RING_BYTES); P("RingStride", XA_RING_STRIDE); P("RegionBytes", XA_REGION_BYTES);
	P("hdrMagic", offsetof(struct xa_header, magic)); P("hdrNRings", offsetof(struct xa_header, nrings));
	P("hdrRingBytes", offsetof(struct xa_header, ring_bytes)); P("hdrDoorbell", offsetof(struct xa_header, doorbell));
	P("hdrSleeping", offsetof(struct xa_header, sleeping)); P("hdrClaims", offsetof(struct xa_header, claims));
	P("hdrSnaplen", offsetof(struct xa_header, snaplen));
	P("hdrClosed", offsetof(struct xa_header, closed)); P("hdrXtracePid", offsetof(struct xa_header, xtrace_pid));
	P("hdrActive", offsetof(struct xa_header, active)); P("activeBits", 8 * sizeof(((struct xa_header *)0)->active));
	P("chunkAddr", offsetof(struct xa_chunk, addr)); P("chunkLen", offsetof(struct xa_chunk, len));
	P("chunkFlags", offsetof(struct xa_chunk, flags)); P("chunkBytes", sizeof(struct xa_chunk));
	P("ChunkFault", XA_CHUNK_FAULT); P("chunkEnd", XA_CHUNK_END); P("chunkFact", XA_CHUNK_FACT);
	P("factFd", XA_FACT_FD); P("factVM", XA_FACT_VM);
	P("factFdBytes", sizeof(struct xa_fact_fd)); P("factFdFd", offsetof(struct xa_fact_fd, fd));
	P("factFdOK", offsetof(struct xa_fact_fd, ok)); P("factFdDev", offsetof(struct xa_fact_fd, dev));
	P("factFdIno", offsetof(struct xa_fact_fd, ino));
	P("factVMBytes", sizeof(struct xa_fact_vm)); P("factVMSize", offsetof(struct xa_fact_vm, size));
	P("factVMRSS", offsetof(struct xa_fact_vm, rss)); P("factVMSwap", offsetof(struct xa_fact_vm, swap));
	P("factSock", XA_FACT_SOCK); P("factSockBytes", sizeof(struct xa_fact_sock));
	P("factSockFd", offsetof(struct xa_fact_sock, fd)); P("factSockNameRet", offsetof(struct xa_fact_sock, name_ret));
	P("factSockPeerRet", offsetof(struct xa_fact_sock, peer_ret)); P("factSockNameLen", offsetof(struct xa_fact_sock, name_len));
	P("factSockPeerLen", offsetof(struct xa_fact_sock, peer_len)); P("factSockName", offsetof(struct xa_fact_sock, name));
	P("factSockPeer", offsetof(struct xa_fact_sock, peer)); P("factSockAddrSize", sizeof(((struct xa_fact_sock *)0)->name));
	P("factSockPeerSize", sizeof(((struct xa_fact_sock *)0)->peer));
	P("factFile", XA_FACT_FILE); P("factFileBytes", sizeof(struct xa_fact_file));
	P("factFileFile", offsetof(struct xa_fact_file, file)); P("factFileRet", offsetof(struct xa_fact_file, ret));
	P("factTask", XA_FACT_TASK); P("factTaskBytes", sizeof(struct xa_fact_task));
	P("factTaskHave", offsetof(struct xa_fact_task, have)); P("factTaskLimitRet", offsetof(struct xa_fact_task, limit_ret));
	P("factTaskFDLimit", offsetof(struct xa_fact_task, fdlimit)); P("factTaskExeRet", offsetof(struct xa_fact_task, exe_ret));
	P("factTaskExeRdonly", offsetof(struct xa_fact_task, exe_rdonly)); P("factTaskExeMode", offsetof(struct xa_fact_task, exe_mode));
	P("factTaskExeUID", offsetof(struct xa_fact_task, exe_uid)); P("factTaskExeGID", offsetof(struct xa_fact_task, exe_gid));
	P("FileStatus", XA_FILE_STATUS); P("FileStat", XA_FILE_STAT); P("FileComm", XA_FILE_COMM);
	P("FileCmdline", XA_FILE_CMDLINE); P("FileEnviron", XA_FILE_ENVIRON); P("FileLoginUID", XA_FILE_LOGINUID);
	P("FileCgroup", XA_FILE_CGROUP);
	P("TaskCmdline", XA_PROC_CMDLINE); P("TaskEnviron", XA_PROC_ENVIRON); P("TaskLoginUID", XA_PROC_LOGINUID);
	P("TaskExe", XA_PROC_EXE); P("TaskCgroup", XA_PROC_CGROUP);
	P("hdrFlags", offsetof(struct xa_header, flags)); P("hdrSwap", XA_HDR_SWAP); P("hdrHandover", XA_HDR_HANDOVER); P("hdrHandoverPriv", XA_HDR_HANDOVER_PRIV);
	P("ringState", offsetof(struct xa_ring, state)); P("ringTid", offsetof(struct xa_ring, tid));
	P("ringPid", offsetof(struct xa_ring, pid)); P("ringGen", offsetof(struct xa_ring, gen));
	P("ringExecNR", offsetof(struct xa_ring, exec_nr)); P("ringSolo", offsetof(struct xa_ring, exec_solo));
	P("ringHead", offsetof(struct xa_ring, head)); P("ringTail", offsetof(struct xa_ring, tail));
	P("ringWaiting", offsetof(struct xa_ring, waiting));
	P("recLen", offsetof(struct xa_rec, len)); P("recKind", offsetof(struct xa_rec, kind));
	P("recFlags", offsetof(struct xa_rec, flags)); P("recTid", offsetof(struct xa_rec, tid));
	P("recNR", offsetof(struct xa_rec, nr)); P("recTSC", offsetof(struct xa_rec, tsc));
	P("recArgs", offsetof(struct xa_enter, args)); P("recRet", offsetof(struct xa_exit, ret));
	P("EnterBytes", sizeof(struct xa_enter)); P("ExitBytes", sizeof(struct xa_exit));
	P("SignalBytes", sizeof(struct xa_signal)); P("sigCode", offsetof(struct xa_signal, code));
	P("sigPid", offsetof(struct xa_signal, pid)); P("sigUID", offsetof(struct xa_signal, uid));
	P("KindSignal", XA_REC_SIGNAL);
	P("ChildBytes", sizeof(struct xa_child)); P("childFlags", offsetof(struct xa_child, flags));
	P("childPtid", offsetof(struct xa_child, ptid)); P("childPpid", offsetof(struct xa_child, ppid));
	P("ImageBytes", sizeof(struct xa_image)); P("imagePpid", offsetof(struct xa_image, ppid));
	P("KindChild", XA_REC_CHILD); P("KindImage", XA_REC_IMAGE); P("recSync", XA_REC_SYNC); P("recAlien", XA_REC_ALIEN); P("recStatic", XA_REC_STATIC);
	P("StateFree", XA_FREE); P("StateOwned", XA_OWNED); P("StateClosed", XA_CLOSED);
	P("KindPad", XA_REC_PAD); P("KindEnter", XA_REC_ENTER); P("KindExit", XA_REC_EXIT);
	return 0;
}
`
	if err := os.WriteFile(src, []byte(prog), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "layout")
	if out, err := exec.Command(gcc, "-I", "../src", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{
		"Magic": Magic, "Page": Page, "NRings": NRings, "RingBytes": RingBytes,
		"RingStride": RingStride, "RegionBytes": RegionBytes,
		"hdrMagic": hdrMagic, "hdrNRings": hdrNRings, "hdrRingBytes": hdrRingBytes,
		"hdrDoorbell": hdrDoorbell, "hdrSleeping": hdrSleeping, "hdrClaims": hdrClaims, "hdrSnaplen": hdrSnaplen, "hdrClosed": hdrClosed, "hdrXtracePid": hdrXtracePid, "hdrActive": hdrActive, "activeBits": NRings,
		"chunkAddr": chunkAddr, "chunkLen": chunkLen, "chunkFlags": chunkFlags, "chunkBytes": chunkBytes,
		"ChunkFault": ChunkFault, "chunkEnd": chunkEnd, "chunkFact": chunkFact,
		"factFd": factFd, "factVM": factVM, "factFdBytes": factFdBytes, "factFdFd": factFdFd,
		"factFdOK": factFdOK, "factFdDev": factFdDev, "factFdIno": factFdIno,
		"factVMBytes": factVMBytes, "factVMSize": factVMSize, "factVMRSS": factVMRSS, "factVMSwap": factVMSwap,
		"factSock": factSock, "factSockBytes": factSockBytes, "factSockFd": factSockFd,
		"factSockNameRet": factSockNameRet, "factSockPeerRet": factSockPeerRet,
		"factSockNameLen": factSockNameLen, "factSockPeerLen": factSockPeerLen,
		"factSockName": factSockName, "factSockPeer": factSockPeer,
		"factSockAddrSize": factSockAddrSize, "factSockPeerSize": factSockAddrSize,
		"factFile": factFile, "factFileBytes": factFileBytes, "factFileFile": factFileFile, "factFileRet": factFileRet,
		"factTask": factTask, "factTaskBytes": factTaskBytes, "factTaskHave": factTaskHave,
		"factTaskLimitRet": factTaskLimitRet, "factTaskFDLimit": factTaskFDLimit, "factTaskExeRet": factTaskExeRet,
		"factTaskExeRdonly": factTaskExeRdonly, "factTaskExeMode": factTaskExeMode,
		"factTaskExeUID": factTaskExeUID, "factTaskExeGID": factTaskExeGID,
		"FileStatus": uint64(FileStatus), "FileStat": uint64(FileStat), "FileComm": uint64(FileComm),
		"FileCmdline": uint64(FileCmdline), "FileEnviron": uint64(FileEnviron),
		"FileLoginUID": uint64(FileLoginUID), "FileCgroup": uint64(FileCgroup),
		"TaskCmdline": TaskCmdline, "TaskEnviron": TaskEnviron, "TaskLoginUID": TaskLoginUID,
		"TaskExe": TaskExe, "TaskCgroup": TaskCgroup,
		"hdrFlags": hdrFlags, "hdrSwap": hdrSwap, "hdrHandover": hdrHandover, "hdrHandoverPriv": hdrHandoverPriv,
		"ringState": ringState, "ringTid": ringTid, "ringPid": ringPid, "ringGen": ringGen, "ringExecNR": ringExecNR, "ringSolo": ringSolo,
		"ringHead": ringHead, "ringTail": ringTail, "ringWaiting": ringWaiting,
		"recLen": recLen, "recKind": recKind, "recFlags": recFlags, "recTid": recTid,
		"recNR": recNR, "recTSC": recTSC, "recArgs": recArgs, "recRet": recRet,
		"EnterBytes": EnterBytes, "ExitBytes": ExitBytes,
		"SignalBytes": SignalBytes, "sigCode": sigCode, "sigPid": sigPid, "sigUID": sigUID, "KindSignal": KindSignal,
		"ChildBytes": ChildBytes, "childFlags": childFlags, "childPtid": childPtid, "childPpid": childPpid,
		"ImageBytes": ImageBytes, "imagePpid": imagePpid,
		"KindChild": KindChild, "KindImage": KindImage, "recSync": recSync, "recAlien": recAlien, "recStatic": recStatic,
		"StateFree": StateFree, "StateOwned": StateOwned, "StateClosed": StateClosed,
		"KindPad": KindPad, "KindEnter": KindEnter, "KindExit": KindExit,
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, val, _ := strings.Cut(line, " ")
		got, err := strconv.ParseUint(val, 10, 64)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		w, ok := want[name]
		if !ok {
			t.Errorf("ring.h prints %s, which layout.go lacks", name)
			continue
		}
		seen++
		if got != w {
			t.Errorf("%s: ring.h %d, layout.go %d", name, got, w)
		}
	}
	if seen != len(want) {
		t.Errorf("checked %d of %d constants", seen, len(want))
	}
}
