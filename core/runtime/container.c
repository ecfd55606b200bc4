/* container.c - create, run and (with --rm) remove a container. */
#include <ctype.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <dirent.h>

#include "attach.h"
#include "cgroup.h"
#include "container.h"
#include "ctrlog.h"
#include "volume.h"
#include "driver.h"
#include "init.h"
#include "emul.h"
#include "json.h"
#include "keepid.h"
#include "net.h"
#include "ns.h"
#include "state.h"
#include "term.h"

struct child {
	struct cb_store *s;
	struct cb_mount_spec m;
	struct cb_proc p;
	const char *hostname;
	struct cb_net *net;
	struct cb_term *term; /* -t: the pty, opened inside */
	int interactive;      /* -i: stdin goes to the pty */
	int init;             /* --init: cbox's pid 1 runs the command */
	struct cb_keepid *keepid; /* --userns=keep-id, or NULL */
	int out, err;         /* pipes to the log's copier for stdout and stderr, or -1 */
	int keep_stdin;       /* -i detached: stdin a pipe the monitor keeps for attach */
	int in;               /* ... its end for the child, or -1 (launch sets it) */
	struct cb_attach *att; /* a monitor's attach socket (launch), or NULL */
	int logfd;            /* ctr.log for the copier, or -1 (the output is not logged) */
	int passthrough;      /* ... and the copier passes it on to ours: 1 << 1 stdout, 1 << 2 stderr */
	int host_ns;          /* CB_HOST_UTS | _PID | _IPC: namespaces not made */
	int sig_proxy;        /* forward signals to it (run, start -a) */
	const char *restart;  /* --restart: the monitor runs it again */
	int timeout;          /* --timeout: KILL after this many seconds */
	const cJSON *limits;  /* cgroup v2 limits (cgroup.h), or NULL */
	const char *cgroup_parent; /* --cgroup-parent, or NULL */
	int cgroups_off;      /* --cgroups disabled */
	int cgroup_asked;     /* a resource flag was given (--memory=0 too: the V1 warning) */
	const cJSON *device_rules; /* --device-cgroup-rule texts, or NULL */
	const struct cb_runflags *flags;
	const cJSON *cj;      /* its config.json (a healthcheck's scheduler reads it) */
};

/* :U volumes' destinations, for the process to chown once its user is known. */
static int chown_list(struct child *c, cb_err *e)
{
	c->p.chown = calloc((size_t)c->m.nvols + 1, sizeof(*c->p.chown));
	if (!c->p.chown)
		return cb_fail(e, ENOMEM, "out of memory");
	for (int i = 0; i < c->m.nvols; i++)
		if (c->m.vols[i].chown)
			c->p.chown[c->p.nchown++] = c->m.vols[i].dst;
	return 0;
}

/* --timeout: the waiting parent's SIGALRM kills the container's process. */
static pid_t timeout_pid;
static volatile sig_atomic_t timed_out;
static void on_timeout(int sig)
{
	(void)sig;
	if (timeout_pid > 0 && kill(timeout_pid, SIGKILL) == 0)
		timed_out = 1;
}

/* In the new namespaces: the filesystem, then the process. */
static int child_main(void *arg, cb_err *e)
{
	struct child *c = arg;
	if (c->out >= 0 && (dup2(c->out, 1) < 0 || dup2(c->err, 2) < 0))
		return cb_fail_errno(e, errno, "dup2"), CB_EXIT_FAIL;
	if (c->in >= 0 && dup2(c->in, 0) < 0)
		return cb_fail_errno(e, errno, "dup2"), CB_EXIT_FAIL;
	/* By path: an fd from before the clone names the parent's mount namespace. */
	if (chdir(c->s->root) < 0)
		return cb_fail_errno(e, errno, "storage root %s", c->s->root), CB_EXIT_FAIL;
	if (!(c->host_ns & CB_HOST_UTS) && sethostname(c->hostname, strlen(c->hostname)) < 0)
		return cb_fail_errno(e, errno, "sethostname"), CB_EXIT_FAIL;
	if (cb_net_child(c->net, e) < 0 || cb_runflags_child(c->flags, e) < 0)
		return CB_EXIT_FAIL;
	if (cb_mount_rootfs(&c->m, e) < 0)
		return CB_EXIT_FAIL;
	if (c->keepid && cb_keepid_child(c->keepid, e) < 0)
		return CB_EXIT_FAIL;
	if (c->term && cb_term_open_in_child(c->term, e) < 0)
		return CB_EXIT_FAIL;
	if (cb_runflags_exec(c->flags, e) < 0)
		return CB_EXIT_NOEXEC; /* podman's status when its runtime cannot */
	return c->init ? cb_init_run(&c->p, e) : cb_proc_exec(&c->p, e);
}

int cb_container_name_ok(const char *name)
{
	if (!isalnum((unsigned char)name[0]))
		return 0;
	for (const char *p = name + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return 0;
	return 1;
}

int cb_container_find(struct cb_store *s, const char *key, const char *value, char *id, size_t n)
{
	int fd = openat(s->rootfd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	int found = 0;
	while (d && !found && (de = readdir(d))) {
		char path[400], *text;
		cb_err ignore;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "containers/%s/config.json", de->d_name);
		if (cb_read_file_at(s->rootfd, path, 1 << 20, &text, NULL, &ignore) < 0)
			continue;
		cJSON *j = cJSON_Parse(text);
		found = !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(j, key)) ?: "", value);
		if (found && id)
			snprintf(id, n, "%s", de->d_name);
		cJSON_Delete(j);
		free(text);
	}
	if (d)
		closedir(d);
	else if (fd >= 0)
		close(fd);
	return found;
}

static int name_in_use(struct cb_store *s, const char *name)
{
	return cb_container_find(s, "name", name, NULL, 0);
}

/* The text of the container's /etc/hosts, hostname, resolv.conf and /run/.containerenv
 * (the child writes them on a tmpfs of its own: nothing on disk to make and remove). */
struct etc_text {
	char text[4][8192];
	int no_hosts;
};

static void etc_text(struct etc_text *t, const char *hostname, const char *name, const struct cb_net *net,
		     const cJSON *cj)
{
	char *resolv = t->text[2];
	cb_net_hosts(net, hostname, name, t->text[0], sizeof(t->text[0]));
	snprintf(t->text[1], sizeof(t->text[1]), "%s\n", hostname);
	/* A copy of the host's (a bind would follow the host's changes, and its symlinks). */
	size_t n = 0;
	int fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t k = read(fd, resolv, sizeof(t->text[2]) - 1);
		n = k > 0 ? (size_t)k : 0;
		close(fd);
	}
	n = cb_net_resolv(net, resolv, n, sizeof(t->text[2]) - 1);
	resolv[n] = '\0';
	/* podman's keys (engine says cbox), as podman's only for a --privileged container:
	 * the others get the file (something to test for) but nothing about the host. */
#define J(k) (cJSON_GetStringValue(cJSON_GetObjectItem(cj, k)) ?: "")
	t->text[3][0] = '\0';
	if (cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(cj, "process"), "privileged")))
		snprintf(t->text[3], sizeof(t->text[3]),
			 "engine=\"cbox-%s\"\nname=\"%s\"\nid=\"%s\"\nimage=\"%s\"\nimageid=\"%s\"\nrootless=%d\n", CB_VERSION,
			 J("name"), J("id"), J("image_name"), strlen(J("image")) > 7 ? cb_digest_hex(J("image")) : "",
			 cJSON_IsTrue(cJSON_GetObjectItem(cj, "rootless")));
#undef J
	t->no_hosts = cJSON_IsTrue(cJSON_GetObjectItem(cj, "no_hosts"));
}

static void child_etc(struct child *c, struct etc_text *t)
{
	c->m.scratch = "tmp";
	for (int i = 0; i < 4; i++)
		c->m.etc[i] = t->text[i];
	if (t->no_hosts)
		c->m.etc[0] = NULL;
}

/* What the root's /etc is in the tree at dirfd/dir: 1 a directory, 0 absent (a lower
 * layer may have it), -1 anything else (a whiteout, a symlink). */
static int etc_kind(int dirfd, const char *dir)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof(path), "%s/etc", dir);
	if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	return S_ISDIR(st.st_mode) ? 1 : -1;
}

static cJSON *str_array(char **v)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; v && v[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

/* What a detached run's monitor tells the run (or start) process waiting for it. */
struct report {
	int status; /* 0 once the command has exec'd, else 125-127 */
	int errnum; /* the failure's errno (a busy port's EADDRINUSE) */
	char msg[sizeof(((cb_err *)0)->msg)];
};

/* -d: fork the monitor (its own session, stdin and (until the log) stdout/stderr on
 * /dev/null, so no caller's pipe stays open). The caller waits for its report and
 * returns 1 (*status and *e from the report); the monitor returns 0 with *report set. */
static int fork_monitor(int *report, int *status, cb_err *e)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cb_fail_errno(e, errno, "pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return cb_fail_errno(e, errno, "fork the container's monitor");
	}
	if (pid == 0) {
		close(p[0]);
		*report = p[1];
		setsid();
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		for (int fd = 0; null >= 0 && fd < 3; fd++)
			dup2(null, fd);
		if (null > 2)
			close(null);
		return 0;
	}
	close(p[1]);
	struct report m;
	ssize_t n;
	while ((n = read(p[0], &m, sizeof(m))) < 0 && errno == EINTR)
		;
	close(p[0]);
	if (n < (ssize_t)(sizeof(m.status) + sizeof(m.errnum))) {
		*status = CB_EXIT_FAIL;
		cb_fail(e, EPROTO, "the container's monitor ended during setup");
		return 1;
	}
	m.msg[sizeof(m.msg) - 1] = '\0';
	*status = m.status;
	if (m.status)
		cb_fail(e, m.errnum > 0 ? m.errnum : EINVAL, "%s", m.msg);
	return 1;
}

/* The monitor: tell the waiting caller how the start went (once). */
static void send_report(int *report, int status, const cb_err *e)
{
	if (*report < 0)
		return;
	struct report m = { .status = status, .errnum = status ? e->errnum : 0 };
	snprintf(m.msg, sizeof(m.msg), "%s", status ? e->msg : "");
	(void)!write(*report, &m, sizeof(m.status) + sizeof(m.errnum) + strlen(m.msg) + 1);
	close(*report);
	*report = -1;
}

/* The log, by its driver: k8s-file opens ctr.log for the copier (c->logfd); a detached
 * pty's output (tty) goes there as it is, through the monitor's stdout and stderr. */
static int open_log(int dfd, struct child *c, int driver, int tty, int detach, cb_err *e)
{
	c->out = c->err = c->logfd = -1;
	c->passthrough = detach ? 0 : 6 & ~c->p.null_fds; /* -a: the streams attached */
	/* A build without the logs applet keeps none (nothing could read them). */
	if (!CFG_APPLET_LOGS || driver != CB_LOG_K8S_FILE || (tty && !detach))
		return 0;
	c->p.null_fds &= 1; /* logged: the streams not attached too, as podman's */
	int fd = openat(dfd, "ctr.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return cb_fail_errno(e, errno, "ctr.log");
	if (!tty) {
		c->logfd = fd;
		return 0;
	}
	dup2(fd, 1);
	dup2(fd, 2);
	close(fd);
	return 0;
}

/* With a log, the child's stdout and stderr are pipes to the copier. */
static int log_pipes(struct child *c, int rd[2], cb_err *e)
{
	int o[2], er[2];
	rd[0] = rd[1] = -1;
	if (!CFG_APPLET_LOGS || (c->logfd < 0 && !c->att))
		return 0;
	if (pipe2(o, O_CLOEXEC) < 0)
		return cb_fail_errno(e, errno, "pipe");
	if (pipe2(er, O_CLOEXEC) < 0) {
		close(o[0]);
		close(o[1]);
		return cb_fail_errno(e, errno, "pipe");
	}
	rd[0] = o[0], c->out = o[1];
	rd[1] = er[0], c->err = er[1];
	return 0;
}

/* As real root, in its cgroup fd: the device program (podman's default allow list, the
 * --device nodes, --device-cgroup-rule): 0, or -1 (a debug note says why). */
static int devices(struct child *c, int fd)
{
	int n = cJSON_GetArraySize(c->device_rules), k = 0;
	const char **rules = calloc((size_t)(n + c->m.nbinds + 1), sizeof(*rules));
	char (*text)[48] = calloc((size_t)c->m.nbinds + 1, sizeof(*text));
	const cJSON *it;
	struct stat st;
	cb_err e;
	int r = rules && text ? 0 : -1;
	cJSON_ArrayForEach(it, c->device_rules)
		if (rules && cJSON_IsString(it))
			rules[k++] = it->valuestring;
	for (int i = 0; r == 0 && i < c->m.nbinds; i++)
		if (stat(c->m.binds[i].src, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) {
			snprintf(text[i], sizeof(text[i]), "%c %u:%u r%sm", S_ISCHR(st.st_mode) ? 'c' : 'b', major(st.st_rdev),
				 minor(st.st_rdev), c->m.binds[i].ro ? "" : "w");
			rules[k++] = text[i];
		}
	if (r == 0 && (r = cb_cgroup_devices(fd, rules, k, &e)) < 0)
		cb_debug("no device cgroup: %s", e.msg);
	free(rules);
	free(text);
	return r;
}

/* The container's cgroup (cgroup.c), when limits ask for one or the host is pure v2 and
 * --cgroups is not disabled: its fd for the clone, its path in path and in the file
 * "cgroup" (for pause, stats); -1 none (podman's warning when limits are thereby
 * ignored); else a negative errno with *e. */
static int cgroup_make(struct child *c, int dfd, const char *dir, char *path, cb_err *e)
{
	char name[80], warn[600];
	if (c->cgroups_off)
		return -1;
	snprintf(name, sizeof(name), "cbox-%s", dir + strlen("containers/"));
	struct cb_cgroup_req q = { .limits = c->limits, .parent = c->cgroup_parent, .name = name, .rootless = c->m.rootless,
				   .asked = c->cgroup_asked };
	int fd = cb_cgroup_create(&q, path, warn, sizeof(warn), e);
	if (*warn)
		fprintf(stderr, "%s\n", warn); /* podman's words, bare as podman prints them */
	if (!c->m.privileged && (fd < 0 || c->m.rootless || devices(c, fd) < 0) && cJSON_GetArraySize(c->device_rules))
		fprintf(stderr, "--device-cgroup-rule: not enforced: no cgroup v2 device program (BPF_PROG_TYPE_CGROUP_DEVICE) "
			"%s\n", c->m.rootless ? "rootless" : "here");
	if (fd >= 0 && cb_write_replace(dfd, "cgroup", path, strlen(path), 0600, 0, e) < 0) {
		close(fd);
		cb_cgroup_remove(path);
		return -EIO;
	}
	if (fd < 0)
		*path = '\0';
	return fd;
}

/* The container has ended: its cgroup goes, and with it "paused". */
static void cgroup_gone(int dfd, char *path)
{
	cb_cgroup_remove(path);
	unlinkat(dfd, "cgroup", 0);
	unlinkat(dfd, "paused", 0);
	*path = '\0';
}

/* Spawn the container in its namespaces, wait for the exec (the state says running),
 * then for its end (the state says exited), stop the network helper; with rm remove the
 * container. *status: the command's status, or 125-127 with *e when it did not start. */
static int launch(struct cb_store *s, struct child *c, int dfd, const char *dir, int rm, const char *config,
		  int *report, int *status, cb_err *e)
{
	pid_t pid;
	int syncfd CB_AUTOCLOSE = -1, r;
	/* The network namespace is the child's to make (cb_net_child): its ~0.4 ms in the
	 * kernel then overlaps our writing config.json. */
	int flags = CLONE_NEWNS | CLONE_NEWCGROUP | (c->host_ns & CB_HOST_PID ? 0 : CLONE_NEWPID) |
		    (c->host_ns & CB_HOST_UTS ? 0 : CLONE_NEWUTS) | (c->host_ns & CB_HOST_IPC ? 0 : CLONE_NEWIPC);
	struct cb_state st = { .ephemeral = rm };
	cb_err ignore;
	/* Root emulation's owner recorder: the child sends it the seccomp listener. */
	struct cb_emul_rec rec = { .sock = { -1, -1 }, .listener = -1, .wake = { -1, -1 } };
	c->p.emul_sock = -1;
	/* A monitor (detached: no passthrough) offers the attach socket. */
	struct cb_attach att = { .lfd = -1, .in = -1 };
	int inp[2] = { -1, -1 };
	c->att = NULL;
	if (CFG_APPLET_ATTACH && !c->passthrough && cb_attach_listen(&att, dfd, &ignore) == 0)
		c->att = &att;
	if (c->att && c->keep_stdin && !c->term && pipe2(inp, O_CLOEXEC) < 0)
		inp[0] = inp[1] = -1;
	c->in = inp[0];
	if (c->term)
		c->term->att = c->att;
	/* The seccomp filter is read from the store (or made and kept there) before the
	 * clone: the child only loads it. */
	r = cb_seccomp_build(&c->p.seccomp, s->rootfd, c->p.caps, e);
	if (r == 0 && c->p.root_emul)
		r = cb_emul_rec_open(&rec, s->rootfd, e);
	if (r == 0 && c->p.root_emul)
		c->p.emul_sock = rec.sock[1];
	int rd[2] = { -1, -1 };
	if (r == 0)
		r = log_pipes(c, rd, e);
	char cgpath[CB_CGROUP_PATH] = "";
	int cgfd = r == 0 ? cgroup_make(c, dfd, dir, cgpath, e) : -1;
	if (cgfd < -1)
		r = cgfd;
	cb_ns_set_cgroup(cgfd);
	c->m.cgroup = cgfd >= 0;
	if (r == 0)
		r = cb_ns_spawn(flags, child_main, c, &pid, &syncfd, e);
	cb_ns_set_cgroup(-1);
	if (cgfd >= 0)
		close(cgfd);
	if (c->out >= 0) {
		close(c->out);
		close(c->err);
		c->out = c->err = -1;
	}
	if (inp[0] >= 0) {
		close(inp[0]);
		c->in = -1;
		fcntl(inp[1], F_SETFL, O_NONBLOCK);
		att.in = inp[1];
	}
	cb_emul_rec_forked(&rec);
	if (r == 0) {
		cb_debug("container %s: pid %d", dir, (int)pid);
		int started = config ? cb_write_replace(dfd, "config.json", config, strlen(config), 0600, !rm, e) : 0;
		if (started == 0)
			started = cb_net_attach(c->net, e);
		if (started == 0 && c->keepid)
			started = cb_keepid_parent(c->keepid, &cb_idmap_current, pid, e);
		if (started < 0) {
			kill(pid, SIGKILL);
			cb_ns_wait(pid);
			started = CB_EXIT_FAIL;
		} else {
			started = cb_ns_started(pid, syncfd, e);
		}
		if (started) {
			*status = started; /* the child's message is in *e */
			r = e->errnum ? -e->errnum : -EINVAL;
			/* Reported now: a start's caller holds the state lock until then, and the
			 * exit is recorded under it below. */
			send_report(report, started, e);
		} else {
			/* Written before a detached run returns, so ps, exec and stop see it. */
			cb_state_set_running(&st, pid, getpid());
			cb_state_write(dfd, &st, &ignore);
			pid_t health = cb_health_start(s, dfd, c->cj, pid);
			send_report(report, 0, e);
			cb_emul_rec_start(&rec);
			if (c->timeout) {
				struct sigaction sa = { .sa_handler = on_timeout };
				timeout_pid = pid;
				sigaction(SIGALRM, &sa, NULL);
				alarm((unsigned)c->timeout);
			}
			if (c->term) {
				r = cb_term_attach(c->term, pid, c->interactive, status, e);
			} else {
				if (c->sig_proxy)
					cb_ns_forward(pid);
				if (CFG_APPLET_LOGS && rd[0] >= 0)
					cb_ctrlog_limit(c->flags ? c->flags->log_max : 0),
					cb_ctrlog_copy(pid, rd[0], rd[1], c->logfd, c->passthrough, c->att);
				rd[0] = rd[1] = -1;
				*status = cb_ns_wait_proxy(pid, c->sig_proxy);
			}
			alarm(0);
			timeout_pid = 0;
			if (timed_out) /* as podman's: exit code -1 (run's status 255) */
				*status = -1;
			timed_out = 0;
			cb_health_stop(health);
		}
		for (int i = 0; i < 2; i++)
			if (rd[i] >= 0)
				close(rd[i]);
		cb_net_stop(c->net);
		if (*cgpath)
			cgroup_gone(dfd, cgpath);
		if (!rm) {
			int lock = cb_state_lock(dfd, &ignore);
			cb_state_set_exited(&st, *status);
			cb_state_write(dfd, &st, &ignore);
			if (lock >= 0)
				close(lock);
		}
	}
	if (r < 0 && *cgpath)
		cgroup_gone(dfd, cgpath);
	if (inp[1] >= 0)
		close(inp[1]);
	if (CFG_APPLET_ATTACH && c->att)
		cb_attach_end(c->att, dfd, *status);
	c->att = NULL;
	cb_emul_rec_close(&rec);
	if (rm) {
		cb_volume_rm_anon_at(s, dfd); /* as podman's --rm: its anonymous volumes go too */
		int rr = cb_rm_rf_at(s->rootfd, dir);
		if (rr < 0)
			cb_warn("could not remove %s/%s: %s", s->root, dir, strerror(-rr));
	}
	return r;
}

/* The monitor, once the command has ended: --restart's policy says whether it runs again
 * (on-failure: after a non-zero status, at most N times when N is given), after a pause
 * that doubles from 100 ms to 10 s (back to 100 ms after a run of 10 s or more); 'cbox
 * stop' leaves the file "stopped" that ends it. */
static void relaunch(struct cb_store *s, struct child *c, int dfd, const char *dir, int *status, cb_err *e)
{
	const char *p = c->restart ? c->restart : "no";
	int always = !strcmp(p, "always") || !strcmp(p, "unless-stopped"), report = -1;
	int max = !strncmp(p, "on-failure:", 11) ? atoi(p + 11) : 0;
	long delay = 100;
	for (int tries = 0; always || (!strncmp(p, "on-failure", 10) && *status && (!max || tries < max)); tries++) {
		time_t t0 = time(NULL);
		for (long slept = 0; slept < delay && faccessat(dfd, "stopped", F_OK, 0) < 0; slept += 50)
			usleep(50000);
		if (faccessat(dfd, "stopped", F_OK, 0) == 0)
			return;
		cb_info("restarting the container (--restart %s), pause %ld ms", p, delay);
		if (c->term) { /* -t: a new pty (the last one went with its process) */
			cb_term_close(c->term);
			if (cb_term_prepare(c->term, e) < 0)
				c->term = NULL;
		}
		if (cb_net_start(c->net, e) < 0 || launch(s, c, dfd, dir, 0, NULL, &report, status, e) < 0)
			cb_warn("restart: %s", e->msg);
		cb_net_stop(c->net);
		delay = time(NULL) - t0 >= 10 ? 100 : delay * 2 > 10000 ? 10000 : delay * 2;
	}
}

/* volumes and binds: [{src, dst, ro}] */
static void binds_json(cJSON *cj, const char *key, const struct cb_volume *v, int n)
{
	cJSON *a = cJSON_AddArrayToObject(cj, key);
	for (int i = 0; i < n; i++) {
		cJSON *b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "src", v[i].src);
		cJSON_AddStringToObject(b, "dst", v[i].dst);
		cJSON_AddBoolToObject(b, "ro", v[i].ro);
		if (v[i].name) /* a named or anonymous volume, and its options */
			cJSON_AddStringToObject(b, "name", v[i].name);
		cJSON_AddBoolToObject(b, "anon", v[i].anon);
		cJSON_AddBoolToObject(b, "copyup", v[i].copyup);
		cJSON_AddBoolToObject(b, "chown", v[i].chown);
		cJSON_AddBoolToObject(b, "overlay", v[i].overlay);
		if (v[i].flags || v[i].prop || v[i].tmpfs) { /* :noexec..., :shared..., a tmpfs volume */
			cJSON_AddNumberToObject(b, "flags", (double)v[i].flags);
			cJSON_AddNumberToObject(b, "prop", (double)v[i].prop);
			cJSON_AddBoolToObject(b, "tmpfs", v[i].tmpfs);
		}
		cJSON_AddItemToArray(a, b);
	}
}

/* The options start needs again, and what inspect shows ("labels", "annotations"). */
static void run_json(cJSON *cj, const struct cb_run_opts *o, const cJSON *config)
{
	cJSON *kv[2] = { cJSON_AddObjectToObject(cj, "labels"), cJSON_AddObjectToObject(cj, "annotations") };
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(config, "config"), "Labels"))
		if (cJSON_IsString(it))
			cJSON_AddStringToObject(kv[0], it->string, it->valuestring);
	for (int i = 0; i < o->nlabels + o->nannotations; i++) {
		int a = i >= o->nlabels;
		const char *s = a ? o->annotations[i - o->nlabels] : o->labels[i];
		char key[256];
		size_t k = strcspn(s, "=");
		snprintf(key, sizeof(key), "%.*s", (int)k, s);
		cJSON_DeleteItemFromObjectCaseSensitive(kv[a], key);
		cJSON_AddStringToObject(kv[a], key, s[k] ? s + k + 1 : "");
	}
	cJSON_AddBoolToObject(cj, "tty", o->tty);
	cJSON_AddBoolToObject(cj, "interactive", o->interactive);
	cJSON_AddBoolToObject(cj, "rm", o->rm);
	cJSON_AddBoolToObject(cj, "sig_proxy", o->sig_proxy);
	cJSON_AddNumberToObject(cj, "timeout", o->timeout);
	cJSON_AddBoolToObject(cj, "no_hosts", o->no_hosts);
	cJSON_AddNumberToObject(cj, "host_ns", o->host_ns);
	cJSON_AddStringToObject(cj, "restart", o->restart ? o->restart : "no");
	if (o->stop_timeout >= 0)
		cJSON_AddNumberToObject(cj, "stop_timeout", o->stop_timeout);
	if (o->tz)
		cJSON_AddStringToObject(cj, "tz", o->tz);
	binds_json(cj, "binds", o->binds, o->nbinds);
	if (cJSON_GetArraySize(o->limits))
		cJSON_AddItemToObject(cj, "resources", cJSON_Duplicate(o->limits, 1));
	if (cJSON_GetArraySize(o->hostconfig))
		cJSON_AddItemToObject(cj, "hostconfig", cJSON_Duplicate(o->hostconfig, 1));
	if (o->cgroup_parent)
		cJSON_AddStringToObject(cj, "cgroup_parent", o->cgroup_parent);
	if (o->cgroups_off)
		cJSON_AddBoolToObject(cj, "cgroups_off", 1);
	if (cJSON_GetArraySize(o->device_rules))
		cJSON_AddItemToObject(cj, "device_rules", cJSON_Duplicate(o->device_rules, 1));
	cJSON_AddStringToObject(cj, "oci_runtime", o->runtime ? o->runtime : "cbox");
	if (o->userns_mode)
		cJSON_AddStringToObject(cj, "userns_mode", o->userns_mode);
	cJSON *cc = cJSON_AddArrayToObject(cj, "create_command");
	for (int i = 0; i < o->nargs; i++)
		cJSON_AddItemToArray(cc, cJSON_CreateString(o->args[i]));
	cJSON_AddNumberToObject(cj, "create_image_arg", o->image_arg);
}

/* --runtime-flag: runc's global flags are taken (cbox is its own runtime: no effect);
 * another fails the start as podman's runtime would, 126. */
static int runtime_flags_ok(int *status, cb_err *e)
{
	static const char *const known[] = { "debug", "log", "log-format", "root", "rootless", "systemd-cgroup", "criu" };
	for (int i = 0; i < cb_opt_nruntime_flags; i++) {
		const char *f = cb_opt_runtime_flags[i] + strspn(cb_opt_runtime_flags[i], "-");
		size_t k = 0, n = strcspn(f, "=");
		while (k < CB_ARRAY_SIZE(known) && (strlen(known[k]) != n || strncmp(known[k], f, n)))
			k++;
		if (k == CB_ARRAY_SIZE(known)) {
			*status = CB_EXIT_NOEXEC;
			return cb_fail(e, EINVAL, "OCI runtime error: cbox: flag provided but not defined: -%s", f);
		}
	}
	return 0;
}

int cb_container_run(struct cb_store *s, const cJSON *img, const struct cb_run_opts *o, int *status, cb_err *e)
{
	const char *image_id = o->rootfs_dir ? "" : cJSON_GetStringValue(cJSON_GetObjectItem(img, "id"));
	const cJSON *layers = cJSON_GetObjectItem(img, "layers");
	char driver[16], *blob = NULL;
	struct cb_keepid kid = { .req = { -1, -1 }, .go = { -1, -1 } };
	int r;
	cJSON *config;
	if (o->rootfs_dir) {
		/* No image: no config, the directory itself (or an overlay on it) is the root. */
		snprintf(driver, sizeof(driver), o->rootfs_overlay ? "overlay" : "rootfs");
		if (!(config = cJSON_CreateObject()))
			return cb_fail(e, ENOMEM, "out of memory");
		goto made;
	}
	if (!image_id || !cJSON_IsArray(layers) || !cJSON_GetArraySize(layers))
		return cb_fail(e, EINVAL, "image entry without id or layers");
	if ((r = cb_driver_choose(s, o->driver, o->rootless, driver, e)) < 0)
		return r;
	/* keep-id with sub-ids: a private copy whose owners look as in the image. */
	if (o->keep_id && o->rootless && cb_idmap_current.mode == CB_IDMAP_FULL)
		snprintf(driver, sizeof(driver), "vfs");
	if ((r = cb_store_get_blob(s, image_id, &blob, NULL, e)) < 0)
		return r;
	config = cJSON_Parse(blob);
	free(blob);
	if (!config)
		return cb_fail(e, EINVAL, "image config %s: not JSON", image_id);
made:;

	struct child c = { .s = s, .out = -1, .err = -1, .logfd = -1, .net = o->net, .keepid = o->keep_id && o->rootless ? &kid : NULL };
	struct etc_text etc;
	int dfd CB_AUTOCLOSE = -1, report = -1, monitor = 0;
	cJSON *cj = NULL;
	*status = CB_EXIT_FAIL;
	if (!o->create && runtime_flags_ok(status, e) < 0) {
		cJSON_Delete(config);
		return -EINVAL;
	}
	unsigned char rnd[32];
	char id[65], name[128], hostname[65], dir[128], path[4096];
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		cJSON_Delete(config);
		return cb_fail_errno(e, errno, "getrandom");
	}
	for (int i = 0; i < 32; i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
	snprintf(name, sizeof(name), "%s", o->name ? o->name : "");
	if (!name[0])
		snprintf(name, sizeof(name), "cbox_%.12s", id);
	snprintf(hostname, sizeof(hostname), "%s", o->hostname ? o->hostname : "");
	if (!hostname[0])
		snprintf(hostname, sizeof(hostname), "%.12s", id);
	struct cb_proc_opts po = o->proc;
	po.hostname = hostname;
	po.tty = o->tty;
	if ((r = cb_proc_build(&c.p, config, &po, e)) < 0 || (c.keepid && (r = cb_keepid_init(&kid, e)) < 0) ||
	    (!o->create && (r = cb_runflags_peer(o->flags, s, e)) < 0) ||
	    (r = cb_health_config(NULL, &o->health, config, e)) < 0)
		goto out;
	if ((r = cb_proc_host_users(&c.p, &po, e)) < 0) {
		*status = CB_EXIT_NOEXEC; /* podman's: the container's passwd file cannot be made */
		goto out;
	}
	c.p.nnp = o->flags->nnp;
	if (c.keepid && o->nomap && (r = cb_keepid_nomap(&kid, e)) < 0)
		goto out;
	if (c.keepid && !o->nomap) {
		cb_keepid_ids(&kid, o->keep_ids[0], o->keep_ids[1]);
		cb_keepid_home(&kid, o->vols, o->nvols, c.p.cwd);
	}
	c.p.single_map = o->single_map;
	c.p.root_emul = cb_emul_wanted(o->root_emul, o->single_map);
	if (name_in_use(s, name)) {
		r = cb_fail(e, EEXIST, "the container name \"%s\" is already in use", name);
		goto out;
	}
	if (o->id_out)
		snprintf(o->id_out, 65, "%s", id);
	if (o->cidfile && (r = cb_write_replace(AT_FDCWD, o->cidfile, id, strlen(id), 0644, 0, e)) < 0)
		goto out;
	if (o->detach && !o->create) {
		int f = fork_monitor(&report, status, e);
		if (f != 0) {
			r = f < 0 ? f : *status ? -EINVAL : 0;
			goto out; /* the caller, done: the monitor goes on */
		}
		monitor = 1;
	}

	/* The published ports are bound before the container exists. */
	if ((r = cb_net_publish_all(o->net, config, e)) < 0 || (!o->create && (r = cb_net_start(o->net, e)) < 0)) {
		if (r == -EADDRINUSE) /* podman's status: its runtime could not start the container */
			*status = CB_EXIT_NOEXEC;
		goto out;
	}
	snprintf(dir, sizeof(dir), "containers/%s", id);
	if (mkdirat(s->rootfd, dir, 0700) < 0) {
		r = cb_fail_errno(e, errno, "%s/%s", s->root, dir);
		goto out;
	}
	dfd = openat(s->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cj = cJSON_CreateObject();
	struct timespec now;
	char created[48];
	clock_gettime(CLOCK_REALTIME, &now);
	size_t cl = strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%S", gmtime(&now.tv_sec));
	snprintf(created + cl, sizeof(created) - cl, ".%09ldZ", now.tv_nsec); /* ps sorts by it */
	cJSON_AddStringToObject(cj, "id", id);
	cJSON_AddStringToObject(cj, "name", name);
	cJSON_AddStringToObject(cj, "image", image_id);
	cJSON_AddStringToObject(cj, "image_name", o->image_name ? o->image_name : "");
	cJSON_AddStringToObject(cj, "image_digest", cJSON_GetStringValue(cJSON_GetObjectItem(img, "digest")) ?: "");
	cJSON_AddItemToObject(cj, "command", str_array(c.p.argv));
	cJSON_AddStringToObject(cj, "driver", driver);
	if (c.keepid) {
		cJSON_AddStringToObject(cj, "userns", o->nomap ? "nomap" : "keep-id");
		cJSON_AddNumberToObject(cj, "keep_uid", o->keep_ids[0]);
		cJSON_AddNumberToObject(cj, "keep_gid", o->keep_ids[1]);
	}
	cJSON_AddStringToObject(cj, "created", created);
	cb_net_json(o->net, cj);
	r = dfd < 0 ? cb_fail_errno(e, errno, "%s", dir) : 0;
	if (r == 0 && !o->create)
		r = open_log(dfd, &c, o->log_driver, o->tty, o->detach, e);

	/* The rootfs: lowerdir top-first, relative to the store root (the child's cwd) so a
	 * deep image still fits the one page of mount options. */
	char overlay[4096], rootfs[4096];
	int n = o->rootfs_dir ? 0 : cJSON_GetArraySize(layers);
	if (r == 0 && o->rootfs_dir && !o->rootfs_overlay) {
		snprintf(rootfs, sizeof(rootfs), "%s", o->rootfs_dir);
	} else if (r == 0 && !strcmp(driver, "overlay")) {
		char lower[4096], layer[128];
		size_t len = (size_t)snprintf(lower, sizeof(lower), "%s", o->rootfs_dir ? o->rootfs_dir : "");
		int etc_is = o->rootfs_dir ? etc_kind(AT_FDCWD, o->rootfs_dir) : 0;
		for (int i = n - 1; i >= 0 && len < sizeof(lower); i--) {
			const char *l = cJSON_GetStringValue(cJSON_GetArrayItem(layers, i));
			if (!l || !cb_digest_valid(l)) {
				r = cb_fail(e, EINVAL, "image %s: bad layer id", image_id);
				break;
			}
			snprintf(layer, sizeof(layer), "layers/%s/diff", cb_digest_hex(l));
			len += (size_t)snprintf(lower + len, sizeof(lower) - len, "%s%s", i == n - 1 ? "" : ":", layer);
			etc_is = etc_is ? etc_is : etc_kind(s->rootfd, layer);
		}
		/* The mount points on top, unless the image's /etc is no directory (it would
		 * hide it). A --rm container's upper dir goes with it: "volatile", so that the
		 * overlay's end does not sync the store's filesystem (a journal commit). */
		cb_err ignore;
		int mp = r == 0 && etc_is >= 0 && cb_store_mountpoints(s, &ignore) == 0;
		len = (size_t)snprintf(overlay, sizeof(overlay), "lowerdir=%s%s,upperdir=%s/upper,workdir=%s/work%s%s",
				       mp ? "mountpoints:" : "", lower, dir, dir, o->rootless ? ",userxattr" : "",
				       o->rm ? ",volatile" : "");
		if (r == 0 && len >= 4000)
			r = cb_fail(e, E2BIG, "image %s: %d layers do not fit an overlay mount; use --storage-driver vfs",
				    image_id, n);
		/* Mounted over containers/ itself in the container's own mount namespace: any
		 * directory serves, and a merged/ of its own would be one more to make and
		 * remove on disk. */
		snprintf(rootfs, sizeof(rootfs), "containers");
		/* The root directory's mode is the upper dir's: 555, as podman's (its storage
		 * does not take a layer's "./" entry) */
		if (r == 0 && (mkdirat(dfd, "upper", 0555) < 0 || mkdirat(dfd, "work", 0700) < 0))
			r = cb_fail_errno(e, errno, "%s: mkdir", dir);
		c.m.overlay = overlay;
	} else if (r == 0) {
		snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir);
		if (mkdirat(dfd, "rootfs", 0755) < 0)
			r = cb_fail_errno(e, errno, "%s: mkdir", rootfs);
		int rfd CB_AUTOCLOSE = r ? -1 : openat(dfd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		for (int i = 0; r == 0 && i < n; i++) {
			const char *l = cJSON_GetStringValue(cJSON_GetArrayItem(layers, i));
			if (!l || !cb_digest_valid(l)) {
				r = cb_fail(e, EINVAL, "image %s: bad layer id", image_id);
				break;
			}
			snprintf(path, sizeof(path), "layers/%s/diff", cb_digest_hex(l));
			int lfd = openat(s->rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			r = lfd < 0 ? cb_fail_errno(e, errno, "layer %s", l) : cb_vfs_apply_keepid(lfd, rfd, l, kid.full ? kid.ids : NULL, e);
			if (lfd >= 0)
				close(lfd);
		}
	}
	c.m.rootfs = rootfs;
	c.m.workdir = c.p.cwd;
	c.m.workdir_given = c.p.cwd_given;
	c.m.vols = o->vols;
	c.m.nvols = o->nvols;
	if (r == 0)
		r = chown_list(&c, e);
	c.m.tmpfs = o->tmpfs;
	c.m.ntmpfs = o->ntmpfs;
	c.m.privileged = o->proc.privileged;
	c.init = o->init;
	c.m.readonly = o->readonly;
	c.m.rootless = o->rootless;
	c.m.host_pid = !!(o->host_ns & CB_HOST_PID);
	c.m.binds = o->binds;
	c.m.nbinds = o->nbinds;
	c.hostname = hostname;
	c.host_ns = o->host_ns | (o->flags->ipc_fd >= 0 ? CB_HOST_IPC : 0); /* --ipc container: joined */
	c.m.flags = c.flags = o->flags;
	c.sig_proxy = o->sig_proxy;
	c.restart = o->restart;
	c.timeout = o->timeout;
	c.limits = o->limits;
	c.cgroup_parent = o->cgroup_parent;
	c.cgroups_off = o->cgroups_off;
	c.cgroup_asked = cJSON_GetArraySize(o->hostconfig) > 0;
	c.device_rules = o->device_rules;
	c.keep_stdin = o->interactive && o->detach;

	/* What start needs to run it again. */
	cJSON *pj = cJSON_AddObjectToObject(cj, "process");
	cJSON_AddItemToObject(pj, "args", str_array(c.p.argv));
	cJSON_AddItemToObject(pj, "env", str_array(c.p.env));
	cJSON_AddStringToObject(pj, "cwd", c.p.cwd);
	cJSON_AddBoolToObject(pj, "cwd_given", c.p.cwd_given);
	cJSON_AddStringToObject(pj, "user", c.p.user);
	cJSON_AddBoolToObject(pj, "single_map", o->single_map);
	cJSON_AddNumberToObject(pj, "caps", (double)c.p.caps);
	cJSON_AddNumberToObject(pj, "user_caps", (double)c.p.user_caps);
	cJSON_AddBoolToObject(pj, "privileged", c.p.privileged);
	cJSON_AddBoolToObject(pj, "root_emul", c.p.root_emul);
	cJSON_AddItemToObject(pj, "seccomp", cb_seccomp_to_json(&c.p.seccomp));
	cJSON_AddItemToObject(pj, "groups_add", str_array(c.p.groups_add));
	if (c.p.passwd_add)
		cJSON_AddStringToObject(pj, "passwd_add", c.p.passwd_add);
	cJSON_AddStringToObject(cj, "hostname", hostname);
	cJSON_AddStringToObject(cj, "rootfs", rootfs);
	if (c.m.overlay)
		cJSON_AddStringToObject(cj, "overlay", overlay);
	cJSON_AddBoolToObject(cj, "read_only", o->readonly);
	cJSON_AddBoolToObject(cj, "rootless", o->rootless);
	binds_json(cj, "volumes", o->vols, o->nvols);
	cJSON *tj = cJSON_AddArrayToObject(cj, "tmpfs");
	for (int i = 0; i < o->ntmpfs; i++) {
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "dst", o->tmpfs[i].dst);
		cJSON_AddNumberToObject(t, "flags", (double)o->tmpfs[i].flags);
		cJSON_AddStringToObject(t, "data", o->tmpfs[i].data);
		cJSON_AddBoolToObject(t, "copyup", o->tmpfs[i].copyup);
		cJSON_AddItemToArray(tj, t);
	}
	cJSON_AddBoolToObject(cj, "init", o->init);
	cJSON_AddStringToObject(cj, "log_driver", cb_log_driver_name(o->log_driver));
	const char *sig = cJSON_GetStringValue(
		cJSON_GetObjectItem(cJSON_GetObjectItem(config, "config"), "StopSignal"));
	cJSON_AddStringToObject(cj, "stop_signal", o->stop_signal ? o->stop_signal : sig ? sig : "");
	run_json(cj, o, config);
	cb_runflags_json(o->flags, cj);
	cb_health_config(cj, &o->health, config, e); /* checked above */
	c.cj = cj;
	etc_text(&etc, hostname, name, o->net, cj);
	child_etc(&c, &etc);
	char *config_text = r == 0 ? cb_json_print(cj) : NULL;
	if (r == 0 && !config_text)
		r = cb_fail(e, ENOMEM, "out of memory");

	/* -t: the pty; with -d the monitor copies it into ctr.log (its stdout). */
	struct cb_term term = { .sock = { -1, -1 } };
	if (r == 0 && o->tty && (r = cb_term_prepare(&term, e)) == 0) {
		c.term = &term;
		c.interactive = o->interactive && !o->detach;
	}
	if (r == 0 && o->create) {
		/* create: made, nothing started (no state.json reads as created) */
		r = cb_write_replace(dfd, "config.json", config_text, strlen(config_text), 0600, !o->rm, e);
		*status = r < 0 ? CB_EXIT_FAIL : 0;
	} else if (r == 0) {
		r = launch(s, &c, dfd, dir, o->rm, config_text, &report, status, e);
		if (monitor && r == 0)
			relaunch(s, &c, dfd, dir, status, e);
	} else if (dfd >= 0 && o->rm) {
		cb_rm_rf_at(s->rootfd, dir);
	}
	if (r < 0 && dfd >= 0 && o->create)
		cb_rm_rf_at(s->rootfd, dir); /* a create that failed leaves nothing */
	free(config_text);
	cb_term_close(&term);
	if (c.logfd >= 0)
		close(c.logfd);
out:
	cb_keepid_close(&kid);
	cb_runflags_close(o->flags);
	cb_net_stop(o->net);
	if (monitor) {
		send_report(&report, *status ? *status : CB_EXIT_FAIL, e);
		_exit(0); /* the monitor, done */
	}
	cJSON_Delete(cj);
	cb_proc_free(&c.p);
	cJSON_Delete(config);
	return r;
}

int cb_container_proc(const cJSON *cj, const struct cb_proc_opts *o, struct cb_proc *p, cb_err *e)
{
	/* The spec run recorded stands in for the image config: its argv as the entrypoint
	 * unless a command replaces it. */
	const cJSON *pj = cJSON_GetObjectItem(cj, "process");
	cJSON *img = cJSON_CreateObject(), *ic = cJSON_AddObjectToObject(img, "config");
	if (!o->ncmd)
		cJSON_AddItemReferenceToObject(ic, "Entrypoint", cJSON_GetObjectItem(pj, "args"));
	cJSON_AddItemReferenceToObject(ic, "Env", cJSON_GetObjectItem(pj, "env"));
	cJSON_AddItemReferenceToObject(ic, "WorkingDir", cJSON_GetObjectItem(pj, "cwd"));
	cJSON_AddItemReferenceToObject(ic, "User", cJSON_GetObjectItem(pj, "user"));
	/* --group-add as recorded, unless the caller gives its own */
	struct cb_proc_opts oo = *o;
	const char *groups[64];
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(pj, "groups_add"))
		if (cJSON_IsString(it) && !o->ngroups_add && oo.ngroups_add < 64)
			groups[oo.ngroups_add++] = it->valuestring;
	if (!o->ngroups_add)
		oo.groups_add = groups;
	int r = cb_proc_build(p, img, &oo, e);
	p->single_map = cJSON_IsTrue(cJSON_GetObjectItem(pj, "single_map"));
	if (!o->workdir)
		p->cwd_given = cJSON_IsTrue(cJSON_GetObjectItem(pj, "cwd_given"));
	/* The capabilities and filters it was run with (exec gets them too, as podman's). */
	if (cJSON_IsNumber(cJSON_GetObjectItem(pj, "caps"))) {
		p->caps = (unsigned long long)cJSON_GetNumberValue(cJSON_GetObjectItem(pj, "caps"));
		p->user_caps = (unsigned long long)cJSON_GetNumberValue(cJSON_GetObjectItem(pj, "user_caps"));
	}
	p->privileged = cJSON_IsTrue(cJSON_GetObjectItem(pj, "privileged"));
	p->root_emul = cJSON_IsTrue(cJSON_GetObjectItem(pj, "root_emul"));
	p->emul_sock = -1;
	if (r == 0)
		r = cb_seccomp_from_json(&p->seccomp, cJSON_GetObjectItem(pj, "seccomp"), e);
	if (r == 0 && cJSON_IsString(cJSON_GetObjectItem(pj, "passwd_add")) &&
	    !(p->passwd_add = strdup(cJSON_GetObjectItem(pj, "passwd_add")->valuestring)))
		r = cb_fail(e, ENOMEM, "out of memory");
	cJSON_Delete(img);
	return r;
}

/* What start reads back from config.json to run the container again. */
struct started {
	struct child c;
	struct cb_net net;
	struct cb_volume *vols, *binds;
	struct cb_tmpfs *tmpfs;
	struct cb_keepid kid;
	struct cb_runflags flags;
	struct cb_term term;
	struct etc_text etc;
	cJSON *cj;
	int dfd, lock, rm;
	char dir[128];
};

static void started_free(struct started *t)
{
	if (t->c.logfd >= 0)
		close(t->c.logfd);
	cb_keepid_close(&t->kid);
	cb_runflags_close(&t->flags);
	cb_term_close(&t->term);
	free(t->vols);
	free(t->binds);
	free(t->tmpfs);
	cb_net_free(&t->net);
	cb_proc_free(&t->c.p);
	cJSON_Delete(t->cj);
	if (t->lock >= 0)
		close(t->lock);
	if (t->dfd >= 0)
		close(t->dfd);
}

/* An int of config.json, 0 when absent (a container of an older cbox). */
static int num(const cJSON *cj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(cj, key);
	return cJSON_IsNumber(v) ? (int)v->valuedouble : 0;
}

static struct cb_volume *binds_from_json(const cJSON *a, int *n)
{
	struct cb_volume *v = calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(*v));
	const cJSON *it;
	cJSON_ArrayForEach(it, a) {
		if (!v)
			break;
		v[*n].src = cJSON_GetStringValue(cJSON_GetObjectItem(it, "src")) ?: "";
		v[*n].dst = cJSON_GetStringValue(cJSON_GetObjectItem(it, "dst")) ?: "";
		v[*n].name = cJSON_GetStringValue(cJSON_GetObjectItem(it, "name"));
		v[*n].anon = cJSON_IsTrue(cJSON_GetObjectItem(it, "anon"));
		v[*n].copyup = cJSON_IsTrue(cJSON_GetObjectItem(it, "copyup"));
		v[*n].chown = cJSON_IsTrue(cJSON_GetObjectItem(it, "chown"));
		v[*n].overlay = cJSON_IsTrue(cJSON_GetObjectItem(it, "overlay"));
		v[*n].flags = (unsigned long)num(it, "flags");
		v[*n].prop = (unsigned long)num(it, "prop");
		v[*n].tmpfs = cJSON_IsTrue(cJSON_GetObjectItem(it, "tmpfs"));
		v[(*n)++].ro = cJSON_IsTrue(cJSON_GetObjectItem(it, "ro"));
	}
	return v;
}

/* The log driver config.json names (k8s-file when none: an older cbox's). */
static int log_driver(const cJSON *cj)
{
	int driver = CB_LOG_K8S_FILE;
	cb_err ignore;
	cb_log_driver_parse(cJSON_GetStringValue(cJSON_GetObjectItem(cj, "log_driver")) ?: "k8s-file", &driver, &ignore);
	return driver;
}

/* Open and lock the container, rebuild its child from config.json. 1: running already
 * (nothing to do), 0: t ready, else a negative errno. */
static int start_prepare(struct cb_store *s, const char *id, struct started *t, cb_err *e)
{
	struct child *c = &t->c;
	struct cb_state st;
	int r;
	memset(t, 0, sizeof(*t));
	t->dfd = t->lock = -1;
	t->kid.req[0] = t->kid.req[1] = t->kid.go[0] = t->kid.go[1] = -1;
	t->flags.ipc_fd = -1;
	t->term.sock[0] = t->term.sock[1] = -1;
	c->out = c->err = c->logfd = -1;
	c->s = s;
	if ((r = cb_container_open(s, id, &t->dfd, &t->cj, e)) < 0)
		return r;
	const cJSON *cj = t->cj;
	if ((r = cb_net_from_json(&t->net, cj, e)) < 0 || (r = t->lock = cb_state_lock(t->dfd, e)) < 0)
		return r;
	cb_state_read(t->dfd, &st);
	if (st.state == CB_STATE_RUNNING || cb_state_monitor_alive(&st))
		return 1; /* as podman: starting a running container is no error */
	if (t->net.mode == CB_NET_CONTAINER && (r = cb_net_join_peer(&t->net, e)) < 0)
		return r;
	struct cb_proc_opts po = { 0 };
	if ((r = cb_container_proc(cj, &po, &c->p, e)) < 0)
		return r;
	const char *userns = cJSON_GetStringValue(cJSON_GetObjectItem(cj, "userns")) ?: "";
	if (!strcmp(userns, "keep-id") || !strcmp(userns, "nomap")) {
		if ((r = cb_keepid_init(&t->kid, e)) < 0 || (userns[0] == 'n' && (r = cb_keepid_nomap(&t->kid, e)) < 0))
			return r;
		const cJSON *u = cJSON_GetObjectItem(cj, "keep_uid"), *g = cJSON_GetObjectItem(cj, "keep_gid");
		cb_keepid_ids(&t->kid, cJSON_IsNumber(u) ? (long)u->valuedouble : -1, cJSON_IsNumber(g) ? (long)g->valuedouble : -1);
		c->keepid = &t->kid;
	}
	const cJSON *tj = cJSON_GetObjectItem(cj, "tmpfs"), *it;
	t->vols = binds_from_json(cJSON_GetObjectItem(cj, "volumes"), &c->m.nvols);
	t->binds = binds_from_json(cJSON_GetObjectItem(cj, "binds"), &c->m.nbinds);
	t->tmpfs = calloc((size_t)cJSON_GetArraySize(tj) + 1, sizeof(*t->tmpfs));
	if (!t->vols || !t->binds || !t->tmpfs)
		return cb_fail(e, ENOMEM, "out of memory");
	if (c->keepid)
		cb_keepid_home(c->keepid, t->vols, c->m.nvols, c->p.cwd);
	cJSON_ArrayForEach(it, tj) {
		struct cb_tmpfs *tf = &t->tmpfs[c->m.ntmpfs++];
		tf->dst = cJSON_GetStringValue(cJSON_GetObjectItem(it, "dst")) ?: "";
		tf->flags = (unsigned long)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "flags"));
		snprintf(tf->data, sizeof(tf->data), "%s", cJSON_GetStringValue(cJSON_GetObjectItem(it, "data")) ?: "");
		tf->copyup = cJSON_IsTrue(cJSON_GetObjectItem(it, "copyup"));
	}
	snprintf(t->dir, sizeof(t->dir), "containers/%s", id);
	c->m.vols = t->vols;
	if ((r = chown_list(c, e)) < 0)
		return r;
	c->m.binds = t->binds;
	c->m.tmpfs = t->tmpfs;
	c->m.privileged = c->p.privileged;
	c->init = cJSON_IsTrue(cJSON_GetObjectItem(cj, "init"));
	c->m.rootfs = cJSON_GetStringValue(cJSON_GetObjectItem(cj, "rootfs")) ?: "";
	c->m.overlay = cJSON_GetStringValue(cJSON_GetObjectItem(cj, "overlay"));
	c->m.workdir = c->p.cwd;
	c->m.workdir_given = c->p.cwd_given;
	c->m.readonly = cJSON_IsTrue(cJSON_GetObjectItem(cj, "read_only"));
	c->m.rootless = cJSON_IsTrue(cJSON_GetObjectItem(cj, "rootless"));
	cb_runflags_from_json(&t->flags, cj);
	if ((r = cb_runflags_peer(&t->flags, s, e)) < 0)
		return r;
	c->host_ns = num(cj, "host_ns") | (t->flags.ipc_fd >= 0 ? CB_HOST_IPC : 0);
	c->m.flags = c->flags = &t->flags;
	c->p.nnp = t->flags.nnp;
	c->m.host_pid = !!(c->host_ns & CB_HOST_PID);
	c->sig_proxy = !cJSON_IsFalse(cJSON_GetObjectItem(cj, "sig_proxy"));
	c->restart = cJSON_GetStringValue(cJSON_GetObjectItem(cj, "restart"));
	c->timeout = num(cj, "timeout");
	c->limits = cJSON_GetObjectItem(cj, "resources");
	c->cgroup_parent = cJSON_GetStringValue(cJSON_GetObjectItem(cj, "cgroup_parent"));
	c->cgroups_off = cJSON_IsTrue(cJSON_GetObjectItem(cj, "cgroups_off"));
	c->cgroup_asked = cJSON_GetArraySize(cJSON_GetObjectItem(cj, "hostconfig")) > 0;
	c->device_rules = cJSON_GetObjectItem(cj, "device_rules");
	c->keep_stdin = cJSON_IsTrue(cJSON_GetObjectItem(cj, "interactive"));
	c->hostname = cJSON_GetStringValue(cJSON_GetObjectItem(cj, "hostname")) ?: "";
	c->net = &t->net;
	c->cj = t->cj;
	t->rm = cJSON_IsTrue(cJSON_GetObjectItem(cj, "rm"));
	etc_text(&t->etc, c->hostname, cJSON_GetStringValue(cJSON_GetObjectItem(cj, "name")) ?: "", &t->net, cj);
	child_etc(c, &t->etc);
	unlinkat(t->dfd, "stopped", 0); /* a stop before: the monitor may restart it again */
	return 0;
}

int cb_container_start(struct cb_store *s, const char *id, cb_err *e)
{
	struct started t;
	int report = -1, status, r = start_prepare(s, id, &t, e);
	if (r != 0 || (r = fork_monitor(&report, &status, e)) != 0) {
		r = r < 0 ? r : r == 1 && status ? -EINVAL : 0;
		started_free(&t);
		return r;
	}
	close(t.lock); /* the caller's copy holds it until the start is reported */
	t.lock = -1;
	status = CB_EXIT_FAIL;
	r = open_log(t.dfd, &t.c, log_driver(t.cj), cJSON_IsTrue(cJSON_GetObjectItem(t.cj, "tty")), 1, e);
	if (r == 0 && cJSON_IsTrue(cJSON_GetObjectItem(t.cj, "tty")) && (r = cb_term_prepare(&t.term, e)) == 0)
		t.c.term = &t.term;
	if (r == 0)
		r = cb_net_start(&t.net, e);
	if (r == 0)
		r = launch(s, &t.c, t.dfd, t.dir, t.rm, NULL, &report, &status, e);
	cb_net_stop(&t.net);
	if (r == 0 && !t.rm)
		relaunch(s, &t.c, t.dfd, t.dir, &status, e);
	send_report(&report, status ? status : CB_EXIT_FAIL, e);
	_exit(0);
}

int cb_container_start_attached(struct cb_store *s, const char *id, int interactive, int *status, cb_err *e)
{
	struct started t;
	int report = -1, r = start_prepare(s, id, &t, e);
	*status = r == 1 ? 0 : CB_EXIT_FAIL;
	if (r == 0) {
		close(t.lock); /* launch takes it to record the exit */
		t.lock = -1;
		int tty = cJSON_IsTrue(cJSON_GetObjectItem(t.cj, "tty"));
		r = open_log(t.dfd, &t.c, log_driver(t.cj), tty, 0, e);
		if (r == 0 && tty && (r = cb_term_prepare(&t.term, e)) == 0) {
			t.c.term = &t.term;
			t.c.interactive = interactive;
		}
		if (r == 0)
			r = cb_net_start(&t.net, e);
		if (r == 0)
			r = launch(s, &t.c, t.dfd, t.dir, t.rm, NULL, &report, status, e);
		cb_net_stop(&t.net);
	}
	started_free(&t);
	return r < 0 ? r : 0;
}
