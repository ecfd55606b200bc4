//config:config APPLET_EXEC
//config:	bool "exec: run a command in a running container"
//config:	default y
//applet:CB_APPLET(exec, exec_main, CB_NOSUID)
//cmd:CB_CMD("exec", "container", 2, -1, "CONTAINER COMMAND [ARG...]", "Run a process in a running container")
//usage:Run a command in a running container: its namespaces and root, the environment,
//usage:user and working directory it was run with (or these options), its capabilities
//usage:and seccomp filter, no_new_privs, only fds 0-2. The exit status is the command's
//usage:(125 cbox failed, 126 not executable, 127 not found).
//usage:
//usage:  -i, --interactive          keep stdin (else /dev/null)
//usage:  -t, --tty                  a pty from the container's devpts (with -i and a
//usage:                             terminal: raw mode, window size follows)
//usage:  -e, --env K=V | K          set a variable (K alone: from this environment)
//usage:  -u, --user USER[:GROUP]    names or numbers, as the container's /etc knows them
//usage:  -w, --workdir DIR          working directory inside
//usage:  -d, --detach               print an exec session id and leave the command
//usage:                             running (its stdio on /dev/null, no -t) with a
//usage:                             keeper process that waits for it
//usage:      --detach-keys KEYS     accepted (as podman's; exec keeps no session)
/* exec.c - cbox exec */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>

#include "container.h"
#include "emul.h"
#include "cgroup.h"
#include "ctl.h"
#include "sealexe.h"
#include "ns.h"
#include "term.h"

struct exec_child {
	struct cb_proc *p;
	struct cb_term *term; /* -t, or NULL */
};

static int exec_child(void *arg, cb_err *e)
{
	struct exec_child *c = arg;
	if (c->term && cb_term_open_in_child(c->term, e) < 0)
		return CB_EXIT_FAIL;
	return cb_proc_exec(c->p, e);
}

/* exec -d: fork the keeper (its own session, stdin and stdout /dev/null, stderr a pipe
 * to us), which goes on to start the command and wait for it (and serves root
 * emulation's recorder). It reports a failure on that stderr and exits with its status;
 * a start closes it. The caller gets that status, or 0 after printing the exec session
 * id; the keeper gets -1. */
static int keeper(void)
{
	unsigned char rnd[32];
	int p[2];
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd) || pipe2(p, O_CLOEXEC) < 0) {
		fprintf(stderr, "Error: exec --detach: %s\n", strerror(errno));
		return CB_EXIT_FAIL;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		setsid();
		dup2(null, 0);
		dup2(null, 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		if (null > 2)
			close(null);
		return -1;
	}
	close(p[1]);
	char buf[1024];
	ssize_t n, said = 0;
	while (pid > 0 && ((n = read(p[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			said += write(2, buf, (size_t)n);
	int st = 0;
	if (pid < 0 || said) {
		while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		return pid < 0 || !WIFEXITED(st) || !WEXITSTATUS(st) ? CB_EXIT_FAIL : WEXITSTATUS(st);
	}
	for (int i = 0; i < 32; i++) /* podman's exec session id */
		printf("%02x", rnd[i]);
	printf("\n");
	return 0;
}

int exec_main(int argc, char **argv)
{
	enum { O_INTERACTIVE = 1, O_TTY, O_ENV, O_USER, O_WORKDIR, O_DETACH, O_KEYS };
	static const struct cb_option opts[] = {
		{ "interactive", 'i', CB_OPT_BOOL, O_INTERACTIVE },
		{ "tty", 't', CB_OPT_BOOL, O_TTY },
		{ "env", 'e', CB_OPT_ARG, O_ENV },
		{ "user", 'u', CB_OPT_ARG, O_USER },
		{ "workdir", 'w', CB_OPT_ARG, O_WORKDIR },
		{ "detach", 'd', CB_OPT_BOOL, O_DETACH },
		{ "detach-keys", 0, CB_OPT_ARG, O_KEYS },
		{ 0 },
	};
	struct cb_proc_opts po = { 0 };
	struct cb_opt_state st;
	const char **env = calloc((size_t)argc, sizeof(*env));
	int interactive = 0, tty = 0, detach = 0, c;
	cb_opt_init_cmd(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		int yes = st.arg && !strcmp(st.arg, "true");
		if (c == O_INTERACTIVE)
			interactive = yes;
		else if (c == O_TTY)
			tty = yes;
		else if (c == O_ENV && env)
			env[po.nenv++] = st.arg;
		else if (c == O_USER)
			po.user = st.arg;
		else if (c == O_WORKDIR)
			po.workdir = st.arg;
		else if (c == O_DETACH)
			detach = yes;
	}
	po.env = env;
	po.cmd = argv + st.ind + 1;
	po.ncmd = argc - st.ind - 1;

	struct cb_store s;
	struct cb_state cs;
	struct cb_proc p;
	cb_err e;
	char id[65];
	int dfd;
	cJSON *cfg;
	/* As real root: from a sealed copy of cbox (sealexe.h), before anything of ours
	 * appears in the container. */
	if (cb_ctl_open(&s, argv[st.ind], id, &dfd, &cfg, &cs, &e) < 0 ||
	    (cs.state == CB_STATE_RUNNING && cb_exe_seal(cs.pid, &e) < 0)) {
		fprintf(stderr, "Error: %s\n", e.msg);
		return CB_EXIT_FAIL;
	}
	/* In its cgroup, when it has one (its limits, its pause): opened before we join its
	 * mount namespace, where /sys/fs/cgroup is its own. */
	char cgpath[CB_CGROUP_PATH];
	int cgfd = cb_cgroup_recorded(dfd, cgpath, sizeof(cgpath)) == 0 ? open(cgpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	close(dfd);
	if (cs.state != CB_STATE_RUNNING || cs.paused) {
		fprintf(stderr, "Error: can only create exec sessions on running containers: container state improper\n");
		return CB_EXIT_FAIL;
	}
	if (detach) {
		int k = keeper();
		if (k >= 0)
			return k; /* the caller, done */
		tty = 0;
	}
	/* The seccomp filter the container runs with, for its capabilities (from the store). */
	if (cb_container_proc(cfg, &po, &p, &e) < 0 || cb_seccomp_build(&p.seccomp, s.rootfd, p.caps, &e) < 0 ||
	    cb_container_join(cs.pid, cs.pid_start, &e) < 0) {
		fprintf(stderr, "Error: %s\n", e.msg);
		return CB_EXIT_FAIL;
	}
	if (detach)
		p.null_fds = 7; /* nothing of the keeper's: its stderr is the caller's pipe */
	if (!interactive) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null >= 0 && null != 0) {
			dup2(null, 0);
			close(null);
		}
	}
	pid_t pid;
	int syncfd, status;
	/* Root emulation as in the container's own process (emul.h): the filter comes from here. */
	struct cb_emul_rec rec = { .sock = { -1, -1 }, .listener = -1, .wake = { -1, -1 } };
	if (p.root_emul && cb_emul_rec_open(&rec, s.rootfd, &e) < 0)
		cb_die(&e);
	p.emul_sock = rec.sock[1];
	struct cb_term term = { .sock = { -1, -1 } };
	struct exec_child ec = { .p = &p, .term = tty ? &term : NULL };
	if (tty && cb_term_prepare(&term, &e) < 0)
		cb_die(&e);
	/* (a hierarchy mounted nsdelegate refuses a move from outside the cgroup namespace
	 * we have joined: then it runs beside the container's cgroup, as before) */
	cb_ns_set_cgroup(cgfd);
	int r = cb_ns_spawn(0, exec_child, &ec, &pid, &syncfd, &e);
	cb_ns_set_cgroup(-1);
	if (r < 0 && cgfd >= 0) {
		cb_debug("exec into the container's cgroup: %s", e.msg);
		r = cb_ns_spawn(0, exec_child, &ec, &pid, &syncfd, &e);
	}
	if (r < 0)
		cb_die(&e);
	cb_emul_rec_forked(&rec);
	if ((status = cb_ns_started(pid, syncfd, &e))) {
		fprintf(stderr, "Error: %s\n", e.msg);
		cb_term_close(&term);
		return status;
	}
	cb_emul_rec_start(&rec);
	if (detach) { /* started: the caller prints the session id; the keeper waits */
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null >= 0)
			dup2(null, 2);
		status = cb_ns_wait(pid);
		cb_emul_rec_close(&rec);
		return status;
	}
	if (tty && cb_term_attach(&term, pid, interactive, &status, &e) < 0)
		fprintf(stderr, "Error: %s\n", e.msg);
	else if (!tty)
		status = cb_ns_wait(pid);
	cb_emul_rec_close(&rec);
	return status;
}
