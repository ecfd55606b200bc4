/* sealexe.c - re-exec from a sealed memfd copy of the binary (see sealexe.h). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "idmap.h"
#include "sealexe.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#define CB_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define CB_MEMFD_NAME "cbox-sealed"

extern char **environ;

static int sealed(int fd)
{
	int s = fcntl(fd, F_GET_SEALS);
	return s >= 0 && (s & CB_SEALS) == CB_SEALS;
}

static int same_userns(pid_t peer)
{
	char path[64];
	struct stat a, b;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)peer);
	return stat(path, &a) < 0 || stat("/proc/self/ns/user", &b) < 0 || (a.st_ino == b.st_ino && a.st_dev == b.st_dev);
}

int cb_exe_seal(pid_t peer, cb_err *e)
{
	if (geteuid() != 0 || cb_in_userns() || (peer > 0 && !same_userns(peer)))
		return 0;
	int self CB_AUTOCLOSE = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (self < 0 || fstat(self, &sb) < 0)
		return cb_fail_errno(e, errno, "/proc/self/exe");
	if (sealed(self)) {
		/* comm is the fd's number after fexecve: the applet's name again */
		const char *base = strrchr(cb_main_argv[0], '/');
		prctl(PR_SET_NAME, base ? base + 1 : cb_main_argv[0], 0, 0, 0);
		return 0;
	}
	/* MFD_EXEC: kernels with vm.memfd_noexec (6.3+) want it said; older ones refuse it. */
	int fd CB_AUTOCLOSE = (int)syscall(SYS_memfd_create, CB_MEMFD_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = (int)syscall(SYS_memfd_create, CB_MEMFD_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return cb_fail_errno(e, errno, "memfd_create (a sealed copy of cbox; vm.memfd_noexec=2 forbids it)");
	for (off_t off = 0; off < sb.st_size;) {
		ssize_t n = sendfile(fd, self, &off, (size_t)(sb.st_size - off));
		if (n <= 0)
			return cb_fail_errno(e, n < 0 ? errno : EIO, "copy /proc/self/exe into a memfd");
	}
	if (fcntl(fd, F_ADD_SEALS, CB_SEALS) < 0)
		return cb_fail_errno(e, errno, "seal the memfd copy of cbox");
	syscall(SYS_execveat, fd, "", cb_main_argv, environ, AT_EMPTY_PATH);
	/* Some kernels (5.10 on arm64 here) answer ENOENT: by its /proc path, then. */
	int err = errno;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	execve(path, cb_main_argv, environ);
	cb_debug("exec the sealed copy: execveat: %s; execve %s: %s", strerror(err), path, strerror(errno));
	return cb_fail_errno(e, err, "exec the sealed copy of cbox (vm.memfd_noexec?)");
}

int cb_exe_is_ours(pid_t pid)
{
	char path[64], link[64];
	struct stat self, it;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (stat(path, &it) < 0 || stat("/proc/self/exe", &self) < 0)
		return 0;
	if (it.st_ino == self.st_ino && it.st_dev == self.st_dev)
		return 1;
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	return !strncmp(link, "/memfd:" CB_MEMFD_NAME " ", 8 + strlen(CB_MEMFD_NAME));
}
