/*
 * families: one call of each syscall family that sysdig 0.29.3 records
 * only as a generic event, on paths under DIR, for the decoding test
 * (decode_families_test.go), which records it under strace and xtrace.
 *
 *   families DIR     DIR holds "file" and "link" (-> file)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

static char p[4096];

static const char *path(const char *dir, const char *name)
{
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	const char *d = argv[1];
	struct stat st;
	struct statfs sfs;
	char buf[256];
	int status;

	syscall(SYS_newfstatat, AT_FDCWD, path(d, "nosuch"), &st, AT_SYMLINK_NOFOLLOW);
	syscall(SYS_statx, AT_FDCWD, path(d, "nosuch"), AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, 0x7ff, buf);
	syscall(SYS_newfstatat, AT_FDCWD, path(d, "file"), &st, 0);
	syscall(SYS_statx, AT_FDCWD, path(d, "file"), 0, 0x7ff, buf);
	syscall(SYS_faccessat2, AT_FDCWD, path(d, "nosuch"), R_OK | W_OK, AT_EACCESS);
	syscall(SYS_faccessat, AT_FDCWD, path(d, "file"), X_OK);
	syscall(SYS_readlink, path(d, "nosuch"), buf, sizeof buf);
	syscall(SYS_readlinkat, AT_FDCWD, path(d, "link"), buf, sizeof buf);
	syscall(SYS_getxattr, path(d, "file"), "user.nosuch", buf, sizeof buf);
	syscall(SYS_setxattr, path(d, "nosuch"), "user.x", "v", 1, XATTR_CREATE);
	syscall(SYS_removexattr, path(d, "file"), "user.nosuch");
	syscall(SYS_statfs, path(d, "nosuch"), &sfs);
	syscall(SYS_fstatfs, -1, &sfs);
	syscall(SYS_truncate, path(d, "nosuch"), 10L);
	syscall(SYS_fchownat, AT_FDCWD, path(d, "nosuch"), 0, 0, AT_SYMLINK_NOFOLLOW);
	syscall(SYS_utimensat, AT_FDCWD, path(d, "nosuch"), NULL, AT_SYMLINK_NOFOLLOW);
	syscall(SYS_mknodat, AT_FDCWD, path(d, "nosuch/fifo"), S_IFIFO | 0644, 0);
	syscall(452 /* fchmodat2 */, AT_FDCWD, path(d, "nosuch"), 0640, AT_SYMLINK_NOFOLLOW);
	syscall(SYS_wait4, -1, &status, WNOHANG, NULL);
	syscall(SYS_prctl, PR_SET_NAME, "famtest", 0, 0, 0);
	syscall(SYS_prctl, 0x7fff, 0, 0, 0, 0);
	int mfd = syscall(SYS_memfd_create, "famfd", MFD_CLOEXEC);
	syscall(SYS_fstatfs, mfd, &sfs);
	int ifd = syscall(SYS_inotify_init1, IN_CLOEXEC);
	syscall(SYS_inotify_add_watch, ifd, path(d, "nosuch"), IN_MODIFY | IN_CREATE);
	syscall(SYS_epoll_ctl, -1, EPOLL_CTL_ADD, -1, NULL);
	syscall(SYS_madvise, NULL, 4096, MADV_DONTNEED);
	syscall(SYS_close_range, 1000, 1010, 0);
	return 0;
}
