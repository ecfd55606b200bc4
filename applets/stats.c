//config:config APPLET_STATS
//config:	bool "stats: containers' CPU, memory, I/O and pids (cgroup v2)"
//config:	depends on CGROUP
//config:	default y
//applet:CB_APPLET(stats, stats_main, CB_NOSUID)
//cmd:CB_CMD("stats", "container", 0, -1, "[CONTAINER...]", "Show containers' resource usage")
//usage:The figures of each running container (default: all of them) from its cgroup v2:
//usage:ID NAME CPU % MEM USAGE / LIMIT MEM % NET IO BLOCK IO PIDS CPU TIME AVG CPU %,
//usage:as podman; refreshed every interval until interrupted.
//usage:
//usage:  -a, --all            stopped containers too (no figures)
//usage:      --no-stream      one table, then exit
//usage:      --format F       json or a Go template ({{.ID}} {{.Name}} {{.CPUPerc}}
//usage:                       {{.MemUsage}} {{.MemPerc}} {{.NetIO}} {{.BlockIO}} {{.PIDS}}
//usage:                       {{.CPU}} {{.AVGCPU}} {{.UpTime}})
//usage:  -i, --interval N     seconds between tables (default 5)
/* stats.c - cbox stats */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "format.h"
#include "paths.h"
#include "state.h"

struct sample {
	char id[65];
	uint64_t cpu_usec;
	double at; /* CLOCK_MONOTONIC seconds */
};

static double now_mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Go's time.Duration text of a microsecond count: 0s, 512µs, 1.234ms, 2m3.5s */
static void duration(uint64_t us, char *out, size_t n)
{
	char num[48];
	int k;
	if (us < 1000)
		return (void)snprintf(out, n, us ? "%lluµs" : "0s", (unsigned long long)us);
	if (us < 1000000)
		k = snprintf(num, sizeof(num), "%.3f", (double)us / 1e3);
	else
		k = snprintf(num, sizeof(num), "%.6f", (double)(us % 60000000) / 1e6);
	while (k > 0 && num[k - 1] == '0')
		num[--k] = '\0';
	if (k > 0 && num[k - 1] == '.')
		num[--k] = '\0';
	unsigned long long m = us / 60000000;
	if (us < 1000000)
		snprintf(out, n, "%sms", num);
	else if (m >= 60)
		snprintf(out, n, "%lluh%llum%ss", m / 60, m % 60, num);
	else if (m)
		snprintf(out, n, "%llum%ss", m, num);
	else
		snprintf(out, n, "%ss", num);
}

/* Received and sent bytes of every interface in pid's network namespace. */
static void net_io(pid_t pid, double *rx, double *tx)
{
	char p[64], line[512];
	unsigned long long r, t;
	snprintf(p, sizeof(p), "/proc/%d/net/dev", (int)pid);
	FILE *f = fopen(p, "re");
	*rx = *tx = 0;
	while (f && fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');
		if (c && sscanf(c + 1, "%llu %*u %*u %*u %*u %*u %*u %*u %llu", &r, &t) == 2)
			*rx += (double)r, *tx += (double)t;
	}
	if (f)
		fclose(f);
}

static double mem_total(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	unsigned long long kb = 0;
	if (f && fscanf(f, "MemTotal: %llu kB", &kb) != 1)
		kb = 0;
	if (f)
		fclose(f);
	return (double)kb * 1024;
}

static time_t parse_time(const char *s)
{
	struct tm tm = { 0 };
	return s && strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) ? timegm(&tm) : 0;
}

static void pair(char *out, size_t n, double a, double b)
{
	char x[32], y[32];
	cb_cgroup_size(a, x, sizeof(x));
	cb_cgroup_size(b, y, sizeof(y));
	snprintf(out, n, "%s / %s", x, y);
}

/* One container's row; prev: its last sample (CPU % over the interval), updated. */
static cJSON *row(struct cb_store *s, const char *id, struct sample *prev, int named, cb_err *e)
{
	struct cb_state st;
	struct cb_cgroup_stats cs = { 0 };
	char path[CB_CGROUP_PATH] = "", v[96];
	cJSON *cfg;
	int dfd;
	if (cb_container_open(s, id, &dfd, &cfg, e) < 0)
		return NULL;
	cb_state_read(dfd, &st);
	cb_cgroup_recorded(dfd, path, sizeof(path));
	close(dfd);
	int live = st.state == CB_STATE_RUNNING && *path && cb_cgroup_stats(path, &cs) == 0;
	if (!live && named && st.state == CB_STATE_RUNNING) {
		cJSON_Delete(cfg);
		if (cb_rootless() && !cb_cgroup_v2())
			return cb_fail(e, ENOTSUP, "stats is not supported in rootless mode without cgroups v2"), NULL;
		return cb_fail(e, ENOTSUP, "container %.12s has no cgroup of its own (no writable cgroup v2 hierarchy "
			       "when it started, or --cgroups disabled)", id), NULL;
	}
	double t = now_mono(), up = difftime(time(NULL), parse_time(st.started)), rx = 0, tx = 0;
	double limit = cs.mem_limit ? (double)cs.mem_limit : mem_total();
	double cpu = prev->at > 0 && t > prev->at ? (double)(cs.cpu_usec - prev->cpu_usec) / 1e6 / (t - prev->at)
						  : up > 0 ? (double)cs.cpu_usec / 1e6 / up : 0;
	prev->cpu_usec = cs.cpu_usec;
	prev->at = t;
	if (live)
		net_io(st.pid, &rx, &tx);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "ContainerID", id);
	snprintf(v, sizeof(v), "%.12s", id);
	cJSON_AddStringToObject(o, "ID", v);
	cJSON_AddStringToObject(o, "Name", cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "name")) ?: "");
	cJSON_Delete(cfg);
	snprintf(v, sizeof(v), "%.2f%%", live ? cpu * 100 : 0);
	cJSON_AddStringToObject(o, "CPUPerc", v);
	snprintf(v, sizeof(v), "%.2f%%", live && up > 0 ? (double)cs.cpu_usec / 1e4 / up : 0);
	cJSON_AddStringToObject(o, "AVGCPU", v);
	pair(v, sizeof(v), (double)cs.mem, live ? limit : 0);
	cJSON_AddStringToObject(o, "MemUsage", v);
	cJSON_AddNumberToObject(o, "MemUsageBytes", (double)cs.mem);
	snprintf(v, sizeof(v), "%.2f%%", live && limit > 0 ? (double)cs.mem * 100 / limit : 0);
	cJSON_AddStringToObject(o, "MemPerc", v);
	pair(v, sizeof(v), rx, tx);
	cJSON_AddStringToObject(o, "NetIO", v);
	pair(v, sizeof(v), (double)cs.rbytes, (double)cs.wbytes);
	cJSON_AddStringToObject(o, "BlockIO", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)cs.pids);
	cJSON_AddStringToObject(o, "PIDS", v);
	duration(cs.cpu_usec, v, sizeof(v));
	cJSON_AddStringToObject(o, "UpTime", v);
	cJSON_AddStringToObject(o, "CPUTime", v);
	cJSON_AddNumberToObject(o, "CPU", live ? cpu * 100 : 0);
	return o;
}

int stats_main(int argc, char **argv)
{
	enum { ALL = 1, NOSTREAM, FORMAT, INTERVAL, NORESET };
	static const struct cb_option opts[] = { { "all", 'a', CB_OPT_NONE, ALL },
						 { "no-stream", 0, CB_OPT_NONE, NOSTREAM },
						 { "format", 0, CB_OPT_ARG, FORMAT },
						 { "interval", 'i', CB_OPT_ARG, INTERVAL },
						 { "no-reset", 0, CB_OPT_NONE, NORESET },
						 { 0 } };
	struct cb_opt_state st;
	const char *format = NULL;
	int c, all = 0, stream = 1, interval = 5;
	cb_err e = { 0 };
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		if (c == ALL)
			all = 1;
		else if (c == NOSTREAM)
			stream = 0;
		else if (c == FORMAT)
			format = st.arg;
		else if (c == INTERVAL && (interval = atoi(st.arg)) < 1) {
			fprintf(stderr, "Error: --interval %s: want whole seconds, at least 1\n", st.arg);
			return CB_EXIT_FAIL;
		}
	}
	struct cb_store s;
	char (*ids)[65] = NULL;
	int n = st.argc - st.ind;
	if (cb_store_open(&s, cb_opt_root, &e) < 0)
		cb_die(&e);
	if (n == 0 && cb_container_ids(&s, &ids, &n, &e) < 0)
		cb_die(&e);
	if (st.ind < st.argc && !(ids = calloc((size_t)n, sizeof(*ids))))
		return CB_EXIT_FAIL;
	for (int i = 0; st.ind < st.argc && i < n; i++)
		if (cb_container_resolve(&s, st.argv[st.ind + i], ids[i], sizeof(ids[i]), &e) < 0)
			cb_die(&e);
	int named = st.ind < st.argc;
	struct sample *prev = calloc((size_t)n + 1, sizeof(*prev));
	cJSON *heads = cJSON_CreateObject();
	static const char *const hk[][2] = { { "Name", "NAME" }, { "CPUPerc", "CPU %" }, { "MemUsage", "MEM USAGE / LIMIT" },
					     { "MemPerc", "MEM %" }, { "NetIO", "NET IO" }, { "BlockIO", "BLOCK IO" },
					     { "UpTime", "CPU TIME" }, { "AVGCPU", "AVG CPU %" } };
	for (size_t i = 0; i < sizeof(hk) / sizeof(*hk); i++)
		cJSON_AddStringToObject(heads, hk[i][0], hk[i][1]);
	struct cb_format_opts fo = { .heads = heads, .align = 1,
				     .table = "{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t"
					      "{{.BlockIO}}\t{{.PIDS}}\t{{.UpTime}}\t{{.AVGCPU}}" };
	for (;;) {
		cJSON *items = cJSON_CreateArray();
		for (int i = 0; i < n; i++) {
			struct cb_state cs;
			int dfd;
			cJSON *cfg;
			if (!named) { /* the listing: running ones (--all: every one) */
				if (cb_container_open(&s, ids[i], &dfd, &cfg, &e) < 0)
					continue;
				cb_state_read(dfd, &cs);
				close(dfd);
				cJSON_Delete(cfg);
				if (!all && cs.state != CB_STATE_RUNNING)
					continue;
			}
			cJSON *o = row(&s, ids[i], &prev[i], named, &e);
			if (!o)
				cb_die(&e);
			cJSON_AddItemToArray(items, o);
		}
		if (stream && !format)
			printf("\033[H\033[2J");
		if (cb_format_print(format ? format : "table", items, &fo, &e) < 0)
			cb_die(&e);
		cJSON_Delete(items);
		fflush(stdout);
		if (!stream)
			return 0;
		sleep((unsigned)interval);
	}
}
