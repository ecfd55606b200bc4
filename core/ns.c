/* ns.c - clone into namespaces and the sync socket between parent and child. */
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "ns.h"

/* The message a failing child sends: its exit status, then the text. */
struct sync_msg {
	int status;
	char text[sizeof(((cb_err *)0)->msg)];
};

int cb_ns_spawn(int flags, cb_ns_child_fn fn, void *arg, pid_t *pid, int *syncfd, cb_err *e)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return cb_fail_errno(e, errno, "socketpair");
	fflush(NULL);
	/* Fork-style clone (no new stack): the child returns here, as from fork(). */
	long r = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (r < 0) {
		int err = errno;
		close(sv[0]);
		close(sv[1]);
		return cb_fail_errno(e, err, "cannot create the container's namespaces (clone)");
	}
	if (r == 0) {
		close(sv[0]);
		struct sync_msg m = { 0 };
		cb_err ce = { 0 };
		m.status = fn(arg, &ce);
		snprintf(m.text, sizeof(m.text), "%s", ce.msg);
		(void)!send(sv[1], &m, sizeof(m.status) + strlen(m.text) + 1, MSG_NOSIGNAL);
		_exit(m.status ? m.status : CB_EXIT_FAIL);
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

int cb_ns_wait(pid_t pid)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	struct sigaction sa = { .sa_handler = forward };
	sigemptyset(&sa.sa_mask);
	forward_to = pid;
	for (size_t i = 0; i < CB_ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return CB_EXIT_FAIL;
	forward_to = 0;
	sa.sa_handler = SIG_DFL;
	for (size_t i = 0; i < CB_ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}
