//config:config APPLET_RUNTIME
//config:	bool "runtime: an OCI runtime (runc/crun command line), also as cbox-runtime"
//config:	default y
//applet:CB_APPLET(runtime, runtime_main, CB_NOSUID)
//usage:Usage: cbox runtime [GLOBAL OPTIONS] COMMAND [OPTIONS] ID   (or: cbox-runtime ...)
//usage:
//usage:The OCI runtime command line, as runc and crun spell it, for podman (--runtime),
//usage:conmon and containerd (BinaryName), on the same container core as cbox run.
//usage:
//usage:  --root DIR            state directory (/run/cbox-runtime; rootless or in a
//usage:                        user namespace: $XDG_RUNTIME_DIR/cbox-runtime)
//usage:  --log FILE            errors also go here; --log-format text|json
//usage:  --debug               debug messages on stderr
//usage:  --systemd-cgroup      refused: cbox writes cgroup v2 itself (cgroupfs)
//usage:
//usage:  create [--bundle DIR] [--pid-file F] [--console-socket S] [--no-pivot]
//usage:         [--no-new-keyring] [--preserve-fds N] ID
//usage:  start ID             state ID             delete [--force] ID
//usage:  kill [--all] ID [SIGNAL]                  (default TERM)
//usage:  run [create's options] [--detach] ID      create, start, wait: its exit status
//usage:  exec [--process F.json | --tty --cwd DIR --env K=V --user UID[:GID] --cap CAP
//usage:       --no-new-privs] [--detach] [--pid-file F] [--console-socket S] ID [ARGS]
//usage:  ps [--format table|json] ID           list [--format table|json]
//usage:  spec [--rootless] [--bundle DIR]      features            --version
//usage:  pause ID             resume ID            (cgroup v2 freezer)
//usage:  update [--resources F.json|-] [--memory N --memory-swap N --memory-reservation N
//usage:         --cpu-quota N --cpu-period N --cpu-shares N --cpuset-cpus L --cpuset-mems L
//usage:         --pids-limit N --blkio-weight N] ID
//usage:  events --stats ID    one stats event (JSON): cpu, memory, pids, blkio
/* runtime.c - cbox runtime, cbox-runtime: the OCI runtime command line. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "bundle.h"
#include "cgroup.h"
#include "ctl.h"
#include "idmap.h"
#include "json.h"
#include "ns.h"
#include "oci.h"
#include "store.h"

static const char *log_file;
static int log_json;

/* The error on stderr and, with --log, in the log file (containerd and conmon read it). */
static int fail(const char *cmd, const cb_err *e)
{
	fprintf(stderr, "cbox-runtime: %s: %s\n", cmd, e->msg);
	FILE *f = log_file ? fopen(log_file, "ae") : NULL;
	if (f) {
		char when[40];
		time_t now = time(NULL);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
		if (log_json) {
			cJSON *j = cJSON_CreateObject();
			cJSON_AddStringToObject(j, "level", "error");
			cJSON_AddStringToObject(j, "msg", e->msg);
			cJSON_AddStringToObject(j, "time", when);
			char *t = cJSON_PrintUnformatted(j);
			fprintf(f, "%s\n", t ? t : "");
			free(t);
			cJSON_Delete(j);
		} else {
			fprintf(f, "time=\"%s\" level=error msg=\"%s: %s\"\n", when, cmd, e->msg);
		}
		fclose(f);
	}
	return e->errnum == 0 ? 1 : 1;
}

static int print_json(cJSON *j)
{
	char *t = j ? cJSON_Print(j) : NULL;
	cJSON_Delete(j);
	if (!t)
		return 1;
	printf("%s\n", t);
	free(t);
	return 0;
}

/* The one operand (the id), or an error. */
static const char *one_id(struct cb_opt_state *st, const char *cmd, int more_ok)
{
	if (st->ind >= st->argc || (!more_ok && st->ind + 1 != st->argc)) {
		fprintf(stderr, "cbox-runtime: %s: want one container id\n", cmd);
		return NULL;
	}
	return st->argv[st->ind];
}

static int create_or_run(const char *root, const char *cmd, int argc, char **argv)
{
	enum { B = 1, PID, SOCK, NOPIVOT, KEYRING, PRESERVE, DETACH };
	static const struct cb_option opts[] = {
		{ "bundle", 'b', CB_OPT_ARG, B }, { "pid-file", 0, CB_OPT_ARG, PID },
		{ "console-socket", 0, CB_OPT_ARG, SOCK }, { "no-pivot", 0, CB_OPT_NONE, NOPIVOT },
		{ "no-new-keyring", 0, CB_OPT_NONE, KEYRING }, { "preserve-fds", 0, CB_OPT_ARG, PRESERVE },
		{ "detach", 'd', CB_OPT_NONE, DETACH }, { 0 },
	};
	struct cb_opt_state st;
	struct cb_term term = { .sock = { -1, -1 } };
	struct cb_bundle_opts o = { .root = root, .bundle = "." };
	char bundle[4096];
	int c, detach = 0, run = !strcmp(cmd, "run");
	cb_err e = { 0 };
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts)))
		switch (c) {
		case B: o.bundle = st.arg; break;
		case PID: o.pid_file = st.arg; break;
		case SOCK: o.console_socket = st.arg; break;
		case NOPIVOT: o.no_pivot = 1; break;
		case PRESERVE: o.preserve_fds = atoi(st.arg); break;
		case DETACH: detach = 1; break;
		}
	const char *id = one_id(&st, cmd, 0);
	if (!id)
		return 1;
	if (!realpath(o.bundle, bundle)) {
		cb_fail_errno(&e, errno, "--bundle %s", o.bundle);
		return fail(cmd, &e);
	}
	o.bundle = bundle;
	o.term = run && !detach ? &term : NULL;
	pid_t pid;
	if (cb_bundle_create(&o, id, &pid, &e) < 0)
		return fail(cmd, &e);
	if (!run)
		return 0;
	int status = 0;
	if (cb_bundle_start(root, id, &e) < 0) {
		cb_bundle_delete(root, id, 1, &(cb_err){ 0 });
		return fail(cmd, &e);
	}
	if (detach)
		return 0;
	if (term.sock[0] >= 0 ? cb_term_attach(&term, pid, isatty(0), &status, &e) < 0 : (status = cb_ns_wait(pid), 0))
		fail(cmd, &e);
	cb_term_close(&term);
	cb_err ignore;
	cb_bundle_delete(root, id, 1, &ignore);
	return status;
}

/* exec without --process: the container's process with these changes. */
static int exec_main(const char *root, int argc, char **argv)
{
	enum { PROC = 1, DETACH, PID, SOCK, TTY, CWD, ENV, USER, CAP, NNP, PRESERVE };
	static const struct cb_option opts[] = {
		{ "process", 'p', CB_OPT_ARG, PROC }, { "detach", 'd', CB_OPT_NONE, DETACH },
		{ "pid-file", 0, CB_OPT_ARG, PID }, { "console-socket", 0, CB_OPT_ARG, SOCK },
		{ "tty", 't', CB_OPT_NONE, TTY }, { "cwd", 0, CB_OPT_ARG, CWD }, { "env", 'e', CB_OPT_ARG, ENV },
		{ "user", 'u', CB_OPT_ARG, USER }, { "cap", 'c', CB_OPT_ARG, CAP },
		{ "no-new-privs", 0, CB_OPT_NONE, NNP }, { "preserve-fds", 0, CB_OPT_ARG, PRESERVE }, { 0 },
	};
	struct cb_opt_state st;
	struct cb_bundle_exec x = { 0 };
	const char *process = NULL;
	cJSON *env = cJSON_CreateArray(), *caps = cJSON_CreateArray(), *set = cJSON_CreateObject();
	cb_err e = { 0 };
	int c, status = 0;
	cb_opt_init_cmd(&st, argc, argv); /* after the id: the command */
	while ((c = cb_getopt(&st, opts))) {
		switch (c) {
		case PROC: process = st.arg; break;
		case DETACH: x.detach = 1; break;
		case PID: x.pid_file = st.arg; break;
		case SOCK: x.console_socket = st.arg; break;
		case TTY: cJSON_AddTrueToObject(set, "terminal"); break;
		case CWD: cJSON_AddStringToObject(set, "cwd", st.arg); break;
		case ENV: cJSON_AddItemToArray(env, cJSON_CreateString(st.arg)); break;
		case CAP: cJSON_AddItemToArray(caps, cJSON_CreateString(st.arg)); break;
		case NNP: cJSON_AddTrueToObject(set, "noNewPrivileges"); break;
		case PRESERVE: x.preserve_fds = atoi(st.arg); break;
		case USER: {
			cJSON *u = cJSON_AddObjectToObject(set, "user");
			const char *colon = strchr(st.arg, ':');
			cJSON_AddNumberToObject(u, "uid", atoi(st.arg));
			cJSON_AddNumberToObject(u, "gid", colon ? atoi(colon + 1) : 0);
			break;
		}
		}
	}
	const char *id = one_id(&st, "exec", 1);
	int r = id ? 0 : -EINVAL;
	if (!id)
		e.msg[0] = '\0';
	else if (process) {
		char *text;
		if ((r = cb_read_file_at(AT_FDCWD, process, 4 << 20, &text, NULL, &e)) == 0) {
			x.process = cJSON_Parse(text);
			free(text);
			r = x.process ? 0 : cb_fail(&e, EINVAL, "--process %s: not JSON", process);
		}
	} else if (st.ind + 1 >= st.argc) {
		r = cb_fail(&e, EINVAL, "exec %s: no command (ARGS or --process)", id);
	} else if ((r = cb_bundle_process(root, id, &x.process, &e)) == 0) {
		cJSON *item, *args = cJSON_CreateStringArray((const char *const *)argv + st.ind + 1, st.argc - st.ind - 1);
		cJSON_ReplaceItemInObject(x.process, "args", args);
		cJSON_ReplaceItemInObject(x.process, "terminal", cJSON_CreateBool(cJSON_HasObjectItem(set, "terminal")));
		while ((item = set->child)) {
			cJSON_DetachItemViaPointer(set, item);
			cJSON_DeleteItemFromObject(x.process, item->string);
			cJSON_AddItemToObject(x.process, item->string, item);
		}
		cJSON *penv = cJSON_GetObjectItem(x.process, "env");
		while (penv && (item = env->child))
			cJSON_AddItemToArray(penv, cJSON_DetachItemViaPointer(env, item));
		cJSON *pc = cJSON_GetObjectItem(x.process, "capabilities");
		for (cJSON *cap = caps->child; pc && cap; cap = cap->next)
			for (cJSON *s = pc->child; s; s = s->next)
				cJSON_AddItemToArray(s, cJSON_CreateString(cap->valuestring));
	}
	cJSON_Delete(env);
	cJSON_Delete(caps);
	cJSON_Delete(set);
	if (r == 0)
		r = cb_bundle_exec(root, id, &x, &status, &e);
	cJSON_Delete(x.process);
	if (r < 0 && status == 0)
		status = 1;
	if (r < 0 && id)
		fail("exec", &e);
	return r < 0 && !id ? 1 : status;
}

static int ps_main(const char *root, int argc, char **argv)
{
	static const struct cb_option opts[] = { { "format", 'f', CB_OPT_ARG, 1 }, { 0 } };
	struct cb_opt_state st;
	const char *format = "table";
	cb_err e;
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		format = st.arg;
	const char *id = one_id(&st, "ps", 1);
	pid_t *pids;
	int n;
	if (!id)
		return 1;
	if (cb_bundle_pids(root, id, &pids, &n, &e) < 0)
		return fail("ps", &e);
	if (!strcmp(format, "json"))
		printf("[");
	else
		printf("PID\tCMD\n");
	for (int i = 0; i < n; i++) {
		char path[64], cmd[256] = "";
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pids[i]);
		if (cb_read_small_at(AT_FDCWD, path, cmd, sizeof(cmd)) > 0)
			cmd[strcspn(cmd, "\n")] = '\0';
		if (!strcmp(format, "json"))
			printf("%s%d", i ? "," : "", (int)pids[i]);
		else
			printf("%d\t%s\n", (int)pids[i], cmd);
	}
	if (!strcmp(format, "json"))
		printf("]\n");
	free(pids);
	return 0;
}

static int list_main(const char *root, int argc, char **argv)
{
	static const struct cb_option opts[] = { { "format", 'f', CB_OPT_ARG, 1 }, { "quiet", 'q', CB_OPT_NONE, 2 }, { 0 } };
	struct cb_opt_state st;
	const char *format = "table";
	int quiet = 0, c;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts)))
		if (c == 1)
			format = st.arg;
		else
			quiet = 1;
	DIR *d = opendir(root);
	struct dirent *de;
	cJSON *all = cJSON_CreateArray();
	while (d && (de = readdir(d))) {
		cJSON *s;
		cb_err ignore;
		if (cb_bundle_id_ok(de->d_name) && cb_bundle_state(root, de->d_name, &s, NULL, &ignore) == 0)
			cJSON_AddItemToArray(all, s);
	}
	if (d)
		closedir(d);
	if (!strcmp(format, "json"))
		return print_json(all);
	if (!quiet)
		printf("ID\tPID\tSTATUS\tBUNDLE\tCREATED\n");
	for (cJSON *s = all->child; s; s = s->next)
		if (quiet)
			printf("%s\n", cJSON_GetStringValue(cJSON_GetObjectItem(s, "id")));
		else
			printf("%s\t%.0f\t%s\t%s\t%s\n", cJSON_GetStringValue(cJSON_GetObjectItem(s, "id")),
			       cJSON_GetNumberValue(cJSON_GetObjectItem(s, "pid")),
			       cJSON_GetStringValue(cJSON_GetObjectItem(s, "status")),
			       cJSON_GetStringValue(cJSON_GetObjectItem(s, "bundle")),
			       cJSON_GetStringValue(cJSON_GetObjectItem(s, "created")));
	cJSON_Delete(all);
	return 0;
}

static int spec_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { "rootless", 0, CB_OPT_NONE, 1 }, { "bundle", 'b', CB_OPT_ARG, 2 }, { 0 } };
	struct cb_opt_state st;
	const char *bundle = ".";
	int rootless = 0, c;
	cb_err e = { 0 };
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts)))
		if (c == 1)
			rootless = 1;
		else
			bundle = st.arg;
	cJSON *j = cb_oci_default_spec(rootless, getuid(), getgid());
	char *text = j ? cJSON_Print(j) : NULL, path[4096];
	cJSON_Delete(j);
	/* As runc: config.json in the bundle, never over an existing one. */
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	int fd = text ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : -1;
	size_t len = text ? strlen(text) : 0;
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1)
		cb_fail_errno(&e, errno == EEXIST ? EEXIST : errno, "%s", path);
	if (fd >= 0)
		close(fd);
	free(text);
	return e.msg[0] ? fail("spec", &e) : 0;
}

/* ---- resources: update and events --stats (the container's cgroup v2, cgroup.c) ---- */

/* runc update's flags into a runtime-spec resources object */
static int update_flag(cJSON *res, int k, const char *flag, const char *arg, cb_err *e)
{
	static const char *const where[][2] = { { "memory", "limit" }, { "memory", "swap" }, { "memory", "reservation" },
						{ "cpu", "quota" },     { "cpu", "period" }, { "cpu", "shares" },
						{ "cpu", "cpus" },      { "cpu", "mems" },   { "pids", "limit" },
						{ "blockIO", "weight" } };
	cJSON *o = cJSON_GetObjectItem(res, where[k][0]);
	if (!o)
		o = cJSON_AddObjectToObject(res, where[k][0]);
	if (k == 6 || k == 7)
		return cJSON_AddStringToObject(o, where[k][1], arg) ? 0 : -ENOMEM;
	int64_t v;
	char *end;
	if (k < 3 && !strcmp(arg, "-1"))
		v = -1;
	else if (k < 3 ? cb_cgroup_ram(arg, &v) < 0 : (v = strtoll(arg, &end, 10), end == arg || *end))
		return cb_fail(e, EINVAL, "--%s %s: not a number", flag, arg);
	cJSON_AddNumberToObject(o, where[k][1], (double)v);
	return 0;
}

static int cgroup_cmd(const char *root, const char *cmd, int argc, char **argv)
{
	enum { RES = 100, STATS, INTERVAL };
	static const struct cb_option opts[] = {
		{ "memory", 'm', CB_OPT_ARG, 1 }, { "memory-swap", 0, CB_OPT_ARG, 2 }, { "memory-reservation", 0, CB_OPT_ARG, 3 },
		{ "cpu-quota", 0, CB_OPT_ARG, 4 }, { "cpu-period", 0, CB_OPT_ARG, 5 }, { "cpu-shares", 0, CB_OPT_ARG, 6 },
		{ "cpuset-cpus", 0, CB_OPT_ARG, 7 }, { "cpuset-mems", 0, CB_OPT_ARG, 8 }, { "pids-limit", 0, CB_OPT_ARG, 9 },
		{ "blkio-weight", 0, CB_OPT_ARG, 10 }, { "resources", 'r', CB_OPT_ARG, RES }, { "stats", 0, CB_OPT_NONE, STATS },
		{ "interval", 0, CB_OPT_ARG, INTERVAL }, { 0 },
	};
	struct cb_opt_state st;
	cb_err e = { 0 };
	cJSON *res = cJSON_CreateObject(), *file = NULL;
	int c, r = 0, stats = 0;
	cb_opt_init(&st, argc, argv);
	while (r == 0 && (c = cb_getopt(&st, opts))) {
		if (c == STATS) {
			stats = 1;
		} else if (c == RES) {
			char *text = NULL;
			r = cb_read_file_at(AT_FDCWD, strcmp(st.arg, "-") ? st.arg : "/dev/stdin", 1 << 20, &text, NULL, &e);
			if (r == 0 && !cJSON_IsObject(file = cJSON_Parse(text)))
				r = cb_fail(&e, EINVAL, "--resources %s: not a JSON object", st.arg);
			free(text);
		} else if (c != INTERVAL) {
			r = update_flag(res, c - 1, opts[c - 1].name, st.arg, &e); /* ids from 1 */
		}
	}
	const char *id = r == 0 ? one_id(&st, cmd, 0) : NULL;
	if (r == 0 && !id)
		r = -EINVAL, e.msg[0] = '\0';
	if (r == 0 && !strcmp(cmd, "update")) {
		r = cb_bundle_update(root, id, file ? file : res, &e);
	} else if (r == 0 && !stats) {
		r = cb_fail(&e, ENOTSUP, "events without --stats: only --stats is supported");
	} else if (r == 0) {
		struct cb_cgroup_stats cs;
		if ((r = cb_bundle_stats(root, id, &cs, &e)) == 0) {
			/* runc's shape: {"type":"stats","id":ID,"data":{...}} */
			cJSON *j = cJSON_CreateObject(), *d, *m;
			cJSON_AddStringToObject(j, "type", "stats");
			cJSON_AddStringToObject(j, "id", id);
			d = cJSON_AddObjectToObject(j, "data");
			cJSON_AddNumberToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(d, "cpu"), "usage"), "total",
						(double)cs.cpu_usec * 1000);
			m = cJSON_AddObjectToObject(cJSON_AddObjectToObject(d, "memory"), "usage");
			cJSON_AddNumberToObject(m, "usage", (double)cs.mem);
			cJSON_AddNumberToObject(m, "limit", (double)cs.mem_limit);
			cJSON_AddNumberToObject(cJSON_AddObjectToObject(d, "pids"), "current", (double)cs.pids);
			cJSON *b = cJSON_AddObjectToObject(d, "blkio");
			cJSON_AddNumberToObject(b, "read_bytes", (double)cs.rbytes);
			cJSON_AddNumberToObject(b, "write_bytes", (double)cs.wbytes);
			char *t = cJSON_PrintUnformatted(j);
			printf("%s\n", t ? t : "");
			free(t);
			cJSON_Delete(j);
		}
	}
	cJSON_Delete(res);
	cJSON_Delete(file);
	return r < 0 ? (e.msg[0] ? fail(cmd, &e) : 1) : 0;
}

int runtime_main(int argc, char **argv)
{
	enum { LOG = 1, FORMAT, DEBUG, SYSTEMD, ROOTLESS, VERSION };
	static const struct cb_option opts[] = {
		{ "log", 0, CB_OPT_ARG, LOG }, { "log-format", 0, CB_OPT_ARG, FORMAT }, { "debug", 0, CB_OPT_NONE, DEBUG },
		{ "systemd-cgroup", 0, CB_OPT_NONE, SYSTEMD }, { "rootless", 0, CB_OPT_ARG, ROOTLESS },
		{ "version", 'v', CB_OPT_NONE, VERSION }, { 0 },
	};
	struct cb_opt_state st;
	int c, systemd = 0;
	cb_err e = { 0 };
	cb_opt_init_cmd(&st, argc, argv); /* the command and its own options follow */
	while ((c = cb_getopt(&st, opts))) {
		switch (c) {
		case LOG: log_file = st.arg; break;
		case FORMAT: log_json = !strcmp(st.arg, "json"); break;
		case DEBUG: cb_log_set_level("debug", &e); break;
		case SYSTEMD: systemd = 1; break;
		case VERSION:
			printf("cbox-runtime version %s\nspec: %s\n", CB_VERSION, CB_OCI_VERSION);
			return 0;
		}
	}
	if (st.ind >= argc) {
		fprintf(stderr, "cbox-runtime: want a command (see cbox runtime --help)\n");
		return 1;
	}
	const char *cmd = argv[st.ind];
	int sub_argc = argc - st.ind;
	char **sub = argv + st.ind;
	if (systemd) {
		cb_fail(&e, ENOTSUP, "--systemd-cgroup: not supported (cbox writes cgroup v2 itself; use cgroupfs)");
		return fail(cmd, &e);
	}
	char root[4096];
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (cb_opt_root)
		snprintf(root, sizeof(root), "%s", cb_opt_root);
	else if ((getuid() != 0 || cb_in_userns()) && xdg && xdg[0] == '/')
		snprintf(root, sizeof(root), "%s/cbox-runtime", xdg);
	else if (getuid() != 0)
		snprintf(root, sizeof(root), "/tmp/cbox-runtime-%u", (unsigned)getuid());
	else
		snprintf(root, sizeof(root), "/run/cbox-runtime");
	if (!strcmp(cmd, "create") || !strcmp(cmd, "run"))
		return create_or_run(root, cmd, sub_argc, sub);
	if (!strcmp(cmd, "exec"))
		return exec_main(root, sub_argc, sub);
	if (!strcmp(cmd, "ps"))
		return ps_main(root, sub_argc, sub);
	if (!strcmp(cmd, "list"))
		return list_main(root, sub_argc, sub);
	if (!strcmp(cmd, "spec"))
		return spec_main(sub_argc, sub);
	if (!strcmp(cmd, "features"))
		return print_json(cb_oci_features());
	if (!strcmp(cmd, "update") || !strcmp(cmd, "events"))
		return cgroup_cmd(root, cmd, sub_argc, sub);
	static const struct cb_option kill_opts[] = { { "all", 'a', CB_OPT_NONE, 1 }, { "force", 'f', CB_OPT_NONE, 2 }, { 0 } };
	int all = 0, force = 0;
	cb_opt_init(&st, sub_argc, sub);
	while ((c = cb_getopt(&st, kill_opts)))
		*(c == 1 ? &all : &force) = 1;
	const char *id = one_id(&st, cmd, !strcmp(cmd, "kill"));
	if (!id)
		return 1;
	int r;
	if (!strcmp(cmd, "start")) {
		r = cb_bundle_start(root, id, &e);
	} else if (!strcmp(cmd, "state")) {
		cJSON *s;
		if ((r = cb_bundle_state(root, id, &s, NULL, &e)) == 0)
			return print_json(s);
	} else if (!strcmp(cmd, "kill")) {
		int sig = st.ind + 1 < st.argc ? cb_signal_parse(st.argv[st.ind + 1]) : SIGTERM;
		r = sig < 0 ? cb_fail(&e, EINVAL, "signal %s: unknown", st.argv[st.ind + 1]) : cb_bundle_kill(root, id, sig, all, &e);
	} else if (!strcmp(cmd, "pause") || !strcmp(cmd, "resume")) {
		r = cb_bundle_pause(root, id, cmd[0] == 'p', &e);
	} else if (!strcmp(cmd, "delete")) {
		r = cb_bundle_delete(root, id, force, &e);
	} else {
		r = cb_fail(&e, EINVAL, "unknown command (see cbox runtime --help)");
	}
	return r < 0 ? fail(cmd, &e) : 0;
}
