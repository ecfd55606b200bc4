/* ctl.c - a container from outside: signals, stop, wait, join (see ctl.h). */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <linux/nsfs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "ctl.h"
#include "sealexe.h"
#include "idmap.h"

#ifndef NS_GET_PARENT
#define NS_GET_PARENT _IO(0xb7, 0x2)
#endif

static const struct {
	const char *name;
	int sig;
} sigs[] = {
	{ "HUP", SIGHUP },   { "INT", SIGINT },     { "QUIT", SIGQUIT }, { "ILL", SIGILL },   { "TRAP", SIGTRAP },
	{ "ABRT", SIGABRT }, { "IOT", SIGIOT },     { "BUS", SIGBUS },   { "FPE", SIGFPE },   { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },   { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },
	{ "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },   { "TTOU", SIGTTOU }, { "URG", SIGURG },   { "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
	{ "POLL", SIGPOLL }, { "PWR", SIGPWR },     { "SYS", SIGSYS },
};

int cb_signal_parse(const char *name)
{
	if (*name && strspn(name, "0123456789") == strlen(name) && strlen(name) < 4) {
		int n = atoi(name);
		return n > 0 && n < 65 ? n : -1;
	}
	if (!strncasecmp(name, "SIG", 3))
		name += 3;
	for (size_t i = 0; i < CB_ARRAY_SIZE(sigs); i++)
		if (!strcasecmp(name, sigs[i].name))
			return sigs[i].sig;
	return -1;
}

/* The container's state, and its config when cfg is not NULL. */
static int open_state(struct cb_store *s, const char *id, struct cb_state *st, cJSON **cfg, cb_err *e)
{
	cJSON *c;
	int fd, r = cb_container_open(s, id, &fd, &c, e);
	if (r < 0)
		return r;
	cb_state_read(fd, st);
	close(fd);
	if (cfg)
		*cfg = c;
	else
		cJSON_Delete(c);
	return 0;
}

int cb_ctl_open(struct cb_store *s, const char *ref, char *id, int *dfd, cJSON **cfg, struct cb_state *st, cb_err *e)
{
	int r = cb_store_open(s, cb_opt_root, e);
	if (r == 0)
		r = cb_container_resolve(s, ref, id, 65, e);
	if (r == 0)
		r = cb_container_open(s, id, dfd, cfg, e);
	if (r == 0)
		cb_state_read(*dfd, st);
	return r;
}

int cb_pid_wait_gone(pid_t pid, unsigned long long start, int timeout_ms)
{
	/* A pidfd polls readable when the process ends; checked against the start time
	 * after it is opened, so it names the right process. */
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (!cb_pid_same(pid, start)) {
		if (fd >= 0)
			close(fd);
		return 1;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long spent = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
		if (timeout_ms >= 0 && spent >= timeout_ms)
			break;
		int wait = timeout_ms < 0 ? 100 : (int)(timeout_ms - spent < 100 ? timeout_ms - spent : 100);
		if (fd >= 0) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			poll(&p, 1, wait);
		} else {
			usleep((useconds_t)wait * 1000);
		}
		if (!cb_pid_same(pid, start))
			break;
	}
	if (fd >= 0)
		close(fd);
	return !cb_pid_same(pid, start);
}

static int not_running(const char *what, const char *id, const struct cb_state *st, cb_err *e)
{
	return cb_fail(e, EINVAL, "can only %s running containers. %s is in state %s: container state improper", what, id,
		       cb_state_name(st->state));
}

int cb_container_kill(struct cb_store *s, const char *id, int sig, cb_err *e)
{
	struct cb_state st;
	int r = open_state(s, id, &st, NULL, e);
	if (r < 0)
		return r;
	if (st.state != CB_STATE_RUNNING)
		return not_running("kill", id, &st, e);
	if (kill(st.pid, sig) < 0)
		return cb_fail_errno(e, errno, "container %.12s: signal %d", id, sig);
	return 0;
}

int cb_container_stop(struct cb_store *s, const char *id, int timeout, cb_err *e)
{
	struct cb_state st;
	cJSON *cfg;
	int r = open_state(s, id, &st, &cfg, e);
	if (r < 0)
		return r;
	int sig = cb_signal_parse(cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "stop_signal")) ?: "");
	const cJSON *t = cJSON_GetObjectItem(cfg, "stop_timeout");
	if (timeout < 0)
		timeout = cJSON_IsNumber(t) ? (int)cJSON_GetNumberValue(t) : 10;
	char name[256];
	snprintf(name, sizeof(name), "%s", cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "name")) ?: id);
	cJSON_Delete(cfg);
	if (st.state == CB_STATE_RUNNING && timeout > 0) {
		/* "stopping" (inspect says so) until the monitor records the exit. */
		int dfd CB_AUTOCLOSE = -1, lock CB_AUTOCLOSE = -1;
		cJSON *ignore_cfg;
		if (cb_container_open(s, id, &dfd, &ignore_cfg, e) == 0) {
			cJSON_Delete(ignore_cfg);
			lock = cb_state_lock(dfd, e);
			cb_state_read(dfd, &st);
			st.stopping = st.state == CB_STATE_RUNNING;
			if (st.stopping && lock >= 0)
				cb_state_write(dfd, &st, e);
		}
	}
	/* --restart: the monitor sees this and runs the command no more. */
	char path[128];
	snprintf(path, sizeof(path), "containers/%s/stopped", id);
	int fd = openat(s->rootfd, path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0)
		close(fd);
	if (st.state == CB_STATE_RUNNING) {
		if (sig < 0 || timeout == 0)
			sig = timeout ? SIGTERM : SIGKILL; /* -t 0: KILL at once, as podman */
		if (kill(st.pid, sig) < 0 && errno != ESRCH)
			return cb_fail_errno(e, errno, "container %.12s: signal %d", id, sig);
		if (sig != SIGKILL && !cb_pid_wait_gone(st.pid, st.pid_start, timeout * 1000)) {
			/* podman's words */
			cb_warn("StopSignal %s failed to stop container %s in %d seconds, resorting to SIGKILL",
				sig == SIGTERM ? "SIGTERM" : "(the image's)", name, timeout);
			kill(st.pid, SIGKILL);
			cb_pid_wait_gone(st.pid, st.pid_start, -1);
		}
	}
	/* The monitor records the exit (and with --rm removes the container). */
	cb_pid_wait_gone(st.monitor, st.monitor_start, -1);
	return 0;
}

int cb_container_wait(struct cb_store *s, const char *id, int *code, cb_err *e)
{
	struct cb_state st;
	int r = open_state(s, id, &st, NULL, e);
	if (r < 0)
		return r;
	if (cb_state_monitor_alive(&st))
		cb_pid_wait_gone(st.monitor, st.monitor_start, -1);
	else if (st.state == CB_STATE_RUNNING)
		cb_pid_wait_gone(st.pid, st.pid_start, -1);
	/* Read again: the monitor wrote the code (with --rm the container is gone). */
	cb_err gone;
	open_state(s, id, &st, NULL, &gone);
	*code = st.exit_code;
	return 0;
}

int cb_container_join(pid_t pid, unsigned long long start, cb_err *e)
{
	static const struct {
		const char *name;
		int type;
	} ns[] = {
		{ "user", CLONE_NEWUSER }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS }, { "net", CLONE_NEWNET },
		{ "cgroup", CLONE_NEWCGROUP }, { "pid", CLONE_NEWPID }, { "mnt", CLONE_NEWNS },
	};
	int fds[CB_ARRAY_SIZE(ns)], root, r = 0;
	char path[64];
	/* Non-dumpable before anything of ours can appear in the container's pid namespace:
	 * the children we clone there inherit it until their execve of the container's
	 * command, so the container cannot open their /proc/PID/exe (the host's binary),
	 * root, fd or mem (it has no CAP_SYS_PTRACE over our mm, made outside). */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return cb_fail_errno(e, errno, "make this process non-dumpable");
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; i < CB_ARRAY_SIZE(ns); i++) {
		struct stat a, b;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns[i].name);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i].name);
		/* One we are in already is not joined (the user namespace must not be). */
		if (fds[i] >= 0 && fstat(fds[i], &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev) {
			close(fds[i]);
			fds[i] = -2;
		}
		if (fds[i] == -1 && r == 0)
			r = cb_fail_errno(e, errno, "container process %d: namespace %s", (int)pid, ns[i].name);
	}
	/* Opened after the pid was looked up: still the container's process? */
	if (r == 0 && (root < 0 || !cb_pid_same(pid, start)))
		r = cb_fail(e, ESRCH, "the container's process %d has ended", (int)pid);
	/* The user namespace first when it gives us the capabilities the others need; last
	 * when we hold them already (euid 0), or once its ancestor below ours is joined (a
	 * keep-id container's is a child of the storage's, which owns the others). */
	int user_last = geteuid() == 0;
	if (r == 0 && fds[0] >= 0 && !user_last) {
		int top = dup(fds[0]), parent = -1;
		for (int depth = 0; top >= 0 && depth < 33; depth++) {
			struct stat a, b;
			parent = ioctl(top, NS_GET_PARENT);
			if (parent < 0 || (fstat(parent, &a) == 0 && stat("/proc/self/ns/user", &b) == 0 &&
					   a.st_ino == b.st_ino && a.st_dev == b.st_dev))
				break;
			close(top);
			top = parent;
			parent = -1;
		}
		struct stat a, b;
		if (top >= 0 && fstat(top, &a) == 0 && fstat(fds[0], &b) == 0 && a.st_ino != b.st_ino) {
			if (setns(top, CLONE_NEWUSER) < 0)
				r = cb_fail_errno(e, errno, "join the storage's user namespace");
			user_last = 1;
		}
		if (parent >= 0)
			close(parent);
		if (top >= 0)
			close(top);
	}
	for (size_t k = 0; k < CB_ARRAY_SIZE(ns); k++) {
		size_t i = user_last ? (k + 1) % CB_ARRAY_SIZE(ns) : k;
		if (r == 0 && fds[i] >= 0 && setns(fds[i], ns[i].type) < 0)
			r = cb_fail_errno(e, errno, "join the container's %s namespace", ns[i].name);
		if (fds[i] >= 0)
			close(fds[i]);
	}
	if (r == 0 && (fchdir(root) < 0 || chroot(".") < 0))
		r = cb_fail_errno(e, errno, "enter the container's root");
	if (root >= 0)
		close(root);
	return r;
}

void cb_ctl_seal_for_init(const struct cb_opt_state *st, int all)
{
	struct cb_store s;
	char(*ids)[65] = NULL, id[65];
	int n = st->argc - st->ind, init = 0;
	cb_err e;
	if (geteuid() != 0 || cb_in_userns() || cb_store_open(&s, cb_opt_root, &e) < 0)
		return;
	if (all && cb_container_ids(&s, &ids, &n, &e) < 0)
		n = 0;
	for (int i = 0; i < n && !init; i++) {
		int fd;
		cJSON *cfg;
		if (all)
			snprintf(id, sizeof(id), "%s", ids[i]);
		else if (cb_container_resolve(&s, st->argv[st->ind + i], id, sizeof(id), &e) < 0)
			continue;
		if (cb_container_open(&s, id, &fd, &cfg, &e) < 0)
			continue;
		close(fd);
		init = cJSON_IsTrue(cJSON_GetObjectItem(cfg, "init"));
		cJSON_Delete(cfg);
	}
	free(ids);
	cb_store_close(&s);
	if (init && cb_exe_seal(0, &e) < 0)
		cb_warn("%s", e.msg);
}

int cb_ctl_main(struct cb_opt_state *st, const char *name, int flags, cb_ctl_fn fn, void *arg)
{
	int all = flags & CB_CTL_ALL, n = 0;
	if (st->ind >= st->argc && !all) {
		cb_usage_error("you must provide at least one name or id");
		return CB_EXIT_FAIL;
	}
	if (st->ind < st->argc && all) {
		fprintf(stderr, "Error: no arguments are needed with --all\n");
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	cb_err e;
	char (*ids)[65] = NULL, **refs = st->argv + st->ind;
	if (((flags & CB_CTL_USERNS) && cb_userns_enter(&e) < 0) || cb_store_open(&s, cb_opt_root, &e) < 0 ||
	    (all && cb_container_ids(&s, &ids, &n, &e) < 0)) {
		fprintf(stderr, "Error: %s\n", e.msg);
		return CB_EXIT_FAIL;
	}
	if (all && !(refs = calloc((size_t)n + 1, sizeof(*refs))))
		return CB_EXIT_FAIL;
	int k = 0;
	for (int i = 0; all && i < n; i++) {
		struct cb_state cs;
		if (open_state(&s, ids[i], &cs, NULL, &e) < 0)
			continue;
		int running = cs.state == CB_STATE_RUNNING;
		if ((flags & CB_CTL_RUNNING) ? running : (flags & CB_CTL_STOPPED) ? !running : 1)
			refs[k++] = ids[i];
	}
	return cb_ctl_each(&s, refs, all ? k : st->argc - st->ind, flags, fn, arg);
}

int cb_ctl_each(struct cb_store *s, char **refs, int n, int flags, cb_ctl_fn fn, void *arg)
{
	int status = 0;
	for (int i = 0; i < n; i++) {
		char id[65];
		cb_err e = { 0 };
		int r = cb_container_resolve(s, refs[i], id, sizeof(id), &e);
		if (r == -ENOENT && (flags & CB_CTL_IGNORE))
			continue;
		if (r == 0)
			r = fn(s, id, arg, &e);
		if (r < 0) {
			fprintf(stderr, "Error: %s\n", e.msg);
			status = CB_EXIT_FAIL;
		} else if (r == 0) {
			printf("%s\n", refs[i]);
		}
		fflush(stdout);
	}
	return status;
}
