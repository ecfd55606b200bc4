/* ns.c - clone into namespaces and the sync socket between parent and child. */
#include <fcntl.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <stdint.h>

#define CLONE_INTO_CGROUP_ 0x200000000ULL

#include "ns.h"

/* The message a failing child sends: its exit status, then the text. */
struct sync_msg {
	int status;
	char text[sizeof(((cb_err *)0)->msg)];
};

/* cb_ns_set_cgroup's: the next clone is born in this cgroup (clone3's CLONE_INTO_CGROUP). */
static int spawn_cgroup = -1;
void cb_ns_set_cgroup(int fd)
{
	spawn_cgroup = fd;
}

/* The container's process: run fn, send its failure (if it returns) to the parent.
 * cgns: born in its cgroup, it makes its cgroup namespace now, rooted there. */
static void __attribute__((noreturn)) child_run(int sync, cb_ns_child_fn fn, void *arg, int cgns)
{
	struct sync_msg m = { 0 };
	cb_err ce = { 0 };
	if (cgns && unshare(CLONE_NEWCGROUP) < 0)
		m.status = (cb_fail_errno(&ce, errno, "unshare(CLONE_NEWCGROUP)"), CB_EXIT_FAIL);
	else
		m.status = fn(arg, &ce);
	snprintf(m.text, sizeof(m.text), "%s", ce.msg);
	(void)!send(sync, &m, sizeof(m.status) + strlen(m.text) + 1, MSG_NOSIGNAL);
	_exit(m.status ? m.status : CB_EXIT_FAIL);
}

/* Where clone() refuses CLONE_NEW* (qemu-user: EINVAL): fork, unshare in the child,
 * which reports back once the namespaces exist, then forks again so that the
 * container's process is pid 1 of the new pid namespace; the middle process passes
 * signals down and the exit status up. */
static long spawn_unshare(int flags, cb_ns_child_fn fn, void *arg, int sync)
{
	int ready[2], err = EIO;
	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	pid_t mid = fork();
	if (mid == 0) {
		close(ready[0]);
		err = unshare(flags) < 0 ? errno : 0;
		(void)!write(ready[1], &err, sizeof(err));
		if (err)
			_exit(CB_EXIT_FAIL);
		pid_t c = fork();
		if (c == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); /* the parent's kill reaches us */
			child_run(sync, fn, arg, 0);
		}
		/* Nothing of the parent's stays open here: the sync socket must read EOF
		 * at the exec, the network helper's sockets close with the container. */
		if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0)
			for (int fd = 3; fd < 1024; fd++)
				close(fd);
		_exit(c < 0 ? CB_EXIT_FAIL : cb_ns_wait(c));
	}
	close(ready[1]);
	if (mid > 0 && read(ready[0], &err, sizeof(err)) == sizeof(err) && !err) {
		close(ready[0]);
		return mid;
	}
	close(ready[0]);
	if (mid > 0)
		while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
			;
	errno = mid < 0 ? errno : err;
	return -1;
}

int cb_ns_spawn(int flags, cb_ns_child_fn fn, void *arg, pid_t *pid, int *syncfd, cb_err *e)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return cb_fail_errno(e, errno, "socketpair");
	fflush(NULL);
	/* Fork-style clone (no new stack): the child returns here, as from fork(). In a
	 * cgroup: clone3 puts it there at birth, and it makes its cgroup namespace itself
	 * (the namespace's root is where its maker is). */
	int cgns = spawn_cgroup >= 0 && (flags & CLONE_NEWCGROUP);
	long r;
	if (spawn_cgroup >= 0) {
		uint64_t args[11] = { (uint64_t)(flags & ~CLONE_NEWCGROUP) | CLONE_INTO_CGROUP_, 0, 0, 0, SIGCHLD };
		args[10] = (uint64_t)spawn_cgroup;
		r = syscall(SYS_clone3, args, sizeof(args));
		if (r < 0) {
			int err = errno;
			close(sv[0]);
			close(sv[1]);
			return cb_fail_errno(e, err, "clone3 into the container's cgroup (needs Linux 5.7)");
		}
	} else {
		r = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
	}
	if (r < 0 && errno == EINVAL) {
		cb_debug("clone with namespace flags: EINVAL; fork and unshare instead");
		r = spawn_unshare(flags, fn, arg, sv[1]);
	}
	if (r < 0) {
		int err = errno;
		close(sv[0]);
		close(sv[1]);
		return cb_fail_errno(e, err, "cannot create the container's namespaces (clone)");
	}
	if (r == 0) {
		close(sv[0]);
		child_run(sv[1], fn, arg, cgns);
	}
	close(sv[1]);
	*pid = (pid_t)r;
	*syncfd = sv[0];
	return 0;
}

int cb_ns_started(pid_t pid, int syncfd, cb_err *e)
{
	struct sync_msg m;
	ssize_t n;
	while ((n = recv(syncfd, &m, sizeof(m), 0)) < 0 && errno == EINTR)
		;
	if (n == 0)
		return 0; /* closed by a successful exec */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (n < (ssize_t)sizeof(m.status)) {
		cb_fail_errno(e, n < 0 ? errno : EPROTO, "the container's process vanished during setup");
		return CB_EXIT_FAIL;
	}
	m.text[sizeof(m.text) - 1] = '\0';
	cb_fail(e, EINVAL, "%s", m.text);
	return m.status;
}

static volatile pid_t forward_to;

static void forward(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
}

void cb_ns_forward(pid_t pid)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	struct sigaction sa = { .sa_handler = pid > 0 ? forward : SIG_DFL };
	sigemptyset(&sa.sa_mask);
	forward_to = pid;
	for (size_t i = 0; i < CB_ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

int cb_ns_wait(pid_t pid)
{
	return cb_ns_wait_proxy(pid, 1);
}

int cb_ns_wait_proxy(pid_t pid, int proxy)
{
	if (proxy)
		cb_ns_forward(pid);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return CB_EXIT_FAIL;
	if (proxy)
		cb_ns_forward(0);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}
