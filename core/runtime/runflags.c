/* runflags.c - --ulimit, --shm-size, --sysctl, --oom-score-adj, --ipc, --security-opt
 * mask=/unmask=/no-new-privileges (see runflags.h). */
#include <ctype.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "runflags.h"
#include "state.h"

static const struct {
	const char *name;
	int res;
} rlimits[] = {
	{ "as", RLIMIT_AS }, { "core", RLIMIT_CORE }, { "cpu", RLIMIT_CPU }, { "data", RLIMIT_DATA },
	{ "fsize", RLIMIT_FSIZE }, { "locks", RLIMIT_LOCKS }, { "memlock", RLIMIT_MEMLOCK },
	{ "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE }, { "nofile", RLIMIT_NOFILE },
	{ "nproc", RLIMIT_NPROC }, { "rss", RLIMIT_RSS }, { "rtprio", RLIMIT_RTPRIO },
	{ "rttime", RLIMIT_RTTIME }, { "sigpending", RLIMIT_SIGPENDING }, { "stack", RLIMIT_STACK },
};

static const char *rlimit_name(int res)
{
	for (size_t i = 0; i < CB_ARRAY_SIZE(rlimits); i++)
		if (rlimits[i].res == res)
			return rlimits[i].name;
	return "?";
}

void cb_runflags_init(struct cb_runflags *f)
{
	memset(f, 0, sizeof(*f));
	f->ipc_fd = -1;
}

/* A whole decimal number (a leading '-' allowed) in *v: 0, else -1. */
static int whole(const char *s, long long *v)
{
	char *end;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return !*s || *end || errno ? -1 : 0;
}

/* --ulimit host | TYPE=SOFT[:HARD] (-1: unlimited) */
static int ulimit(struct cb_runflags *f, const char *arg, cb_err *e)
{
	const char *eq = strchr(arg, '='), *colon;
	char soft[32], hard[32];
	long long s, h;
	int res = -1;
	if (!strcmp(arg, "host"))
		return 0; /* the caller's own limits: what the container inherits anyway */
	if (!eq)
		return cb_fail(e, EINVAL, "ulimit option \"%s\" requires name=SOFT:HARD, failed to be parsed: invalid "
				       "ulimit argument: %s", arg, arg);
	for (size_t i = 0; i < CB_ARRAY_SIZE(rlimits); i++)
		if ((size_t)(eq - arg) == strlen(rlimits[i].name) && !strncmp(arg, rlimits[i].name, (size_t)(eq - arg)))
			res = rlimits[i].res;
	if (res < 0)
		return cb_fail(e, EINVAL, "ulimit option \"%s\" requires name=SOFT:HARD, failed to be parsed: invalid "
				       "ulimit type: %.*s", arg, (int)(eq - arg), arg);
	colon = strchr(eq + 1, ':');
	if (colon && strchr(colon + 1, ':'))
		return cb_fail(e, EINVAL, "ulimit option \"%s\" requires name=SOFT:HARD, failed to be parsed: too many "
				       "limit value arguments - %s, can only have up to two, `soft[:hard]`", arg, eq + 1);
	snprintf(soft, sizeof(soft), "%.*s", colon ? (int)(colon - eq - 1) : (int)strlen(eq + 1), eq + 1);
	snprintf(hard, sizeof(hard), "%s", colon ? colon + 1 : soft);
	for (int k = 0; k < 2; k++)
		if (whole(k ? hard : soft, k ? &h : &s) < 0)
			return cb_fail(e, EINVAL, "ulimit option \"%s\" requires name=SOFT:HARD, failed to be parsed: "
					       "strconv.ParseInt: parsing \"%s\": invalid syntax", arg, k ? hard : soft);
	if (h != -1 && (s == -1 || s > h))
		return cb_fail(e, EINVAL, "ulimit option \"%s\" requires name=SOFT:HARD, failed to be parsed: ulimit "
				       "soft limit must be less than or equal to hard limit: %lld > %lld", arg, s, h);
	int i = 0;
	while (i < f->nrlim && f->rlim[i].res != res)
		i++; /* a second --ulimit of a type replaces the first */
	if (i == CB_RUNFLAGS_MAX)
		return cb_fail(e, E2BIG, "--ulimit %s: too many", arg);
	f->rlim[i].res = res;
	f->rlim[i].soft = s;
	f->rlim[i].hard = h;
	f->nrlim += i == f->nrlim;
	return 0;
}

/* A size as podman takes it: a number, then b, k, m, g, t (with or without b/ib, any
 * case), in powers of 1024. */
static int size(const char *arg, unsigned long long *out)
{
	char *end;
	static const char units[] = "bkmgt";
	double v = strtod(arg, &end);
	if (end == arg || v < 0 || !isdigit((unsigned char)arg[0]))
		return -1;
	const char *u = *end ? strchr(units, tolower((unsigned char)*end)) : units;
	if (!u || (*end && end[1] && strcasecmp(end + 1, "b") && strcasecmp(end + 1, "ib")) ||
	    (*end && tolower((unsigned char)*end) == 'b' && end[1]))
		return -1;
	for (long i = 0; i < u - units; i++)
		v *= 1024;
	*out = (unsigned long long)v;
	return v >= 1 ? 0 : -1;
}

/* --log-opt KEY=VALUE: max-size=SIZE (powers of 1000, as podman's), tag=T; path= is
 * refused (the log stays in the container's directory); others are ignored, as podman. */
static int log_opt(struct cb_runflags *f, const char *arg, cb_err *e)
{
	if (!strncmp(arg, "tag=", 4))
		f->log_tag = arg + 4;
	if (!strncmp(arg, "path=", 5))
		return cb_fail(e, EINVAL, "--log-opt %s: cbox keeps the log in the container's directory", arg);
	if (strncmp(arg, "max-size=", 9))
		return 0;
	const char *v = arg + 9, *units = "kmgtp";
	char *end;
	double n = strtod(v, &end);
	const char *u = *end ? strchr(units, tolower((unsigned char)*end)) : NULL, *p = end + (u != NULL);
	p += u && tolower((unsigned char)*p) == 'i';
	p += tolower((unsigned char)*p) == 'b';
	if (end == v || !isdigit((unsigned char)*v) || *p)
		return cb_fail(e, EINVAL, "invalid size: '%s'", v);
	for (const char *k = units; u && k <= u; k++)
		n *= 1000;
	f->log_max = (long long)n;
	return 0;
}

void cb_runflags_human(long long n, char *buf, size_t len)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	double v = (double)n;
	int i = 0;
	while (v >= 1000 && i < 5)
		v /= 1000, i++;
	snprintf(buf, len, "%.4g%s", v, units[i]);
}

static const char *const ipc_sysctls[] = {
	"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax",
	"kernel.shmmni", "kernel.shm_rmid_forced",
};

/* The namespace a sysctl belongs to: 'i' ipc, 'n' net, 'u' uts, 0 none (not allowed). */
static int sysctl_ns(const char *key, size_t n)
{
	for (size_t i = 0; i < CB_ARRAY_SIZE(ipc_sysctls); i++)
		if (strlen(ipc_sysctls[i]) == n && !strncmp(key, ipc_sysctls[i], n))
			return 'i';
	if (!strncmp(key, "fs.mqueue.", 10) && n > 10)
		return 'i';
	if (!strncmp(key, "net.", 4) && n > 4)
		return 'n';
	if ((n == 17 && !strncmp(key, "kernel.domainname", n)) || (n == 15 && !strncmp(key, "kernel.hostname", n)))
		return 'u';
	return 0;
}

static int sysctl(struct cb_runflags *f, const char *arg, cb_err *e)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return cb_fail(e, EINVAL, "%s is invalid, sysctl values must be in the form of KEY=VALUE", arg);
	if (!sysctl_ns(arg, (size_t)(eq - arg)) || strstr(arg, "..") || strcspn(arg, "/") < (size_t)(eq - arg))
		return cb_fail(e, EINVAL, "sysctl '%.*s' is not allowed", (int)(eq - arg), arg);
	if (f->nsysctl == CB_RUNFLAGS_MAX)
		return cb_fail(e, E2BIG, "--sysctl %s: too many", arg);
	f->sysctl[f->nsysctl++] = arg;
	return 0;
}

/* Append a colon-separated list to one of ours. */
static int paths(char *dst, size_t n, const char *opt, const char *list, cb_err *e)
{
	size_t len = strlen(dst);
	if ((size_t)snprintf(dst + len, n - len, "%s%s", len ? ":" : "", list) >= n - len)
		return cb_fail(e, E2BIG, "--security-opt %s=%s: too long", opt, list);
	return 0;
}

/* --security-opt KEY=VALUE (or KEY:VALUE): ours, or 0 for runopts (seccomp=). */
static int secopt(struct cb_runflags *f, const char *arg, cb_err *e)
{
	size_t k = strcspn(arg, "=");
	if (!arg[k])
		k = strcspn(arg, ":");
	const char *v = arg[k] ? arg + k + 1 : NULL;
	if (!strncmp(arg, "no-new-privileges", k) && k == 17) {
		if (v && strcmp(v, "true") && strcmp(v, "false"))
			return cb_fail(e, EINVAL, "invalid --security-opt 2: \"%s\"", arg);
		f->nnp = !v || !strcmp(v, "true");
		return 1;
	}
	if (!v)
		return cb_fail(e, EINVAL, "invalid --security-opt 1: \"%s\"", arg);
	if (k == 4 && !strncmp(arg, "mask", 4))
		return paths(f->mask, sizeof(f->mask), "mask", v, e) < 0 ? -EINVAL : 1;
	if (k == 6 && !strncmp(arg, "unmask", 6))
		return paths(f->unmask, sizeof(f->unmask), "unmask", v, e) < 0 ? -EINVAL : 1;
	if (k == 11 && !strncmp(arg, "systempaths", 11) && !strcmp(v, "unconfined"))
		return paths(f->unmask, sizeof(f->unmask), "unmask", "ALL", e) < 0 ? -EINVAL : 1;
	/* No SELinux or AppArmor here: their options change nothing (as podman without them). */
	if ((k == 5 && !strncmp(arg, "label", 5)) || (k == 8 && !strncmp(arg, "apparmor", 8)) ||
	    (k == 9 && !strncmp(arg, "proc-opts", 9)))
		return 1;
	if (k == 7 && !strncmp(arg, "seccomp", 7))
		return 0;
	return cb_fail(e, EINVAL, "invalid --security-opt 2: \"%s\"", arg);
}

static int ipc(struct cb_runflags *f, const char *arg, cb_err *e)
{
	static const char *const modes[] = { "shareable", "private", "none", "host" };
	for (int i = 0; i < 4; i++)
		if (!strcmp(arg, modes[i]))
			return f->ipc = i, f->ipc_peer = NULL, 0;
	if (!strcmp(arg, ""))
		return f->ipc = CB_IPC_SHAREABLE, 0;
	if (!strncmp(arg, "container:", 10) && arg[10])
		return f->ipc = CB_IPC_CONTAINER, f->ipc_peer = arg + 10, 0;
	return cb_fail(e, EINVAL, "--ipc %s: want host, private, shareable, none or container:NAME", arg);
}

int cb_runflags_opt(struct cb_runflags *f, const char *opt, const char *arg, cb_err *e)
{
	int r;
	if (!strcmp(opt, "ulimit"))
		r = ulimit(f, arg, e);
	else if (!strcmp(opt, "sysctl"))
		r = sysctl(f, arg, e);
	else if (!strcmp(opt, "ipc"))
		r = ipc(f, arg, e);
	else if (!strcmp(opt, "log-opt"))
		r = log_opt(f, arg, e);
	else if (!strcmp(opt, "security-opt"))
		return secopt(f, arg, e);
	else if (!strcmp(opt, "shm-size"))
		r = size(arg, &f->shm_size) < 0 ? cb_fail(e, EINVAL, "unable to translate --shm-size: invalid size: '%s'", arg) : 0;
	else if (!strcmp(opt, "oom-score-adj")) {
		long long v;
		if (whole(arg, &v) < 0)
			return cb_fail(e, EINVAL, "invalid argument \"%s\" for \"--oom-score-adj\" flag: strconv.ParseInt: "
					       "parsing \"%s\": invalid syntax", arg, arg);
		if (v < -1000 || v > 1000)
			return cb_fail(e, EINVAL, "--oom-score-adj %s: want a number from -1000 to 1000", arg);
		f->oom_set = 1;
		f->oom = (int)v;
		r = 0;
	} else
		return 0;
	return r < 0 ? r : 1;
}

int cb_runflags_check(const struct cb_runflags *f, int host_uts, int net_host, cb_err *e)
{
	for (int i = 0; i < f->nsysctl; i++) {
		const char *s = f->sysctl[i];
		int ns = sysctl_ns(s, strcspn(s, "="));
		const char *which = ns == 'i' && f->ipc == CB_IPC_HOST ? "IPC" : ns == 'n' && net_host ? "Network" :
				    ns == 'u' && host_uts ? "UTS" : NULL;
		if (which)
			return cb_fail(e, EINVAL, "sysctl %s can't be set since %s Namespace set to host: invalid argument", s,
				       which);
	}
	return 0;
}

void cb_runflags_json(const struct cb_runflags *f, cJSON *cj)
{
	cJSON *o = cJSON_AddObjectToObject(cj, "runflags"), *a = cJSON_AddArrayToObject(o, "rlimits");
	for (int i = 0; i < f->nrlim; i++) {
		cJSON *l = cJSON_CreateObject();
		cJSON_AddNumberToObject(l, "res", f->rlim[i].res);
		cJSON_AddNumberToObject(l, "soft", (double)f->rlim[i].soft);
		cJSON_AddNumberToObject(l, "hard", (double)f->rlim[i].hard);
		cJSON_AddItemToArray(a, l);
	}
	a = cJSON_AddArrayToObject(o, "sysctl");
	for (int i = 0; i < f->nsysctl; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(f->sysctl[i]));
	cJSON_AddNumberToObject(o, "shm_size", (double)f->shm_size);
	if (f->oom_set)
		cJSON_AddNumberToObject(o, "oom_score_adj", f->oom);
	cJSON_AddStringToObject(o, "mask", f->mask);
	cJSON_AddStringToObject(o, "unmask", f->unmask);
	cJSON_AddBoolToObject(o, "nnp", f->nnp);
	cJSON_AddNumberToObject(o, "ipc", f->ipc);
	if (f->ipc_peer)
		cJSON_AddStringToObject(o, "ipc_peer", f->ipc_peer);
	cJSON_AddNumberToObject(o, "log_max", (double)f->log_max);
	if (f->log_tag)
		cJSON_AddStringToObject(o, "log_tag", f->log_tag);
}

void cb_runflags_from_json(struct cb_runflags *f, const cJSON *cj)
{
	const cJSON *o = cJSON_GetObjectItem(cj, "runflags"), *it, *v;
	cb_runflags_init(f);
	if (!o)
		return;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "rlimits")) {
		if (f->nrlim == CB_RUNFLAGS_MAX)
			break;
		f->rlim[f->nrlim].res = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "res"));
		f->rlim[f->nrlim].soft = (long long)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "soft"));
		f->rlim[f->nrlim++].hard = (long long)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "hard"));
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "sysctl"))
		if (f->nsysctl < CB_RUNFLAGS_MAX && cJSON_IsString(it))
			f->sysctl[f->nsysctl++] = it->valuestring;
	f->shm_size = (unsigned long long)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "shm_size"));
	if ((v = cJSON_GetObjectItem(o, "oom_score_adj")) && cJSON_IsNumber(v))
		f->oom_set = 1, f->oom = v->valueint;
	snprintf(f->mask, sizeof(f->mask), "%s", cJSON_GetStringValue(cJSON_GetObjectItem(o, "mask")) ?: "");
	snprintf(f->unmask, sizeof(f->unmask), "%s", cJSON_GetStringValue(cJSON_GetObjectItem(o, "unmask")) ?: "");
	f->nnp = cJSON_IsTrue(cJSON_GetObjectItem(o, "nnp"));
	f->ipc = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "ipc"));
	f->ipc_peer = cJSON_GetStringValue(cJSON_GetObjectItem(o, "ipc_peer"));
	f->log_max = (long long)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "log_max"));
	f->log_tag = cJSON_GetStringValue(cJSON_GetObjectItem(o, "log_tag"));
}

int cb_runflags_peer(struct cb_runflags *f, struct cb_store *s, cb_err *e)
{
	char id[65], path[64];
	int dfd = -1, r;
	cJSON *cfg = NULL;
	struct cb_state st;
	if (f->ipc != CB_IPC_CONTAINER)
		return 0;
	const char *ref = f->ipc_peer ? f->ipc_peer : "";
	r = cb_container_resolve(s, ref, id, sizeof(id), e);
	if (r == 0)
		r = cb_container_open(s, id, &dfd, &cfg, e);
	if (r < 0)
		return r;
	cb_state_read(dfd, &st);
	close(dfd);
	cJSON *o = cJSON_GetObjectItem(cfg, "runflags");
	int mode = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "ipc"));
	int host = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(cfg, "host_ns")) & 4; /* CB_HOST_IPC */
	cJSON_Delete(cfg);
	if (mode == CB_IPC_PRIVATE || mode == CB_IPC_NONE || mode == CB_IPC_CONTAINER || host)
		return cb_fail(e, EINVAL, "container %s is not allowed: non-shareable IPC (hint: use IpcMode:shareable "
				       "for the donor container)", ref);
	if (st.state != CB_STATE_RUNNING)
		return cb_fail(e, EINVAL, "--ipc container:%s: the container is %s: it must be running to share its "
				       "ipc namespace", ref, cb_state_name(st.state));
	snprintf(path, sizeof(path), "/proc/%d/ns/ipc", (int)st.pid);
	if ((f->ipc_fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return cb_fail_errno(e, errno, "--ipc container:%s: its ipc namespace", ref);
	snprintf(f->shm_from, sizeof(f->shm_from), "/proc/%d/root/dev/shm", (int)st.pid);
	if (!cb_pid_same(st.pid, st.pid_start))
		return cb_fail(e, ESRCH, "--ipc container:%s: the container has ended", ref);
	return 0;
}

void cb_runflags_close(struct cb_runflags *f)
{
	if (f->ipc_fd >= 0)
		close(f->ipc_fd);
	f->ipc_fd = -1;
}

int cb_runflags_child(const struct cb_runflags *f, cb_err *e)
{
	if (!f)
		return 0;
	if (f->ipc_fd >= 0 && setns(f->ipc_fd, CLONE_NEWIPC) < 0)
		return cb_fail_errno(e, errno, "--ipc container:%s: join its ipc namespace", f->ipc_peer);
	/* Through the host's /proc: its sys/net and sys/kernel show the namespaces of the
	 * process that looks, the container's new ones. */
	for (int i = 0; i < f->nsysctl; i++) {
		char path[256];
		const char *s = f->sysctl[i], *eq = strchr(s, '=');
		int n = snprintf(path, sizeof(path), "/proc/sys/%.*s", (int)(eq - s), s);
		for (char *c = path + 10; c < path + n; c++)
			*c = *c == '.' ? '/' : *c;
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		ssize_t w = fd < 0 ? -1 : write(fd, eq + 1, strlen(eq + 1));
		int err = errno;
		if (fd >= 0)
			close(fd);
		if (w < 0)
			return cb_fail_errno(e, err, "--sysctl %s: write %s", s, path);
	}
	return 0;
}

int cb_runflags_exec(const struct cb_runflags *f, cb_err *e)
{
	if (!f)
		return 0;
	for (int i = 0; i < f->nrlim; i++) {
		struct rlimit rl = { .rlim_cur = f->rlim[i].soft < 0 ? RLIM_INFINITY : (rlim_t)f->rlim[i].soft,
				     .rlim_max = f->rlim[i].hard < 0 ? RLIM_INFINITY : (rlim_t)f->rlim[i].hard };
		if (setrlimit(f->rlim[i].res, &rl) < 0)
			return cb_fail_errno(e, errno, "--ulimit %s=%lld:%lld: setting the limit", rlimit_name(f->rlim[i].res),
					     f->rlim[i].soft, f->rlim[i].hard);
	}
	if (f->oom_set) {
		char v[16];
		int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC), n = snprintf(v, sizeof(v), "%d", f->oom);
		ssize_t w = fd < 0 ? -1 : write(fd, v, (size_t)n);
		int err = errno;
		if (fd >= 0)
			close(fd);
		if (w < 0)
			return cb_fail_errno(e, err, "--oom-score-adj %d: write /proc/self/oom_score_adj%s", f->oom,
					     err == EACCES ? " (lowering it needs CAP_SYS_RESOURCE on the host)" : "");
	}
	return 0;
}

int cb_runflags_unmasked(const struct cb_runflags *f, const char *path)
{
	size_t n = strlen(path);
	for (const char *p = f->unmask; *p;) {
		size_t k = strcspn(p, ":");
		if ((k == 3 && !strncmp(p, "ALL", 3)) || (k == n && !strncmp(p, path, n)))
			return 1;
		p += k + (p[k] == ':');
	}
	return 0;
}
