/* cgroup.c - cgroup v2 for containers (see cgroup.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"

#define CG_ROOT "/sys/fs/cgroup"
#define CGROUP2_MAGIC 0x63677270

/* The controllers a container's cgroup gets when its parent has them: its limits need
 * theirs, stats reads memory, pids and io. */
static const char *const wanted[] = { "cpu", "cpuset", "io", "memory", "pids" };

int cb_cgroup_v2(void)
{
	struct statfs sf;
	return statfs(CG_ROOT, &sf) == 0 && sf.f_type == CGROUP2_MAGIC;
}

static int read_text(const char *dir, const char *file, char *buf, size_t n)
{
	char p[CB_CGROUP_PATH + 64];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t k = fd < 0 ? -1 : read(fd, buf, n - 1);
	if (fd >= 0)
		close(fd);
	buf[k > 0 ? k : 0] = '\0';
	return k < 0 ? -1 : 0;
}

static int write_text(const char *dir, const char *file, const char *value)
{
	char p[CB_CGROUP_PATH + 64];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	int fd = open(p, O_WRONLY | O_CLOEXEC), r = 0;
	if (fd < 0 || write(fd, value, strlen(value)) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	return r;
}

/* We may make cgroups in dir and move processes there (a delegated one is ours). */
static int writable(const char *dir)
{
	char p[CB_CGROUP_PATH + 32];
	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	return access(dir, W_OK) == 0 && access(p, W_OK) == 0;
}

/* The directory containers go under: root, the mount itself; rootless, the highest
 * writable cgroup above our own (a systemd user@UID.service, or what was chown'd to us). */
static int base_dir(const char *mnt, int rootless, char *out, size_t n)
{
	char own[CB_CGROUP_PATH] = "";
	if (!rootless)
		return snprintf(out, n, "%s", mnt), 0;
	if (read_text("/proc/self", "cgroup", own, sizeof(own)) < 0 || strncmp(own, "0::/", 4))
		return -ENOENT; /* only v1 lines: not in a v2 hierarchy */
	own[strcspn(own, "\n")] = '\0';
	snprintf(out, n, "%s%s", mnt, strcmp(own + 3, "/") ? own + 3 : "");
	if (!strcmp(own + 3, "/") || !writable(out))
		return -EACCES;
	for (char *slash; (slash = strrchr(out, '/')) && (size_t)(slash - out) > strlen(mnt);) {
		*slash = '\0';
		if (!writable(out)) {
			*slash = '/';
			break;
		}
	}
	return 0;
}

/* Is controller c (its first k characters) a word of the list s? */
static int listed(const char *s, const char *c, size_t k)
{
	for (const char *p = s; *p; p += strcspn(p, " \n"), p += strspn(p, " \n"))
		if (strcspn(p, " \n") == k && !strncmp(p, c, k))
			return 1;
	return 0;
}

/* Enable in dir's subtree_control what its children need (from limits) or stats would
 * like, of what dir has. A needed one missing: -ENOENT naming it in *why. */
static int enable(const char *dir, const cJSON *limits, char *why, size_t nwhy)
{
	char have[256], on[256] = "", add[128] = "";
	const cJSON *it;
	if (read_text(dir, "cgroup.controllers", have, sizeof(have)) < 0)
		return -errno;
	read_text(dir, "cgroup.subtree_control", on, sizeof(on));
	cJSON_ArrayForEach(it, limits) {
		size_t k = strcspn(it->string, ".");
		if (strncmp(it->string, "cgroup.", 7) && !listed(have, it->string, k))
			return snprintf(why, nwhy, "the %.*s controller is not available in %s", (int)k, it->string,
					dir), -ENOENT;
	}
	for (size_t i = 0; i < sizeof(wanted) / sizeof(*wanted); i++) {
		size_t k = strlen(wanted[i]), o = strlen(add);
		int need = 0;
		cJSON_ArrayForEach(it, limits)
			need |= !strncmp(it->string, wanted[i], k) && it->string[k] == '.';
		/* cpuset only when asked: enabling it copies the parent's masks down */
		if (listed(have, wanted[i], k) && !listed(on, wanted[i], k) && (need || strcmp(wanted[i], "cpuset")))
			snprintf(add + o, sizeof(add) - o, "%s+%s", o ? " " : "", wanted[i]);
	}
	int r = *add ? write_text(dir, "cgroup.subtree_control", add) : 0;
	if (r < 0)
		snprintf(why, nwhy, "%s/cgroup.subtree_control: %s", dir, strerror(-r));
	return r;
}

int cb_cgroup_apply(const char *path, const cJSON *limits, cb_err *e)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, limits) {
		const char *v = cJSON_GetStringValue(it);
		int r = v && !strchr(it->string, '/') && it->string[0] != '.' ? write_text(path, it->string, v) : -EINVAL;
		if (r == -ENOENT && !strcmp(it->string, "memory.swap.max")) {
			cb_debug("cgroup %s: no swap accounting: memory.swap.max not written", path);
			continue;
		}
		if (r < 0)
			return cb_fail_errno(e, -r, "cgroup %s: writing file `%s` (%s)", path, it->string, v ? v : "?");
	}
	return 0;
}

int cb_cgroup_create(const struct cb_cgroup_req *q, char *path, char *warn, size_t nwarn, cb_err *e)
{
	if (!CFG_CGROUP) /* not built in: no container gets a cgroup (the flags were refused) */
		return -1;
	const char *mnt = CG_ROOT;
	char base[CB_CGROUP_PATH], why[CB_CGROUP_PATH + 64] = "";
	int nlimits = cJSON_GetArraySize(q->limits), r;
	*warn = '\0';
	/* Without limits or a path asked for, only a pure v2 host gets cgroups (one statfs). */
	if (!nlimits && !q->asked && !q->required && !cb_cgroup_v2())
		return -1;
	/* Only a pure v2 host: a hybrid one's v2 mount has no controllers to limit with. */
	if (!cb_cgroup_v2()) {
		snprintf(why, sizeof(why), "cgroups V1");
		goto unusable;
	}
	if ((r = base_dir(mnt, q->rootless, base, sizeof(base))) < 0) {
		snprintf(why, sizeof(why), "no delegated cgroup v2 subtree of ours to write (own cgroup not writable)");
		goto unusable;
	}
	const char *parent = q->parent && *q->parent ? q->parent : "cbox";
	snprintf(path, CB_CGROUP_PATH, "%s%s%s/%s", parent[0] == '/' ? mnt : base, parent[0] == '/' ? "" : "/",
		 strcmp(parent, "/") ? parent : "", q->name);
	/* Each level from the base (or the mount) down makes its child's controllers. */
	size_t from = strlen(parent[0] == '/' ? mnt : base);
	for (char *p = path + from; p && !*why;) {
		char *next = strchr(p + 1, '/');
		char c = *p;
		*p = '\0';
		if (p > path + from && mkdir(path, 0755) < 0 && errno != EEXIST)
			snprintf(why, sizeof(why), "mkdir %s: %s", path, strerror(errno));
		else if (enable(path, q->limits, why, sizeof(why)) < 0 && !*why)
			snprintf(why, sizeof(why), "%s: %s", path, strerror(errno));
		*p = c;
		p = next;
	}
	if (!*why && mkdir(path, 0755) < 0 && errno != EEXIST)
		snprintf(why, sizeof(why), "mkdir %s: %s", path, strerror(errno));
	if (*why)
		goto unusable;
	if ((r = cb_cgroup_apply(path, q->limits, e)) < 0) {
		rmdir(path);
		return r;
	}
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = cb_fail_errno(e, errno, "cgroup %s", path);
		rmdir(path);
		return r;
	}
	cb_debug("cgroup %s", path);
	return fd;
unusable:
	cb_debug("no cgroup: %s", why);
	if (q->required && (nlimits || (q->parent && *q->parent)))
		return cb_fail(e, ENOTSUP, "cgroup: %s", why), -ENOTSUP;
	if ((nlimits || q->asked) && !cb_cgroup_v2())
		snprintf(warn, nwarn, q->rootless ? "Resource limits are not supported and ignored on cgroups V1 rootless "
			 "systems" : "Resource limits are not supported and ignored on cgroups V1 systems (cbox sets "
			 "them through cgroup v2)");
	else if (nlimits)
		snprintf(warn, nwarn, "Resource limits are not supported and ignored: %s", why);
	return -1;
}

int cb_cgroup_recorded(int dfd, char *path, size_t n)
{
	if (!CFG_CGROUP)
		return -1;
	int fd = openat(dfd, "cgroup", O_RDONLY | O_CLOEXEC);
	ssize_t k = fd < 0 ? -1 : read(fd, path, n - 1);
	if (fd >= 0)
		close(fd);
	path[k > 0 ? k : 0] = '\0';
	return k > 0 ? 0 : -ENOENT;
}

void cb_cgroup_remove(const char *path)
{
	write_text(path, "cgroup.kill", "1");
	for (int i = 0; i < 200 && rmdir(path) < 0 && errno == EBUSY; i++)
		usleep(5000);
}

int cb_cgroup_freeze(const char *path, int on, cb_err *e)
{
	char ev[512];
	int r = write_text(path, "cgroup.freeze", on ? "1" : "0");
	if (r < 0)
		return cb_fail_errno(e, -r, "cgroup %s: writing file `cgroup.freeze`", path);
	for (int i = 0; i < 200; i++, usleep(5000)) {
		if (read_text(path, "cgroup.events", ev, sizeof(ev)) < 0)
			return cb_fail_errno(e, errno, "cgroup %s: cgroup.events", path);
		const char *f = strstr(ev, "frozen ");
		if (f && f[7] == (on ? '1' : '0'))
			return 0;
	}
	return cb_fail(e, ETIMEDOUT, "cgroup %s: not %s after 1 s", path, on ? "frozen" : "thawed");
}

/* The number after key (a word at a line's start, or "key=") in the file, 0 without. */
static uint64_t field(const char *text, const char *key)
{
	size_t k = strlen(key);
	for (const char *p = text; (p = strstr(p, key)); p += k)
		if (p == text || p[-1] == '\n' || p[-1] == ' ')
			return strtoull(p + k, NULL, 10);
	return 0;
}

int cb_cgroup_stats(const char *path, struct cb_cgroup_stats *st)
{
	char buf[4096];
	memset(st, 0, sizeof(*st));
	if (read_text(path, "cpu.stat", buf, sizeof(buf)) < 0)
		return -errno;
	st->cpu_usec = field(buf, "usage_usec ");
	if (read_text(path, "memory.current", buf, sizeof(buf)) == 0)
		st->mem = strtoull(buf, NULL, 10);
	if (read_text(path, "memory.max", buf, sizeof(buf)) == 0)
		st->mem_limit = strtoull(buf, NULL, 10);
	if (read_text(path, "io.stat", buf, sizeof(buf)) == 0)
		for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
			st->rbytes += field(l, "rbytes=");
			st->wbytes += field(l, "wbytes=");
		}
	if (read_text(path, "pids.current", buf, sizeof(buf)) == 0) {
		st->pids = strtoull(buf, NULL, 10);
	} else if (read_text(path, "cgroup.procs", buf, sizeof(buf)) == 0) {
		for (const char *p = buf; *p; p++)
			st->pids += *p == '\n';
	}
	return 0;
}

void cb_cgroup_size(double b, char *out, size_t n)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	int u = 0;
	while (b >= 1000 && u < 5)
		b /= 1000, u++;
	snprintf(out, n, "%.4g%s", b, units[u]);
}

/* ---- run/create's flags ---- */

/* podman's RAMInBytes: a number, then b, k, m, g, t or p (any case, "b"/"ib" after),
 * powers of 1024; -1 only where allowed. */
int cb_cgroup_ram(const char *s, int64_t *out)
{
	char *end;
	double v = strtod(s, &end);
	static const char units[] = "bkmgtp";
	const char *u = *end ? strchr(units, end[0] | 0x20) : units;
	if (end == s || !u || v < 0 || isnan(v))
		return -1;
	if (*end && end[1] && strcasecmp(end + 1, "b") && strcasecmp(end + 1, "ib"))
		return -1;
	*out = (int64_t)(v * (double)(1LL << (10 * (u - units))));
	return 0;
}

static void limit_num(cJSON *limits, const char *file, long long v)
{
	char s[32];
	snprintf(s, sizeof(s), v < 0 ? "max" : "%lld", v);
	cJSON_DeleteItemFromObjectCaseSensitive(limits, file);
	cJSON_AddStringToObject(limits, file, s);
}

static void host_num(cJSON *hc, const char *key, double v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(hc, key);
	cJSON_AddNumberToObject(hc, key, v);
}

int cb_cgroup_flag(cJSON *limits, cJSON *hc, const char *opt, const char *arg, cb_err *e)
{
	if (!CFG_CGROUP)
		return cb_fail(e, ENOTSUP, "--%s: cgroups are not built into this cbox (CONFIG_CGROUP)", opt);
	char *end;
	int64_t v = 0;
	if (!strcmp(opt, "memory") || !strcmp(opt, "memory-reservation") ||
	    (!strcmp(opt, "memory-swap") && strcmp(arg, "-1"))) {
		if (cb_cgroup_ram(arg, &v) < 0)
			return cb_fail(e, EINVAL, "invalid value for memory: invalid size: '%s'", arg);
		char kind = opt[6] ? opt[7] : 0; /* memory-(r)eservation, memory-(s)wap */
		host_num(hc, kind == 'r' ? "MemoryReservation" : kind == 's' ? "MemorySwap" : "Memory", (double)v);
		if (kind == 'r' && v)
			limit_num(limits, "memory.low", v);
		else if (!kind && v)
			limit_num(limits, "memory.max", v);
		return 0;
	}
	if (!strcmp(opt, "memory-swap"))
		return host_num(hc, "MemorySwap", -1), 0;
	if (!strcmp(opt, "cpus")) {
		double c = strtod(arg, &end);
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		if (end == arg || *end || isnan(c))
			return cb_fail(e, EINVAL, "invalid argument \"%s\" for \"--cpus\" flag: strconv.ParseFloat: "
				       "parsing \"%s\": invalid syntax", arg, arg);
		if (c != 0 && (c < 0.01 || c > (double)n))
			return cb_fail(e, EINVAL, "range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs "
				       "available", n, n);
		host_num(hc, "NanoCpus", c * 1e9);
		char s[48];
		snprintf(s, sizeof(s), "%lld 100000", (long long)llround(c * 100000));
		cJSON_DeleteItemFromObjectCaseSensitive(limits, "cpu.max");
		if (c)
			cJSON_AddStringToObject(limits, "cpu.max", s);
		return 0;
	}
	if (!strcmp(opt, "cpu-shares") || !strcmp(opt, "blkio-weight")) {
		int shares = opt[1] == 'p';
		unsigned long long u = strtoull(arg, &end, 10);
		if (end == arg || *end || arg[0] == '-')
			return cb_fail(e, EINVAL, shares ? "invalid argument \"%s\" for \"-c, --cpu-shares\" flag: "
				       "strconv.ParseUint: parsing \"%s\": invalid syntax" :
				       "invalid value for blkio-weight: strconv.ParseUint: parsing \"%s\": invalid syntax",
				       arg, arg);
		if (!shares && u && (u < 10 || u > 1000))
			return cb_fail(e, EINVAL, "invalid value for blkio-weight: %llu: must be in the range 10 to 1000",
				       u);
		host_num(hc, shares ? "CpuShares" : "BlkioWeight", (double)u);
		if (u && shares) /* crun's mapping of shares [2, 262144] onto weight [1, 10000] */
			limit_num(limits, "cpu.weight", 1 + ((long long)(u < 2 ? 2 : u > 262144 ? 262144 : u) - 2) * 9999 / 262142);
		else if (u)
			limit_num(limits, "io.weight", 1 + ((long long)u - 10) * 9999 / 990);
		return 0;
	}
	if (!strcmp(opt, "pids-limit")) {
		long long n = strtoll(arg, &end, 10);
		if (end == arg || *end)
			return cb_fail(e, EINVAL, "invalid argument \"%s\" for \"--pids-limit\" flag: strconv.ParseInt: "
				       "parsing \"%s\": invalid syntax", arg, arg);
		host_num(hc, "PidsLimit", (double)n);
		if (n)
			limit_num(limits, "pids.max", n < 0 ? -1 : n);
		return 0;
	}
	if (!strcmp(opt, "cpuset-cpus") || !strcmp(opt, "cpuset-mems")) {
		if (strspn(arg, "0123456789,-") != strlen(arg))
			return cb_fail(e, EINVAL, "invalid value for %s: %s: want a list such as 0-2,4", opt, arg);
		cJSON_DeleteItemFromObjectCaseSensitive(hc, opt[7] == 'c' ? "CpusetCpus" : "CpusetMems");
		cJSON_AddStringToObject(hc, opt[7] == 'c' ? "CpusetCpus" : "CpusetMems", arg);
		cJSON_DeleteItemFromObjectCaseSensitive(limits, opt[7] == 'c' ? "cpuset.cpus" : "cpuset.mems");
		if (*arg)
			cJSON_AddStringToObject(limits, opt[7] == 'c' ? "cpuset.cpus" : "cpuset.mems", arg);
		return 0;
	}
	return cb_fail(e, EINVAL, "--%s: not a resource flag", opt);
}

int cb_cgroup_flags_done(cJSON *limits, cJSON *hc, cb_err *e)
{
	const cJSON *m = cJSON_GetObjectItem(hc, "Memory"), *sw = cJSON_GetObjectItem(hc, "MemorySwap");
	double mem = cJSON_IsNumber(m) ? m->valuedouble : 0;
	if (sw && sw->valuedouble > 0 && !mem)
		return cb_fail(e, EINVAL, "you should always set a memory limit when using a memory swap limit");
	if (sw && sw->valuedouble > 0 && sw->valuedouble < mem)
		return cb_fail(e, EINVAL, "minimum memoryswap limit should be larger than memory limit, see usage");
	if (mem > 0 && !sw)
		host_num(hc, "MemorySwap", 2 * mem); /* podman's default: as much swap as memory */
	sw = cJSON_GetObjectItem(hc, "MemorySwap");
	if (mem > 0)
		limit_num(limits, "memory.swap.max", sw->valuedouble < 0 ? -1 : (long long)(sw->valuedouble - mem));
	return 0;
}

/* ---- devices: a BPF_PROG_TYPE_CGROUP_DEVICE program (cgroup v2 has no devices.allow) */

struct devrule {
	int allow;
	int type;           /* 0 any, BPF_DEVCG_DEV_BLOCK 1, _CHAR 2 */
	long major, minor;  /* -1: any */
	unsigned access;    /* BPF_DEVCG_ACC_MKNOD 1, _READ 2, _WRITE 4 */
};

static int devrule_parse(const char *rule, struct devrule *d, cb_err *e)
{
	char type[8], num[64], access[16], extra;
	int n = sscanf(rule, "%7s %63s %15s %c", type, num, access, &extra);
	if (n != 3)
		return cb_fail(e, EINVAL, "invalid device cgroup rule requires type, major:Minor, and access rules: \"%s\"", rule);
	if (strlen(type) != 1 || !strchr("abc", type[0]))
		return cb_fail(e, EINVAL, "invalid device type in device-access-add: %s", type);
	*d = (struct devrule){ 1, type[0] == 'a' ? 0 : type[0] == 'b' ? 1 : 2, -1, -1, 0 };
	char *f = strtok(num, ":");
	for (int k = 0; f; f = strtok(NULL, ":"), k++) {
		if (strcmp(f, "*") && (strspn(f, "0123456789") != strlen(f) || !*f))
			return cb_fail(e, EINVAL, "strconv.ParseUint: parsing \"%s\": invalid syntax", f);
		if (strcmp(f, "*") && k < 2)
			*(k ? &d->minor : &d->major) = atol(f);
	}
	for (const char *a = access; *a; a++) {
		if (!strchr("rwm", *a))
			return cb_fail(e, EINVAL, "invalid device access in device-access-add: %c", *a);
		d->access |= *a == 'm' ? 1 : *a == 'r' ? 2 : 4;
	}
	return 0;
}

int cb_cgroup_device_rule(const char *rule, cb_err *e)
{
	if (!CFG_CGROUP)
		return cb_fail(e, ENOTSUP, "--device-cgroup-rule: cgroups are not built into this cbox (CONFIG_CGROUP)");
	struct devrule d;
	return devrule_parse(rule, &d, e);
}

struct bpf_insn_ {
	uint8_t code, regs; /* dst in the low nibble, src in the high */
	int16_t off;
	int32_t imm;
};
#define INSN(c, d, s, o, i) ((struct bpf_insn_){ (c), (uint8_t)((s) << 4 | (d)), (int16_t)(o), (int32_t)(i) })
enum { LDXW = 0x61, MOV64X = 0xbf, MOV64K = 0xb7, AND64K = 0x57, RSH64K = 0x77, JNEK = 0x55, EXIT = 0x95 };

/* The program: the rules from the last to the first (a later rule wins), the first that
 * matches says allow (1) or deny (0); none: dflt. Then attached to the cgroup cgfd. */
static int devices_load(int cgfd, const struct devrule *r, int n, int dflt, cb_err *e)
{
	size_t max = 7 + (size_t)n * 8, k = 0;
	struct bpf_insn_ *p = calloc(max, sizeof(*p));
	if (!p)
		return cb_fail(e, ENOMEM, "out of memory");
	p[k++] = INSN(LDXW, 2, 1, 0, 0);       /* r2 = access_type */
	p[k++] = INSN(MOV64X, 3, 2, 0, 0);
	p[k++] = INSN(AND64K, 3, 0, 0, 0xffff); /* r3 = the device's type */
	p[k++] = INSN(RSH64K, 2, 0, 0, 16);     /* r2 = the access asked for */
	p[k++] = INSN(LDXW, 4, 1, 4, 0);       /* r4 = major */
	p[k++] = INSN(LDXW, 5, 1, 8, 0);       /* r5 = minor */
	for (int i = n - 1; i >= 0; i--) {
		const struct devrule *d = &r[i];
		int len = !!d->type + (d->access != 7) * 3 + (d->major >= 0) + (d->minor >= 0) + 2, at = 0;
		if (d->type)
			p[k++] = INSN(JNEK, 3, 0, len - ++at, d->type);
		if (d->access != 7) { /* the access asked for within the rule's */
			p[k++] = INSN(MOV64X, 6, 2, 0, 0);
			p[k++] = INSN(AND64K, 6, 0, 0, ~d->access & 7);
			at += 2;
			p[k++] = INSN(JNEK, 6, 0, len - ++at, 0);
		}
		if (d->major >= 0)
			p[k++] = INSN(JNEK, 4, 0, len - ++at, d->major);
		if (d->minor >= 0)
			p[k++] = INSN(JNEK, 5, 0, len - ++at, d->minor);
		p[k++] = INSN(MOV64K, 0, 0, 0, d->allow);
		p[k++] = INSN(EXIT, 0, 0, 0, 0);
	}
	p[k++] = INSN(MOV64K, 0, 0, 0, dflt);
	p[k++] = INSN(EXIT, 0, 0, 0, 0);
	union {
		struct { uint32_t type, cnt; uint64_t insns, license; } load;
		struct { uint32_t target, prog, attach_type, flags; } attach;
		char pad[128];
	} a;
	memset(&a, 0, sizeof(a));
	a.load.type = 15; /* BPF_PROG_TYPE_CGROUP_DEVICE */
	a.load.cnt = (uint32_t)k;
	a.load.insns = (uint64_t)(uintptr_t)p;
	a.load.license = (uint64_t)(uintptr_t)"Apache-2.0";
	int fd = (int)syscall(SYS_bpf, 5 /* BPF_PROG_LOAD */, &a, sizeof(a)), ret = 0;
	free(p);
	if (fd < 0)
		return cb_fail_errno(e, errno, "the device cgroup program (BPF_PROG_TYPE_CGROUP_DEVICE): load");
	memset(&a, 0, sizeof(a));
	a.attach.target = (uint32_t)cgfd;
	a.attach.prog = (uint32_t)fd;
	a.attach.attach_type = 6; /* BPF_CGROUP_DEVICE */
	a.attach.flags = 2;       /* BPF_F_ALLOW_MULTI: the parents' programs still apply */
	if (syscall(SYS_bpf, 8 /* BPF_PROG_ATTACH */, &a, sizeof(a)) < 0)
		ret = cb_fail_errno(e, errno, "the device cgroup program (BPF_PROG_TYPE_CGROUP_DEVICE): attach");
	close(fd);
	return ret;
}

/* runc's and podman's default: mknod of any node; the usual character devices */
static const char *const default_rules[] = { "c *:* m",   "b *:* m",   "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm",
					     "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm",
					     "c 136:* rwm", "c 10:200 rwm" };

int cb_cgroup_devices(int cgfd, const char *const *rules, int n, cb_err *e)
{
	if (!CFG_CGROUP)
		return 0;
	int nd = (int)(sizeof(default_rules) / sizeof(*default_rules));
	struct devrule *d = calloc((size_t)(n + nd), sizeof(*d));
	int r = d ? 0 : cb_fail(e, ENOMEM, "out of memory");
	for (int i = 0; r == 0 && i < n + nd; i++)
		r = devrule_parse(i < nd ? default_rules[i] : rules[i - nd], &d[i], e);
	if (r == 0)
		r = devices_load(cgfd, d, n + nd, 0, e);
	free(d);
	return r;
}

int cb_cgroup_oci_devices(int cgfd, const cJSON *devices, const cJSON *nodes, cb_err *e)
{
	if (!CFG_CGROUP)
		return 0;
	int nd = (int)(sizeof(default_rules) / sizeof(*default_rules));
	int n = cJSON_GetArraySize(devices) + cJSON_GetArraySize(nodes) + nd, k = 0, dflt = 1, r = 0;
	struct devrule *d = calloc((size_t)n + 1, sizeof(*d));
	const cJSON *it;
	if (!d)
		return cb_fail(e, ENOMEM, "out of memory");
	/* runtime-spec's list applies in order on top of "everything allowed"; a rule for
	 * every device and every access resets that default. */
	cJSON_ArrayForEach(it, devices) {
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(it, "type")) ?: "a";
		const char *acc = cJSON_GetStringValue(cJSON_GetObjectItem(it, "access")) ?: "rwm";
		const cJSON *ma = cJSON_GetObjectItem(it, "major"), *mi = cJSON_GetObjectItem(it, "minor");
		struct devrule x = { cJSON_IsTrue(cJSON_GetObjectItem(it, "allow")), *t == 'b' ? 1 : *t == 'c' ? 2 : 0,
				     cJSON_IsNumber(ma) ? (long)ma->valuedouble : -1, cJSON_IsNumber(mi) ? (long)mi->valuedouble : -1, 0 };
		for (; *acc; acc++)
			x.access |= *acc == 'm' ? 1 : *acc == 'r' ? 2 : *acc == 'w' ? 4 : 0;
		if (!x.type && x.major < 0 && x.minor < 0 && x.access == 7)
			dflt = x.allow, k = 0;
		else
			d[k++] = x;
	}
	/* then, as runc: linux.devices' nodes and runc's own allowed list */
	cJSON_ArrayForEach(it, nodes) {
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(it, "type")) ?: "";
		if (*t == 'c' || *t == 'u' || *t == 'b')
			d[k++] = (struct devrule){ 1, *t == 'b' ? 1 : 2, (long)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "major")),
						   (long)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "minor")), 7 };
	}
	for (int i = 0; !dflt && r == 0 && i < nd; i++)
		r = devrule_parse(default_rules[i], &d[k++], e);
	if (r == 0 && !dflt)
		r = devices_load(cgfd, d, k, dflt, e);
	free(d);
	return r;
}

/* ---- runtime-spec linux.resources ---- */

static int num(const cJSON *o, const char *key, double *v)
{
	const cJSON *j = cJSON_GetObjectItem(o, key);
	return cJSON_IsNumber(j) ? (*v = j->valuedouble, 1) : 0;
}

int cb_cgroup_oci(const cJSON *res, cJSON *limits, cb_err *e)
{
	if (!CFG_CGROUP && res)
		return cb_fail(e, ENOTSUP, "linux.resources: cgroups are not built into this cbox (CONFIG_CGROUP)");
	const cJSON *mem = cJSON_GetObjectItem(res, "memory"), *cpu = cJSON_GetObjectItem(res, "cpu");
	const cJSON *it;
	double v, p;
	/* as runc: 0 leaves a memory value unset, -1 is no limit */
	if (num(mem, "limit", &v) && v)
		limit_num(limits, "memory.max", (long long)v);
	if (num(mem, "reservation", &v) && v)
		limit_num(limits, "memory.low", (long long)v);
	if (num(mem, "swap", &p) && p) /* runtime-spec's swap is memory+swap, as cgroup v1's */
		limit_num(limits, "memory.swap.max", p < 0 ? -1 : (long long)(p - (num(mem, "limit", &v) ? v : 0)));
	if (num(cpu, "shares", &v) && v)
		limit_num(limits, "cpu.weight", 1 + ((long long)(v < 2 ? 2 : v > 262144 ? 262144 : v) - 2) * 9999 / 262142);
	if (num(cpu, "quota", &v) || num(cpu, "period", &p)) {
		char s[48];
		long long per = num(cpu, "period", &p) ? (long long)p : 100000LL;
		if (num(cpu, "quota", &v) && v > 0)
			snprintf(s, sizeof(s), "%lld %lld", (long long)v, per);
		else
			snprintf(s, sizeof(s), "max %lld", per);
		cJSON_AddStringToObject(limits, "cpu.max", s);
	}
	const char *sets[][2] = { { "cpus", "cpuset.cpus" }, { "mems", "cpuset.mems" } };
	for (int i = 0; i < 2; i++) {
		const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(cpu, sets[i][0]));
		if (s && *s)
			cJSON_AddStringToObject(limits, sets[i][1], s);
	}
	if (num(cJSON_GetObjectItem(res, "pids"), "limit", &v))
		limit_num(limits, "pids.max", v > 0 ? (long long)v : -1);
	if (num(cJSON_GetObjectItem(res, "blockIO"), "weight", &v) && v)
		limit_num(limits, "io.weight", 1 + ((long long)v - 10) * 9999 / 990);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(res, "unified")) {
		if (!cJSON_IsString(it) || strchr(it->string, '/'))
			return cb_fail(e, EINVAL, "linux.resources.unified.%s: want a cgroup file name and a string",
				       it->string);
		cJSON_DeleteItemFromObjectCaseSensitive(limits, it->string);
		cJSON_AddStringToObject(limits, it->string, it->valuestring);
	}
	/* devices: cb_cgroup_oci_devices, once the cgroup exists */
	static const char *const other[] = { "hugepageLimits", "rdma", "network" };
	for (int i = 0; i < 3; i++)
		if (cJSON_GetArraySize(cJSON_GetObjectItem(res, other[i])))
			return cb_fail(e, ENOTSUP, "linux.resources.%s: not supported", other[i]);
	return 0;
}
