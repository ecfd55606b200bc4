/* health.c - healthchecks (see health.h). */
#include <ctype.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#include "container.h"
#include "ctl.h"
#include "emul.h"
#include "health.h"
#include "idmap.h"
#include "json.h"
#include "ns.h"

#define SEC 1000000000LL
#define LOG_KEEP 5     /* podman's MaxHealthCheckNumberLogs */
#define OUTPUT_MAX 500 /* podman's MaxHealthCheckLogLength */

void cb_health_opts_init(struct cb_health_opts *h)
{
	memset(h, 0, sizeof(*h));
	h->interval = h->timeout = h->start_period = -1;
	h->retries = -1;
}

int cb_go_duration(const char *s, long long *ns)
{
	static const struct {
		const char *unit;
		long long ns;
	} units[] = { { "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "ms", 1000000 }, { "s", SEC },
		      { "m", 60 * SEC }, { "h", 3600 * SEC } };
	const char *p = s + (*s == '-' || *s == '+');
	double total = 0;
	if (!strcmp(p, "0")) {
		*ns = 0;
		return 0;
	}
	if (!*p)
		return -EINVAL;
	while (*p) {
		char *end;
		if (!isdigit((unsigned char)*p) && *p != '.')
			return -EINVAL;
		double v = strtod(p, &end);
		if (end == p)
			return -EINVAL;
		size_t k, best = 0, found = CB_ARRAY_SIZE(units);
		for (k = 0; k < CB_ARRAY_SIZE(units); k++) {
			size_t l = strlen(units[k].unit);
			if (!strncmp(end, units[k].unit, l) && l > best)
				best = l, found = k;
		}
		if (found == CB_ARRAY_SIZE(units))
			return -EINVAL;
		total += v * (double)units[found].ns;
		p = end + best;
	}
	if (total > 9.2e18)
		return -EINVAL;
	*ns = (long long)total * (*s == '-' ? -1 : 1);
	return 0;
}

/* Go's Duration.String() for what a timeout can be: 30s, 1m30s, 1h0m0s, 1.5s, 500ms. */
static void go_duration_str(long long ns, char *out, size_t n)
{
	if (ns < SEC && ns % 1000000 == 0) {
		snprintf(out, n, "%lldms", ns / 1000000);
		return;
	}
	if (ns < SEC) {
		snprintf(out, n, "%lldns", ns);
		return;
	}
	char sec[32];
	long long s = (ns / SEC) % 60, frac = ns % SEC;
	int l = snprintf(sec, sizeof(sec), "%lld", s);
	if (frac) {
		snprintf(sec + l, sizeof(sec) - (size_t)l, ".%09lld", frac);
		l = (int)strlen(sec);
		while (sec[l - 1] == '0')
			sec[--l] = '\0';
	}
	if (ns >= 3600 * SEC)
		snprintf(out, n, "%lldh%lldm%ss", ns / (3600 * SEC), (ns / (60 * SEC)) % 60, sec);
	else if (ns >= 60 * SEC)
		snprintf(out, n, "%lldm%ss", ns / (60 * SEC), sec);
	else
		snprintf(out, n, "%ss", sec);
}

static int duration_opt(const char *name, const char *arg, long long *ns, cb_err *e)
{
	if (cb_go_duration(arg, ns) < 0)
		return cb_fail(e, EINVAL, "invalid healthcheck-%s: time: invalid duration \"%s\"", name, arg);
	return 0;
}

int cb_health_opt(struct cb_health_opts *h, int id, const char *arg, cb_err *e)
{
	char *end;
	if (!CFG_APPLET_HEALTHCHECK && id >= CB_HEALTH_O_CMD && id <= CB_HEALTH_O_FAILURE)
		return cb_fail(e, ENOTSUP, "healthchecks are not in this build (CONFIG_APPLET_HEALTHCHECK)");
	switch (id) {
	case CB_HEALTH_O_CMD: h->cmd = arg; return 1;
	case CB_HEALTH_O_NONE: h->no_healthcheck = !strcmp(arg, "true"); return 1;
	case CB_HEALTH_O_INTERVAL:
		if (!strcmp(arg, "disable")) {
			h->interval = 0;
			return 1;
		}
		return duration_opt("interval", arg, &h->interval, e) ?: 1;
	case CB_HEALTH_O_TIMEOUT:
		if (duration_opt("timeout", arg, &h->timeout, e) < 0)
			return -EINVAL;
		return h->timeout < 1 ? cb_fail(e, EINVAL, "healthcheck-timeout must be at least 1 second") : 1;
	case CB_HEALTH_O_START:
		if (duration_opt("start-period", arg, &h->start_period, e) < 0)
			return -EINVAL;
		return h->start_period < 0 ? cb_fail(e, EINVAL, "healthcheck-start-period must be 0 seconds or greater") : 1;
	case CB_HEALTH_O_RETRIES: {
		unsigned long v = strtoul(arg, &end, 10);
		if (!isdigit((unsigned char)*arg) || *end || v > 1000000)
			return cb_fail(e, EINVAL, "invalid argument \"%s\" for \"--health-retries\" flag: strconv.ParseUint: "
				       "parsing \"%s\": invalid syntax", arg, arg);
		if (!v)
			return cb_fail(e, EINVAL, "healthcheck-retries must be greater than 0");
		h->retries = (int)v;
		return 1;
	}
	case CB_HEALTH_O_FAILURE:
		if (strcmp(arg, "none") && strcmp(arg, "kill") && strcmp(arg, "restart") && strcmp(arg, "stop"))
			return cb_fail(e, EINVAL, "invalid on-failure action \"%s\" for health check: supported actions are "
				       "none,kill,restart,stop", arg);
		h->on_failure = arg;
		return 1;
	}
	return 0;
}

/* strings.Fields: the words of s, into a. */
static void fields(cJSON *a, const char *s)
{
	for (;;) {
		s += strspn(s, " \t\n\r\v\f");
		size_t w = strcspn(s, " \t\n\r\v\f");
		if (!w)
			return;
		char *word = strndup(s, w);
		cJSON_AddItemToArray(a, cJSON_CreateString(word ? word : ""));
		free(word);
		s += w;
	}
}

/* --health-cmd as podman 4.3 reads it: a JSON array of several words runs as they are
 * (CMD), anything else through /bin/sh -c (CMD-SHELL); a first word CMD, CMD-SHELL or
 * NONE is Docker's own form. */
static cJSON *test_of(const char *cmd)
{
	cJSON *arr = cJSON_Parse(cmd), *t = cJSON_CreateArray(), *it;
	int is_arr = cJSON_IsArray(arr) && cJSON_GetArraySize(arr) > 0;
	cJSON_ArrayForEach(it, arr)
		is_arr &= cJSON_IsString(it);
	if (!is_arr) {
		cJSON_Delete(arr);
		arr = cJSON_CreateArray();
		size_t w = strcspn(cmd, " ");
		char *first = strndup(cmd, w);
		cJSON_AddItemToArray(arr, cJSON_CreateString(first ? first : ""));
		free(first);
		if (cmd[w])
			cJSON_AddItemToArray(arr, cJSON_CreateString(cmd + w + 1));
	}
	const char *w0 = cJSON_GetStringValue(cJSON_GetArrayItem(arr, 0)) ?: "";
	if (!strcasecmp(w0, "CMD") || !strcasecmp(w0, "NONE")) {
		fields(t, cmd);
	} else if (!strcasecmp(w0, "CMD-SHELL")) {
		cJSON_Delete(t);
		t = cJSON_Duplicate(arr, 1);
	} else if (is_arr && cJSON_GetArraySize(arr) > 1) {
		cJSON_AddItemToArray(t, cJSON_CreateString("CMD"));
		cJSON_ArrayForEach(it, arr)
			cJSON_AddItemToArray(t, cJSON_Duplicate(it, 0));
	} else {
		char *joined = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&joined, &len);
		cJSON_ArrayForEach(it, arr)
			fprintf(f, "%s%s", it == arr->child ? "" : " ", it->valuestring);
		fclose(f);
		cJSON_AddItemToArray(t, cJSON_CreateString("CMD-SHELL"));
		cJSON_AddItemToArray(t, cJSON_CreateString(joined ? joined : ""));
		free(joined);
	}
	cJSON_Delete(arr);
	if (!strcasecmp(cJSON_GetStringValue(cJSON_GetArrayItem(t, 0)) ?: "", "NONE")) {
		cJSON_Delete(t);
		t = cJSON_CreateArray();
		cJSON_AddItemToArray(t, cJSON_CreateString("NONE"));
	}
	return t;
}

static long long num(const cJSON *j, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(j, k);
	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

int cb_health_defined(const cJSON *cj)
{
	if (!CFG_APPLET_HEALTHCHECK)
		return 0;
	const cJSON *t = cJSON_GetObjectItem(cJSON_GetObjectItem(cj, "healthcheck"), "Test");
	const char *w0 = cJSON_GetStringValue(cJSON_GetArrayItem(t, 0)) ?: "";
	const char *w1 = cJSON_GetStringValue(cJSON_GetArrayItem(t, 1)) ?: "";
	if (!*w0 || !strcmp(w0, "NONE"))
		return 0;
	return (strcmp(w0, "CMD") && strcmp(w0, "CMD-SHELL")) || *w1;
}

int cb_health_config(cJSON *cj, const struct cb_health_opts *h, const cJSON *image_config, cb_err *e)
{
	if (!CFG_APPLET_HEALTHCHECK)
		return 0;
	if (h->no_healthcheck && h->cmd && *h->cmd)
		return cb_fail(e, EINVAL, "cannot specify both --no-healthcheck and --health-cmd");
	cJSON *hc = NULL, *tmp = cj ? NULL : cJSON_CreateObject();
	int r = 0;
	if (tmp)
		cj = tmp;
	const cJSON *img = cJSON_GetObjectItem(cJSON_GetObjectItem(image_config, "config"), "Healthcheck");
	if (h->no_healthcheck) {
		hc = cJSON_CreateObject();
		cJSON_AddItemToObject(hc, "Test", test_of("NONE"));
	} else if (h->cmd && *h->cmd) {
		hc = cJSON_CreateObject();
		cJSON_AddItemToObject(hc, "Test", test_of(h->cmd));
		if (h->start_period > 0)
			cJSON_AddNumberToObject(hc, "StartPeriod", (double)h->start_period);
		if (h->interval != 0)
			cJSON_AddNumberToObject(hc, "Interval", (double)(h->interval < 0 ? 30 * SEC : h->interval));
		cJSON_AddNumberToObject(hc, "Timeout", (double)(h->timeout < 0 ? 30 * SEC : h->timeout));
		cJSON_AddNumberToObject(hc, "Retries", h->retries < 0 ? 3 : h->retries);
	} else if (cJSON_IsArray(cJSON_GetObjectItem(img, "Test"))) {
		/* The image's, with podman's defaults for a missing interval and timeout. */
		hc = cJSON_Duplicate(img, 1);
		if (!num(hc, "Interval"))
			cJSON_DeleteItemFromObject(hc, "Interval"), cJSON_AddNumberToObject(hc, "Interval", 30.0 * SEC);
		if (!num(hc, "Timeout"))
			cJSON_DeleteItemFromObject(hc, "Timeout"), cJSON_AddNumberToObject(hc, "Timeout", 30.0 * SEC);
	}
	if (hc)
		cJSON_AddItemToObject(cj, "healthcheck", hc);
	const char *f = h->on_failure ? h->on_failure : "none";
	if (strcmp(f, "none") && !cb_health_defined(cj))
		r = cb_fail(e, EINVAL, "cannot set on-failure action to %s without a health check", f);
	cJSON_AddStringToObject(cj, "health_on_failure", f);
	cJSON_Delete(tmp);
	return r;
}

/* ---- the check ---- */

static int exec_fn(void *arg, cb_err *e)
{
	return cb_proc_exec(arg, e);
}

/* In a child of ours, its own process group: the check's command in the container as
 * exec runs it (root emulation's owner recorder too), stdin /dev/null, stdout and stderr
 * on out. Exits with the command's status. */
static void __attribute__((noreturn)) check_child(struct cb_store *s, const cJSON *cj, const struct cb_state *st,
						   char **argv, int argc, int out)
{
	struct cb_proc_opts po = { .cmd = argv, .ncmd = argc };
	struct cb_proc p;
	cb_err e = { 0 };
	pid_t pid;
	int syncfd, status, null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	setpgid(0, 0);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(CB_EXIT_FAIL);
	struct cb_emul_rec rec = { .sock = { -1, -1 }, .listener = -1, .wake = { -1, -1 } };
	if (cb_container_proc(cj, &po, &p, &e) < 0 || cb_seccomp_build(&p.seccomp, s->rootfd, p.caps, &e) < 0 ||
	    cb_container_join(st->pid, st->pid_start, &e) < 0 || (p.root_emul && cb_emul_rec_open(&rec, s->rootfd, &e) < 0) ||
	    (p.emul_sock = rec.sock[1], cb_ns_spawn(0, exec_fn, &p, &pid, &syncfd, &e)) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		_exit(CB_EXIT_FAIL);
	}
	cb_emul_rec_forked(&rec);
	if ((status = cb_ns_started(pid, syncfd, &e))) {
		fprintf(stderr, "%s\n", e.msg);
		_exit(status);
	}
	cb_emul_rec_start(&rec);
	status = cb_ns_wait_proxy(pid, 0);
	cb_emul_rec_close(&rec);
	_exit(status);
}

static long long mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * SEC + t.tv_nsec;
}

/* Run argv in the container, at most timeout ns: its status (-1 when it was killed at the
 * timeout), its output's first OUTPUT_MAX bytes in out. */
static int run_check(struct cb_store *s, const cJSON *cj, const struct cb_state *st, char **argv, int argc,
		     long long timeout, char *out, cb_err *e)
{
	int p[2], ws = 0;
	size_t len = 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return cb_fail_errno(e, errno, "pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		check_child(s, cj, st, argv, argc, p[1]);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return cb_fail_errno(e, errno, "fork");
	}
	long long deadline = mono_ns() + timeout;
	int timed_out = 0;
	for (;;) {
		long long left = deadline - mono_ns();
		struct pollfd pf = { .fd = p[0], .events = POLLIN };
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		int k = poll(&pf, 1, (int)(left / 1000000 + 1));
		if (k < 0 && errno == EINTR)
			continue;
		char buf[4096];
		ssize_t n = k > 0 ? read(p[0], buf, sizeof(buf)) : 0;
		if (k > 0 && n < 0 && errno == EINTR)
			continue;
		if (k > 0 && n <= 0)
			break; /* every writer is gone */
		size_t take = n > 0 && len < OUTPUT_MAX ? (size_t)n < OUTPUT_MAX - len ? (size_t)n : OUTPUT_MAX - len : 0;
		memcpy(out + len, buf, take);
		len += take;
	}
	close(p[0]);
	if (timed_out) {
		kill(-pid, SIGKILL); /* the command and whatever it started, in our pid namespace or its */
		kill(pid, SIGKILL);
	}
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	while (len && out[len - 1] == '\n')
		len--;
	out[len] = '\0';
	if (timed_out)
		return -1;
	return WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
}

static void now_nano(char *buf, size_t n)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	size_t l = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", gmtime(&t.tv_sec));
	snprintf(buf + l, n - l, ".%09ldZ", t.tv_nsec);
}

cJSON *cb_health_read(int dfd)
{
	char *text = NULL;
	cb_err ignore;
	cJSON *h = NULL;
	if (cb_read_file_at(dfd, "health.json", 1 << 20, &text, NULL, &ignore) == 0)
		h = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(h)) {
		cJSON_Delete(h);
		h = cJSON_CreateObject();
		cJSON_AddStringToObject(h, "Status", "");
		cJSON_AddNumberToObject(h, "FailingStreak", 0);
		cJSON_AddNullToObject(h, "Log");
	}
	return h;
}

void cb_health_status(struct cb_store *s, const char *id, const cJSON *cj, char *status, size_t n)
{
	char path[128];
	snprintf(path, sizeof(path), "containers/%s", id);
	int dfd = cb_health_defined(cj) ? openat(s->rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	cJSON *h = dfd >= 0 ? cb_health_read(dfd) : NULL;
	snprintf(status, n, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(h, "Status")) ?: "");
	cJSON_Delete(h);
	if (dfd >= 0)
		close(dfd);
}

/* health.json's Status (when status: at the start, when a start's caller holds the
 * container's lock already), or, under that lock, the check's result (log) added as
 * podman does it. The new Status into now (16 bytes). */
static void update(int dfd, const char *status, cJSON *log, int failed, int in_start, int retries, char *now)
{
	cb_err ignore;
	int lock = status ? -1 : cb_state_lock(dfd, &ignore);
	cJSON *h = cb_health_read(dfd), *l = cJSON_GetObjectItem(h, "Log");
	const char *st = cJSON_GetStringValue(cJSON_GetObjectItem(h, "Status")) ?: "";
	int streak = (int)num(h, "FailingStreak");
	if (status) {
		st = status;
	} else if (!failed) {
		st = "healthy";
		streak = 0;
	} else {
		st = *st ? st : "healthy";
		if (!in_start && ++streak >= retries)
			st = "unhealthy";
	}
	snprintf(now, 16, "%s", st);
	cJSON_ReplaceItemInObject(h, "Status", cJSON_CreateString(now));
	cJSON_ReplaceItemInObject(h, "FailingStreak", cJSON_CreateNumber(streak));
	if (log) {
		if (!cJSON_IsArray(l))
			cJSON_ReplaceItemInObject(h, "Log", l = cJSON_CreateArray());
		cJSON_AddItemToArray(l, log);
		while (cJSON_GetArraySize(l) > LOG_KEEP)
			cJSON_DeleteItemFromArray(l, 0);
	}
	char *text = cb_json_print(h);
	if (text)
		cb_write_replace(dfd, "health.json", text, strlen(text), 0600, 0, &ignore);
	free(text);
	cJSON_Delete(h);
	if (lock >= 0)
		close(lock);
}

/* --health-on-failure: kill, stop, or stop and start again; detached (the scheduler's:
 * the monitor that forked it ends it when the container ends) in a session of its own. */
static void on_failure(struct cb_store *s, const char *id, int dfd, const char *action, int detach)
{
	struct cb_state st, now;
	cb_err e;
	if (detach) {
		pid_t p = fork();
		if (p != 0) {
			while (p > 0 && waitpid(p, NULL, 0) < 0 && errno == EINTR)
				;
			return;
		}
		setsid();
		if (fork() != 0)
			_exit(0);
	}
	cb_state_read(dfd, &st);
	int r = !strcmp(action, "kill") ? cb_container_kill(s, id, SIGKILL, &e) : cb_container_stop(s, id, -1, &e);
	/* kill: until its monitor has recorded the end (or run it again: --restart) */
	for (int i = 0; r == 0 && !detach && !strcmp(action, "kill") && i < 100; i++) {
		cb_state_read(dfd, &now);
		if (now.state != CB_STATE_RUNNING || now.pid != st.pid)
			break;
		usleep(20000);
	}
	if (r == 0 && !strcmp(action, "restart") && (r = cb_userns_enter(&e)) == 0) /* start's namespace */
		r = cb_container_start(s, id, &e);
	if (r < 0)
		cb_warn("healthcheck: --health-on-failure %s: %s", action, e.msg);
	if (detach)
		_exit(0);
}

int cb_health_run(struct cb_store *s, const char *id, int dfd, const cJSON *cj, const struct cb_state *st,
		  int detach, int *unhealthy, cb_err *e)
{
	const cJSON *hc = cJSON_GetObjectItem(cj, "healthcheck"), *t = cJSON_GetObjectItem(hc, "Test");
	char *argv[64], now[16];
	int argc = 0, n = cJSON_GetArraySize(t);
	*unhealthy = 0;
	if (st->state != CB_STATE_RUNNING)
		return cb_fail(e, EINVAL, "container %s is not running", id);
	if (!cb_health_defined(cj))
		return cb_fail(e, EINVAL, "container %s has no defined healthcheck", id);
	const char *w0 = cJSON_GetStringValue(cJSON_GetArrayItem(t, 0));
	char *shell = NULL;
	if (!strcmp(w0, "CMD-SHELL")) {
		size_t len = 0;
		FILE *f = open_memstream(&shell, &len);
		for (int i = 1; i < n; i++)
			fprintf(f, "%s%s", i > 1 ? " " : "", cJSON_GetStringValue(cJSON_GetArrayItem(t, i)) ?: "");
		fclose(f);
		argv[argc++] = "/bin/sh";
		argv[argc++] = "-c";
		argv[argc++] = shell ? shell : "";
	} else {
		for (int i = !strcmp(w0, "CMD"); i < n && argc < 63; i++)
			argv[argc++] = cJSON_GetStringValue(cJSON_GetArrayItem(t, i)) ?: "";
	}
	argv[argc] = NULL;
	long long timeout = num(hc, "Timeout") > 0 ? num(hc, "Timeout") : 30 * SEC;
	char start[48], end[48], out[OUTPUT_MAX + 1];
	now_nano(start, sizeof(start));
	struct timespec t0;
	clock_gettime(CLOCK_REALTIME, &t0);
	int code = run_check(s, cj, st, argv, argc, timeout, out, e);
	free(shell);
	if (code < -1)
		return code;
	now_nano(end, sizeof(end));
	/* Within --health-start-period of the start, a failure does not count. */
	struct tm tm = { 0 };
	int in_start = strptime(st->started, "%Y-%m-%dT%H:%M:%S", &tm) &&
		       (long long)(timegm(&tm) - t0.tv_sec) * SEC + num(hc, "StartPeriod") > t0.tv_nsec;
	cJSON *log = cJSON_CreateObject();
	cJSON_AddStringToObject(log, "Start", start);
	cJSON_AddStringToObject(log, "End", end);
	cJSON_AddNumberToObject(log, "ExitCode", code == 0 ? 0 : code < 0 ? -1 : 1); /* podman's */
	cJSON_AddStringToObject(log, "Output", out);
	update(dfd, NULL, log, code != 0, in_start, (int)num(hc, "Retries"), now);
	*unhealthy = code != 0;
	const char *action = cJSON_GetStringValue(cJSON_GetObjectItem(cj, "health_on_failure")) ?: "none";
	if (!strcmp(now, "unhealthy") && strcmp(action, "none")) {
		on_failure(s, id, dfd, action, detach);
		*unhealthy = 2;
	}
	if (code < 0) {
		char d[32];
		go_duration_str(timeout, d, sizeof(d));
		return cb_fail(e, ETIMEDOUT, "healthcheck command exceeded timeout of %s", d);
	}
	return 0;
}

/* ---- the scheduler ---- */

pid_t cb_health_start(struct cb_store *s, int dfd, const cJSON *cj, pid_t pid)
{
	if (!CFG_APPLET_HEALTHCHECK || !cb_health_defined(cj))
		return 0;
	char now[16];
	update(dfd, "starting", NULL, 0, 0, 0, now);
	long long interval = num(cJSON_GetObjectItem(cj, "healthcheck"), "Interval");
	if (interval <= 0)
		return 0; /* --health-interval disable: healthcheck run only */
	pid_t parent = getpid(), sched = fork();
	if (sched != 0)
		return sched < 0 ? 0 : sched;
	/* Out of the caller's process group (a terminal's ^C is the container's business),
	 * ended by the caller, or with it. */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent)
		_exit(0);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	for (int fd = 3; fd < 1024; fd++)
		if (fd != dfd && fd != s->rootfd)
			close(fd);
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(cj, "id")) ?: "";
	for (;;) {
		struct timespec ts = { (time_t)(interval / SEC), (long)(interval % SEC) };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		struct cb_state st;
		cb_err e;
		int bad;
		cb_state_read(dfd, &st);
		if (st.state != CB_STATE_RUNNING || st.pid != pid)
			_exit(0);
		if (cb_health_run(s, id, dfd, cj, &st, 1, &bad, &e) < 0)
			cb_debug("healthcheck %.12s: %s", id, e.msg);
		if (bad == 2)
			_exit(0); /* --health-on-failure acted: this container is on its way out */
	}
}

void cb_health_stop(pid_t scheduler)
{
	if (scheduler <= 0)
		return;
	kill(scheduler, SIGKILL);
	while (waitpid(scheduler, NULL, 0) < 0 && errno == EINTR)
		;
}
