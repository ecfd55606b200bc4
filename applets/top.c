//config:config APPLET_TOP
//config:	bool "top: a container's processes"
//config:	default y
//applet:CB_APPLET(top, top_main, CB_NOSUID)
//usage:Usage: cbox top CONTAINER [DESCRIPTOR...]
//usage:
//usage:The processes of a running container, as podman's top prints them (from /proc:
//usage:the processes in the container's pid namespace). Descriptors (default: user pid
//usage:ppid pcpu etime tty time args): user (as the container sees it), huser (on the
//usage:host), pid, hpid, ppid, pcpu, etime, tty, time, args, comm, state, nice, vsz.
/* top.c - cbox top */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "format.h"
#include "state.h"

static const char *const descs[][2] = {
	{ "user", "USER" }, { "huser", "HUSER" }, { "pid", "PID" },    { "hpid", "HPID" }, { "ppid", "PPID" },
	{ "pcpu", "%CPU" }, { "etime", "ELAPSED" }, { "tty", "TTY" }, { "time", "TIME" }, { "args", "COMMAND" },
	{ "comm", "COMMAND" }, { "state", "STATE" }, { "nice", "NI" }, { "vsz", "VSZ" },
};

struct proc {
	int hpid, pid, hppid, uid, tty, nice;
	char state, comm[64];
	unsigned long long utime, stime, start, vsz;
};

/* /proc/PID's stat and status: 0, or -1 when it went. */
static int read_proc(int hpid, struct proc *p)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/stat", hpid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	char *rp = n > 0 ? (buf[n] = '\0', strrchr(buf, ')')) : NULL, *lp = strchr(buf, '(');
	if (!rp || !lp)
		return -1;
	p->hpid = hpid;
	snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(rp - lp - 1), lp + 1);
	long long f[41] = { 0 };
	char *s = rp + 2;
	p->state = *s;
	for (int i = 3; i < 40 && s && *s; i++) {
		s = strchr(s, ' ');
		if (s)
			f[i + 1] = strtoll(++s, NULL, 10);
	}
	/* fields as proc(5) numbers them: 4 ppid, 7 tty_nr, 14 utime, 15 stime, 19 nice, 22 starttime, 23 vsize */
	p->hppid = (int)f[4], p->tty = (int)f[7], p->utime = (unsigned long long)f[14];
	p->stime = (unsigned long long)f[15], p->nice = (int)f[19], p->start = (unsigned long long)f[22];
	p->vsz = (unsigned long long)f[23];
	snprintf(path, sizeof(path), "/proc/%d/status", hpid);
	FILE *fp = fopen(path, "re");
	p->pid = hpid, p->uid = -1;
	while (fp && fgets(buf, sizeof(buf), fp)) {
		if (!strncmp(buf, "Uid:", 4))
			p->uid = atoi(buf + 4);
		if (!strncmp(buf, "NSpid:", 6)) /* the last: as the container sees it */
			p->pid = atoi(strrchr(buf, '\t') ? strrchr(buf, '\t') + 1 : buf + 6);
	}
	if (fp)
		fclose(fp);
	return 0;
}

/* The host uid as the container (the user namespace of pid) sees it. */
static long inner_uid(int pid, int uid)
{
	char path[64];
	long in, out, cnt;
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	FILE *f = fopen(path, "re");
	while (f && fscanf(f, "%ld %ld %ld", &in, &out, &cnt) == 3)
		if (uid >= out && uid < out + cnt) {
			fclose(f);
			return in + (uid - out);
		}
	if (f)
		fclose(f);
	return -1;
}

static void cell(cJSON *row, const char *d, const struct proc *p, int hpid1, const struct proc *all, int n)
{
	char v[4096] = "";
	long tck = sysconf(_SC_CLK_TCK);
	double up = 0, secs;
	FILE *f = fopen("/proc/uptime", "re");
	if (f && fscanf(f, "%lf", &up) != 1)
		up = 0;
	if (f)
		fclose(f);
	secs = up - (double)p->start / (double)tck;
	unsigned long long cpu = (p->utime + p->stime) / (unsigned long long)tck;
	if (!strcmp(d, "user") || !strcmp(d, "huser")) {
		long u = d[0] == 'h' ? p->uid : inner_uid(hpid1, p->uid);
		snprintf(v, sizeof(v), u == 0 ? "root" : "%ld", u);
	} else if (!strcmp(d, "pid") || !strcmp(d, "hpid")) {
		snprintf(v, sizeof(v), "%d", d[0] == 'h' ? p->hpid : p->pid);
	} else if (!strcmp(d, "ppid")) {
		int pp = 0;
		for (int i = 0; i < n; i++)
			if (all[i].hpid == p->hppid)
				pp = all[i].pid;
		snprintf(v, sizeof(v), "%d", pp);
	} else if (!strcmp(d, "pcpu")) {
		snprintf(v, sizeof(v), "%.3f", secs > 0 ? 100.0 * (double)(p->utime + p->stime) / (double)tck / secs : 0.0);
	} else if (!strcmp(d, "etime")) {
		long s = secs > 0 ? (long)secs : 0;
		snprintf(v, sizeof(v), "%ldh%ldm%lds", s / 3600, s / 60 % 60, s % 60);
	} else if (!strcmp(d, "tty")) {
		snprintf(v, sizeof(v), p->tty ? "pts/%d" : "?", p->tty & 0xff);
	} else if (!strcmp(d, "time")) {
		snprintf(v, sizeof(v), "%lluh%llum%llus", cpu / 3600, cpu / 60 % 60, cpu % 60);
	} else if (!strcmp(d, "args")) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/cmdline", p->hpid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t k = fd < 0 ? 0 : read(fd, v, sizeof(v) - 1);
		if (fd >= 0)
			close(fd);
		for (ssize_t i = 0; i < k - 1; i++)
			v[i] = v[i] ? v[i] : ' ';
		if (k <= 0)
			snprintf(v, sizeof(v), "[%s]", p->comm);
	} else if (!strcmp(d, "comm")) {
		snprintf(v, sizeof(v), "%s", p->comm);
	} else if (!strcmp(d, "state")) {
		snprintf(v, sizeof(v), "%c", p->state);
	} else if (!strcmp(d, "nice")) {
		snprintf(v, sizeof(v), "%d", p->nice);
	} else {
		snprintf(v, sizeof(v), "%llu", p->vsz / 1024);
	}
	cJSON_AddStringToObject(row, d, v);
}

int top_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { 0 } };
	static const char *const dflt[] = { "user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args" };
	struct cb_opt_state st;
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		;
	if (st.ind >= argc) {
		cb_usage_error("name a container");
		return CB_EXIT_FAIL;
	}
	const char **want = (const char **)argv + st.ind + 1;
	int nwant = argc - st.ind - 1;
	if (!nwant)
		want = (const char **)dflt, nwant = (int)CB_ARRAY_SIZE(dflt);
	cJSON *heads = cJSON_CreateObject();
	char tmpl[1024] = "table ";
	for (int i = 0; i < nwant; i++) {
		size_t k = 0;
		while (k < CB_ARRAY_SIZE(descs) && strcmp(descs[k][0], want[i]))
			k++;
		if (k == CB_ARRAY_SIZE(descs) || strlen(tmpl) > sizeof(tmpl) - 32) {
			fprintf(stderr, "Error: unknown descriptor: %s\n", want[i]);
			return CB_EXIT_FAIL;
		}
		cJSON_AddStringToObject(heads, want[i], descs[k][1]);
		snprintf(tmpl + strlen(tmpl), sizeof(tmpl) - strlen(tmpl), "%s{{.%s}}", i ? "\t" : "", want[i]);
	}
	struct cb_store s;
	struct cb_state cs;
	cb_err e;
	char id[65];
	int dfd;
	cJSON *cfg;
	if (cb_store_open(&s, cb_opt_root, &e) < 0 || cb_container_resolve(&s, argv[st.ind], id, sizeof(id), &e) < 0 ||
	    cb_container_open(&s, id, &dfd, &cfg, &e) < 0) {
		fprintf(stderr, "Error: %s\n", e.msg);
		return CB_EXIT_FAIL;
	}
	cb_state_read(dfd, &cs);
	if (cs.state != CB_STATE_RUNNING) { /* podman's words */
		fprintf(stderr, "Error: top can only be used on running containers\n");
		return CB_EXIT_FAIL;
	}
	/* Its processes: those in the pid namespace of its first one. */
	char path[64];
	struct stat ns, pns;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)cs.pid);
	if (stat(path, &ns) < 0) {
		fprintf(stderr, "Error: %s: %s\n", path, strerror(errno));
		return CB_EXIT_FAIL;
	}
	struct proc *ps = NULL;
	int n = 0, cap = 0;
	DIR *d = opendir("/proc");
	for (struct dirent *de; d && (de = readdir(d));) {
		int hpid = atoi(de->d_name);
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", hpid);
		if (hpid <= 0 || stat(path, &pns) < 0 || pns.st_ino != ns.st_ino || pns.st_dev != ns.st_dev)
			continue;
		if (n == cap && !(ps = realloc(ps, (size_t)(cap = cap * 2 + 16) * sizeof(*ps))))
			return CB_EXIT_FAIL;
		if (read_proc(hpid, &ps[n]) == 0)
			n++;
	}
	if (d)
		closedir(d);
	cJSON *rows = cJSON_CreateArray();
	for (int i = 0; i < n; i++) {
		cJSON *row = cJSON_CreateObject();
		for (int k = 0; k < nwant; k++)
			cell(row, want[k], &ps[i], (int)cs.pid, ps, n);
		cJSON_AddItemToArray(rows, row);
	}
	struct cb_format_opts fo = { .heads = heads, .align = 1 };
	if (cb_format_print(tmpl, rows, &fo, &e) < 0) {
		fprintf(stderr, "Error: %s\n", e.msg);
		return CB_EXIT_FAIL;
	}
	return 0;
}
