/* init.c - --init: a built-in pid 1 that forwards signals and reaps zombies. Nothing is
 * mounted for it: it is this process, which already runs inside the container. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "init.h"

static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

/* What the command's process sends back when its exec fails. */
struct start_fail {
	int status;
	char msg[sizeof(((cb_err *)0)->msg)];
};

/* The host's command line would show in the container's ps: overwrite it with "init".
 * The kernel reads the argv area up to its first NUL when its last byte is not one. */
static void hide_cmdline(void)
{
	char buf[1024], *s;
	unsigned long start = 0, end = 0;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if (!(s = strrchr(buf, ')')))
		return;
	/* Fields 48 and 49 (arg_start, arg_end); s is just before field 3. */
	for (int field = 2; s && field < 48; field++)
		s = strchr(s + 1, ' ');
	if (!s || sscanf(s, " %lu %lu", &start, &end) != 2 || end - start < 6)
		return;
	memset((char *)start, 0, end - start);
	memcpy((char *)start, "init", 4);
	((char *)start)[end - start - 1] = ' ';
}

/* Keep CAP_KILL only (to signal a command running as another user), nothing to regain. */
static void drop_privileges(void)
{
	for (int c = 0; c < 64; c++)
		if (c != CAP_KILL && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno == EINVAL)
			break;
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	d[0].effective = d[0].permitted = 1U << CAP_KILL;
	syscall(SYS_capset, &hdr, d);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

int cb_init_run(const struct cb_proc *p, cb_err *e)
{
	sigset_t set, old;
	int pfd[2], go[2];
	sigemptyset(&set);
	for (size_t i = 0; i < CB_ARRAY_SIZE(forwarded); i++)
		sigaddset(&set, forwarded[i]);
	sigaddset(&set, SIGCHLD);
	/* Non-dumpable before the command exists: the container's processes (no
	 * CAP_SYS_PTRACE over the host's binary) cannot open /proc/1/exe, root, mem, fd. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return cb_fail_errno(e, errno, "init: non-dumpable"), CB_EXIT_FAIL;
	prctl(PR_SET_NAME, "init", 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); /* cbox gone: the container goes */
	hide_cmdline();
	if (pipe2(pfd, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
		return cb_fail_errno(e, errno, "init: pipe"), CB_EXIT_FAIL;
	/* Blocked from here: a signal before the command exists waits for it. */
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_BLOCK, &set, &old);
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		return cb_fail_errno(e, err, "init: fork"), CB_EXIT_FAIL;
	}
	if (pid == 0) {
		struct start_fail f = { 0 };
		cb_err ce = { 0 };
		char c;
		close(pfd[0]);
		close(go[1]);
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* Until the init has dropped its privileges, so the command never sees them. */
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		f.status = cb_proc_exec(p, &ce);
		snprintf(f.msg, sizeof(f.msg), "%s", ce.msg);
		(void)!write(pfd[1], &f, sizeof(f));
		_exit(f.status);
	}
	close(pfd[1]);
	close(go[0]);
	drop_privileges();
	/* The container's seccomp filter on pid 1 too, as podman's runtime puts it on
	 * catatonit (what init calls is all allowed); the command loads its own. */
	cb_err ignore;
	cb_seccomp_install(&p->seccomp, &ignore);
	close(go[1]);
	struct start_fail f;
	ssize_t n;
	while ((n = read(pfd[0], &f, sizeof(f))) < 0 && errno == EINTR)
		;
	close(pfd[0]);
	if (n == (ssize_t)sizeof(f)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		f.msg[sizeof(f.msg) - 1] = '\0';
		cb_fail(e, EINVAL, "%s", f.msg);
		return f.status;
	}

	/* The command runs: let go of every fd (the sync socket too, which tells the parent). */
	if (syscall(SYS_close_range, 0U, ~0U, 0U) < 0)
		for (int fd = 0; fd < 65536; fd++)
			close(fd);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(pid, sig);
			continue;
		}
		int st;
		pid_t w;
		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			if (w == pid)
				_exit(WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st));
	}
}
