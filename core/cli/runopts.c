/* runopts.c - run's and create's command line (see runopts.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <stdarg.h>

#include "binfmt.h"
#include "cgroup.h"
#include "ctl.h"
#include "ctrlog.h"
#include "emul.h"
#include "idmap.h"
#include "image.h"
#include "paths.h"
#include "load.h"
#include "network.h"
#include "runopts.h"
#include "secret.h"
#include "volume.h"
#include "walk.h"

/* A refusal while parsing: its message goes to the cb_err of cb_runopts_parse, which
 * returns it to the applet to print (with podman's "See --help" line when hint). */
static jmp_buf bail_jmp;
static cb_err *bail_e;
static int bail_hint;

static void __attribute__((noreturn, format(printf, 2, 3))) bail(int hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(bail_e->msg, sizeof(bail_e->msg), fmt, ap);
	va_end(ap);
	bail_e->errnum = EINVAL;
	bail_hint = hint;
	longjmp(bail_jmp, 1);
}
#define usage_error(...) bail(1, __VA_ARGS__) /* a bad option or value */
/* A core parser's refusal in *e, passed on (hint: with the "See --help" line). */
static void __attribute__((noreturn)) bail_with(const cb_err *e, int hint)
{
	char msg[sizeof(e->msg)];
	snprintf(msg, sizeof(msg), "%s", e->msg);
	bail(hint, "%s", msg);
}
#define refuse(...) bail(0, __VA_ARGS__)      /* a refusal of one value, as podman's */

/* --runtime PATH: a copy (or link) of this very program, byte for byte. */
static int same_program(const char *path)
{
	int a = open(path, O_RDONLY | O_CLOEXEC), b = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), same = 0;
	struct stat sa, sb;
	if (a >= 0 && b >= 0 && fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && S_ISREG(sa.st_mode) && sa.st_size == sb.st_size) {
		static char x[65536], y[65536];
		ssize_t n;
		do
			n = read(a, x, sizeof(x));
		while (n > 0 && read(b, y, (size_t)n) == n && !memcmp(x, y, (size_t)n));
		same = n == 0;
	}
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	return same;
}

/* --device HOST[:CTR][:PERMS] (PERMS of r, w, m; without w the node is bound read-only). */
static void parse_device(const char *spec, struct cb_volume *v)
{
	char *s = strdup(spec), *f[3] = { s, NULL, NULL };
	if (!s)
		usage_error("out of memory");
	for (int k = 1; k < 3 && (f[k] = strchr(f[k - 1], ':')); k++)
		*f[k]++ = '\0';
	if (f[1] && !f[2] && f[1][0] != '/') {
		f[2] = f[1]; /* HOST:PERMS */
		f[1] = NULL;
	}
	const char *perms = f[2] ? f[2] : "rwm";
	struct stat st;
	if (s[0] != '/' || (f[1] && f[1][0] != '/') || !*perms || strspn(perms, "rwm") != strlen(perms))
		refuse("--device %s: want /dev/HOST[:/dev/CONTAINER][:rwm]: invalid argument", spec);
	if (stat(s, &st) < 0) {
		char msg[128];
		snprintf(msg, sizeof(msg), "%s", strerror(errno));
		msg[0] = (char)tolower((unsigned char)msg[0]);
		refuse("stat %s: %s", s, msg);
	}
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		refuse("--device %s: not a device node", s);
	v->src = s;
	v->dst = f[1] ? f[1] : s;
	v->ro = !strchr(perms, 'w');
}

/* --tz local|AREA/CITY: the host's zoneinfo file (its /etc/localtime for local) bound
 * read-only on /etc/localtime, as podman (no TZ variable: an image without zoneinfo could
 * not read it). */
static int tz(struct cb_run_opts *o, struct cb_volume *b, cb_err *e)
{
	static char path[512];
	struct stat st;
	snprintf(path, sizeof(path), "%s%s", strcmp(o->tz, "local") ? "/usr/share/zoneinfo/" : "/etc/localtime",
		 strcmp(o->tz, "local") ? o->tz : "");
	if (strstr(o->tz, "..") || stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return cb_fail(e, ENOENT, "--tz %s: finding timezone: unknown time zone %s", o->tz, o->tz);
	b->src = path;
	b->dst = "/etc/localtime";
	b->ro = 1;
	return 0;
}

/* --cap-add/--cap-drop NAME[,NAME...]: each name checked now. */
static void add_caps(const char ***v, int *n, const char *arg, const char *opt)
{
	char *s = strdup(arg);
	for (char *c = s ? strtok(s, ",") : NULL; c; c = strtok(NULL, ",")) {
		if (cb_cap_number(c) < 0)
			refuse("%s %s: unknown capability", opt, c);
		const char **nv = realloc(*v, (size_t)(*n + 1) * sizeof(*nv));
		if (!nv)
			usage_error("out of memory");
		*v = nv;
		nv[(*n)++] = c;
	}
}

/* --uts/--pid/--ipc host|private */
static int host_ns(const char *opt, const char *arg, int bit)
{
	if (!strcmp(arg, "host"))
		return bit;
	if (strcmp(arg, "private") && strcmp(arg, ""))
		usage_error("--%s %s: want host or private", opt, arg);
	return 0;
}

/* -a/--attach stdin|stdout|stderr (any case): its bit */
static int stream(const char *arg)
{
	static const char *const names[] = { "stdin", "stdout", "stderr" };
	for (int i = 0; i < 3; i++)
		if (!strcasecmp(arg, names[i]))
			return 1 << i;
	usage_error("invalid stream \"%s\" for --attach - must be one of stdin, stdout, or stderr", arg);
}

/* --restart no|on-failure[:N]|always|unless-stopped, podman's words for a bad one. */
static void check_restart(const char *arg)
{
	const char *n = strchr(arg, ':');
	char *end = NULL;
	if (!strcmp(arg, "no") || !strcmp(arg, "always") || !strcmp(arg, "unless-stopped") ||
	    !strcmp(arg, "on-failure"))
		return;
	if (n && !strncmp(arg, "on-failure:", 11) && n[1] && (strtol(n + 1, &end, 10) >= 0) && !*end)
		return;
	if (n && !strncmp(arg, "on-failure:", 11))
		refuse("--restart %s: restart count must be a non-negative number", arg);
	refuse("--restart %s: invalid restart policy: may only be \"no\", \"on-failure\", \"always\", or "
	       "\"unless-stopped\"", arg);
}

static int number(const char *opt, const char *arg)
{
	char *end;
	long n = strtol(arg, &end, 10);
	if (*end || !*arg || n < 0 || n > 1 << 20)
		usage_error("--%s '%s': want a number", opt, arg);
	return (int)n;
}

/* ---- runflags.c's options, one block: --ulimit, --shm-size, --sysctl, --oom-score-adj,
 * --kernel-memory (podman's no-op); --ipc and --security-opt go there too ---- */
enum { O_RUNFLAG = 200 };
static const char *const runflag_names[] = { "ulimit", "shm-size", "sysctl", "oom-score-adj", "kernel-memory",
					       "rmi", "log-opt", "secret" };
#define RUNFLAG_OPTIONS                                                                                      \
	{ "ulimit", 0, CB_OPT_ARG, O_RUNFLAG }, { "shm-size", 0, CB_OPT_ARG, O_RUNFLAG + 1 },                 \
	{ "sysctl", 0, CB_OPT_ARG, O_RUNFLAG + 2 }, { "oom-score-adj", 0, CB_OPT_ARG, O_RUNFLAG + 3 },         \
	{ "kernel-memory", 0, CB_OPT_ARG, O_RUNFLAG + 4 }, { "rmi", 0, CB_OPT_BOOL, O_RUNFLAG + 5 },   \
	{ "log-opt", 0, CB_OPT_ARG, O_RUNFLAG + 6 }, { "secret", 0, CB_OPT_ARG, O_RUNFLAG + 7 }
static int runflag(struct cb_runopts *r, int c, const char *arg, cb_err *e)
{
	if (c == O_RUNFLAG + 5) /* --rmi implies --rm, as podman's */
		return r->rmi = r->o.rm = !strcmp(arg, "true"), 0;
	if (c == O_RUNFLAG + 7)
		return r->secrets[r->nsecrets++] = arg, 0;
	if (c == O_RUNFLAG + 4)
		return cb_warn("The --kernel-memory flag is no longer supported. This flag is a noop."), 0;
	int k = cb_runflags_opt(&r->flags, runflag_names[c - O_RUNFLAG], arg, e);
	return k < 0 ? k : 0;
}
/* --userns host|private|auto[:OPTS]|keep-id (podman's last one wins): cbox's rootless
 * containers always have a user namespace of their own, the storage's (the ladder's
 * mapping), so private and auto are that. */
static void userns(struct cb_run_opts *o, const char *arg)
{
	o->keep_ids[0] = o->keep_ids[1] = -1;
	/* (auto, private: the storage's user namespace rootless; as root none is made) */
	o->userns_mode = !strncmp(arg, "auto", 4) || !strcmp(arg, "private") ? (cb_rootless() ? "private" : NULL)
			 : !strcmp(arg, "host") ? "host"
			 : !strcmp(arg, "nomap") ? "nomap" : !strncmp(arg, "keep-id", 7) ? "keep-id" : NULL;
	if (!strncmp(arg, "auto:", 5)) {
		const char *sz = strstr(arg, "size=");
		char *end = NULL;
		if (sz && (strtoul(sz + 5, &end, 10), end == sz + 5 || (*end && *end != ',')))
			usage_error("--userns %s: strconv.ParseUint: parsing \"%.*s\": invalid syntax", arg,
				    (int)strcspn(sz + 5, ","), sz + 5);
	} else if (!strcmp(arg, "nomap")) {
		/* keep-id's nested namespace without the caller: only the sub-ids */
		if (!cb_rootless())
			refuse("nomap is only supported in rootless mode");
		o->keep_id = o->nomap = 1;
		return;
	} else if (!strncmp(arg, "keep-id:", 8)) {
		/* keep-id:uid=U,gid=G: the caller is U:G inside */
		for (const char *p = arg + 8; *p; p += *p == ',') {
			int k = !strncmp(p, "uid=", 4) ? 0 : !strncmp(p, "gid=", 4) ? 1 : -1;
			char *end = NULL;
			unsigned long v = k < 0 ? 0 : strtoul(p + 4, &end, 10);
			if (k < 0 || end == p + 4 || (*end && *end != ',') || v > 65535)
				refuse("--userns %s: want keep-id:uid=N,gid=N (N up to 65535)", arg);
			o->keep_ids[k] = (long)v;
			p = end;
		}
		o->keep_id = 1;
		return;
	} else if (strcmp(arg, "keep-id") && strcmp(arg, "host") && strcmp(arg, "private") && strcmp(arg, "auto") &&
		   arg[0]) {
		refuse("unrecognized namespace mode %s passed", arg);
	}
	o->keep_id = !strcmp(arg, "keep-id");
	o->nomap = 0;
}
/* ---- */

static int parse(struct cb_runopts *r, int argc, char **argv, cb_err *e)
{
	enum { O_NAME = 1, O_HOST, O_RM, O_ENV, O_WORKDIR, O_USER, O_ENTRY, O_VOLUME, O_RO, O_NET, O_PULL,
	       O_INTERACTIVE, O_TTY, O_DETACH, O_PUBLISH, O_DNS, O_ADDHOST, O_CAPADD, O_CAPDROP, O_PRIV, O_TMPFS,
	       O_ENVFILE, O_INIT, O_EMUL, O_SECOPT, O_ROOTFS, O_USERNS, O_QUIET, O_CIDFILE, O_RUNTIME, O_REPLACE, O_LABEL,
	       O_ANNOT, O_STOPSIG, O_STOPTIME, O_TZ, O_ENVHOST, O_NOHOSTS, O_DNSOPT, O_DNSSEARCH, O_UTS, O_PID,
	       O_IPC, O_GROUPADD, O_HOSTUSER, O_PRESERVE, O_SIGPROXY, O_RESTART, O_DEVICE, O_PROXY, O_ARCH, O_OS,
	       O_VARIANT, O_ATTACH, O_TIMEOUT, O_MOUNT, O_LOGDRIVER, O_PUBALL, O_EXPOSE, O_STATICADDR, O_CGROUPS, O_CGPARENT,
	       O_DEVRULE, O_RESOURCE = 100 };
	/* the resource flags, in O_RESOURCE + k order */
	static const char *const resource[] = { "memory", "memory-swap", "memory-reservation", "cpus", "cpu-shares",
						"cpuset-cpus", "cpuset-mems", "pids-limit", "blkio-weight" };
	static const struct cb_option opts[] = {
		{ "name", 0, CB_OPT_ARG, O_NAME },
		{ "hostname", 'h', CB_OPT_ARG, O_HOST }, /* -h as podman (help is --help) */
		{ "rm", 0, CB_OPT_BOOL, O_RM },
		{ "env", 'e', CB_OPT_ARG, O_ENV },
		{ "workdir", 'w', CB_OPT_ARG, O_WORKDIR },
		{ "user", 'u', CB_OPT_ARG, O_USER },
		{ "entrypoint", 0, CB_OPT_ARG, O_ENTRY },
		{ "volume", 'v', CB_OPT_ARG, O_VOLUME },
		{ "read-only", 0, CB_OPT_BOOL, O_RO },
		{ "network", 0, CB_OPT_ARG, O_NET },
		{ "net", 0, CB_OPT_ARG, O_NET },
		{ "publish", 'p', CB_OPT_ARG, O_PUBLISH },
		{ "publish-all", 'P', CB_OPT_BOOL, O_PUBALL },
		{ "expose", 0, CB_OPT_ARG, O_EXPOSE },
		{ "mac-address", 0, CB_OPT_ARG, O_STATICADDR },
		{ "ip", 0, CB_OPT_ARG, O_STATICADDR },
		{ "ip6", 0, CB_OPT_ARG, O_STATICADDR },
		{ "dns", 0, CB_OPT_ARG, O_DNS },
		{ "dns-option", 0, CB_OPT_ARG, O_DNSOPT },
		{ "dns-opt", 0, CB_OPT_ARG, O_DNSOPT },
		{ "dns-search", 0, CB_OPT_ARG, O_DNSSEARCH },
		{ "add-host", 0, CB_OPT_ARG, O_ADDHOST },
		{ "no-hosts", 0, CB_OPT_BOOL, O_NOHOSTS },
		{ "pull", 0, CB_OPT_ARG, O_PULL },
		{ "quiet", 'q', CB_OPT_BOOL, O_QUIET },
		{ "cap-add", 0, CB_OPT_ARG, O_CAPADD },
		{ "cap-drop", 0, CB_OPT_ARG, O_CAPDROP },
		{ "privileged", 0, CB_OPT_BOOL, O_PRIV },
		{ "tmpfs", 0, CB_OPT_ARG, O_TMPFS },
		{ "env-file", 0, CB_OPT_ARG, O_ENVFILE },
		{ "env-host", 0, CB_OPT_BOOL, O_ENVHOST },
		{ "init", 0, CB_OPT_BOOL, O_INIT },
		{ "root-emulation", 0, CB_OPT_ARG, O_EMUL },
		{ "security-opt", 0, CB_OPT_ARG, O_SECOPT },
		{ "userns", 0, CB_OPT_ARG, O_USERNS },
		{ "uts", 0, CB_OPT_ARG, O_UTS },
		{ "pid", 0, CB_OPT_ARG, O_PID },
		{ "ipc", 0, CB_OPT_ARG, O_IPC },
		{ "group-add", 0, CB_OPT_ARG, O_GROUPADD },
		{ "hostuser", 0, CB_OPT_ARG, O_HOSTUSER },
		{ "preserve-fds", 0, CB_OPT_ARG, O_PRESERVE },
		{ "sig-proxy", 0, CB_OPT_BOOL, O_SIGPROXY },
		{ "restart", 0, CB_OPT_ARG, O_RESTART },
		{ "device", 0, CB_OPT_ARG, O_DEVICE },
		{ "mount", 0, CB_OPT_ARG, O_MOUNT },
		{ "cidfile", 0, CB_OPT_ARG, O_CIDFILE },
		{ "runtime", 0, CB_OPT_ARG, O_RUNTIME },
		{ "replace", 0, CB_OPT_BOOL, O_REPLACE },
		{ "label", 'l', CB_OPT_ARG, O_LABEL },
		{ "annotation", 0, CB_OPT_ARG, O_ANNOT },
		{ "stop-signal", 0, CB_OPT_ARG, O_STOPSIG },
		{ "stop-timeout", 0, CB_OPT_ARG, O_STOPTIME },
		{ "tz", 0, CB_OPT_ARG, O_TZ },
		{ "http-proxy", 0, CB_OPT_BOOL, O_PROXY },
		{ "arch", 0, CB_OPT_ARG, O_ARCH },
		{ "os", 0, CB_OPT_ARG, O_OS },
		{ "variant", 0, CB_OPT_ARG, O_VARIANT },
		{ "attach", 'a', CB_OPT_ARG, O_ATTACH },
		{ "timeout", 0, CB_OPT_ARG, O_TIMEOUT },
		CB_PULL_OPTIONS,
		CB_HEALTH_OPTIONS,
		{ "interactive", 'i', CB_OPT_BOOL, O_INTERACTIVE },
		{ "tty", 't', CB_OPT_BOOL, O_TTY },
		{ "detach", 'd', CB_OPT_BOOL, O_DETACH },
		{ "rootfs", 0, CB_OPT_BOOL, O_ROOTFS },
		{ "log-driver", 0, CB_OPT_ARG, O_LOGDRIVER },
		/* cgroup v2 limits (cgroup.c) */
		{ "memory", 'm', CB_OPT_ARG, O_RESOURCE + 0 },
		{ "memory-swap", 0, CB_OPT_ARG, O_RESOURCE + 1 },
		{ "memory-reservation", 0, CB_OPT_ARG, O_RESOURCE + 2 },
		{ "cpus", 0, CB_OPT_ARG, O_RESOURCE + 3 },
		{ "cpu-shares", 'c', CB_OPT_ARG, O_RESOURCE + 4 },
		{ "cpuset-cpus", 0, CB_OPT_ARG, O_RESOURCE + 5 },
		{ "cpuset-mems", 0, CB_OPT_ARG, O_RESOURCE + 6 },
		{ "pids-limit", 0, CB_OPT_ARG, O_RESOURCE + 7 },
		{ "blkio-weight", 0, CB_OPT_ARG, O_RESOURCE + 8 },
		{ "cgroups", 0, CB_OPT_ARG, O_CGROUPS },
		{ "cgroup-parent", 0, CB_OPT_ARG, O_CGPARENT },
		{ "device-cgroup-rule", 0, CB_OPT_ARG, O_DEVRULE },
		RUNFLAG_OPTIONS,
		{ 0 },
	};
	struct cb_run_opts *o = &r->o;
	const char **env = calloc((size_t)argc, sizeof(*env));
	const char **env_files = calloc((size_t)argc, sizeof(*env_files));
	const char **labels = calloc((size_t)argc, sizeof(*labels)), **annot = calloc((size_t)argc, sizeof(*annot));
	const char **groups = calloc((size_t)argc, sizeof(*groups)), **hostusers = calloc((size_t)argc, sizeof(char *));
	struct cb_volume *vols = calloc((size_t)argc, sizeof(*vols)), *devs = calloc((size_t)argc + 1, sizeof(*devs));
	struct cb_tmpfs *tmpfs = calloc((size_t)argc, sizeof(*tmpfs));
	int nenv_files = 0, env_host = 0, proxy = 1, attach = 0;
	const char *plat[3] = { NULL, NULL, NULL }; /* --os, --arch, --variant */
	struct cb_opt_state st;
	int c;
	memset(r, 0, sizeof(*r));
	o->limits = cJSON_CreateObject();
	o->hostconfig = cJSON_CreateObject();
	o->device_rules = cJSON_CreateArray();
	cb_runflags_init(&r->flags);
	o->flags = &r->flags;
	o->keep_ids[0] = o->keep_ids[1] = -1;
	r->secrets = calloc((size_t)argc, sizeof(*r->secrets));
	if (!o->limits || !o->hostconfig || !o->device_rules || !r->secrets ||
	    !env || !vols || !devs || !tmpfs || !env_files || !labels || !annot || !groups || !hostusers ||
	    cb_net_init(&r->net, argc, e) < 0)
		usage_error("out of memory");
	o->net = &r->net;
	o->stop_timeout = -1;
	o->sig_proxy = 1;
	cb_health_opts_init(&o->health);
	r->pull = "missing";
	cb_pull_opts_default(&r->po);
	r->po.quiet = 0;
	cb_opt_init_cmd(&st, argc, argv);
	while ((c = cb_opt_next(&st, opts, e))) {
		if (c == CB_OPT_HELP)
			return c;
		if (c < 0)
			return r->hint = 1, c;
		int yes = st.arg && !strcmp(st.arg, "true");
		int bad = 0;
		switch (c) {
		case O_NAME: o->name = st.arg; break;
		case O_HOST: o->hostname = st.arg; break;
		case O_RM: o->rm = yes; break;
		case O_ENV:
			if (!*st.arg || *st.arg == '=') /* before any pull (checked again in proc.c) */
				usage_error("--env '%s': no variable name", st.arg);
			env[o->proc.nenv++] = st.arg;
			break;
		case O_WORKDIR: o->proc.workdir = st.arg; break;
		case O_USER: o->proc.user = st.arg; break;
		case O_ENTRY: o->proc.entrypoint = st.arg; break;
		case O_VOLUME:
			if (cb_volume_parse(st.arg, &vols[o->nvols++], e) < 0) {
				char m[sizeof(e->msg)];
				snprintf(m, sizeof(m), "%s", e->msg);
				refuse("%s", m); /* podman's words, no prefix */
			}
			break;
		case O_MOUNT: {
			int k = cb_mount_parse(st.arg, &vols[o->nvols], &tmpfs[o->ntmpfs], e);
			if (k < 0)
				return r->hint = 1, -EINVAL;
			o->nvols += k == 1;
			o->ntmpfs += k == 2;
			break;
		}
		case O_DEVICE: parse_device(st.arg, &devs[o->nbinds++]); break;
		case O_RO: o->readonly = yes; break;
		case O_NET: bad = cb_net_parse(&r->net, st.arg, e); break;
		case O_PUBLISH: bad = cb_net_publish(&r->net, st.arg, e); break;
		case O_PUBALL: r->net.publish_all = yes; break;
		case O_EXPOSE: bad = cb_net_expose(&r->net, st.arg, e); break;
		case O_STATICADDR: r->net.static_addr = 1; break;
		case O_DNS: bad = cb_net_dns(&r->net, st.arg, e); break;
		case O_DNSOPT: r->net.dns_opts[r->net.ndns_opts++] = st.arg; break;
		case O_DNSSEARCH: r->net.dns_search[r->net.ndns_search++] = st.arg; break;
		case O_ADDHOST: bad = cb_net_add_host(&r->net, st.arg, e); break;
		case O_NOHOSTS: o->no_hosts = yes; break;
		case O_PULL:
			if (strcmp(st.arg, "missing") && strcmp(st.arg, "always") && strcmp(st.arg, "never") &&
			    strcmp(st.arg, "newer"))
				usage_error("--pull %s: want missing, always, newer or never", st.arg);
			r->pull = st.arg;
			break;
		case O_QUIET: r->po.quiet = yes; break;
		case O_CAPADD: add_caps(&o->proc.cap_add, &o->proc.ncap_add, st.arg, "--cap-add"); break;
		case O_CAPDROP: add_caps(&o->proc.cap_drop, &o->proc.ncap_drop, st.arg, "--cap-drop"); break;
		case O_PRIV: o->proc.privileged = yes; break;
		case O_TMPFS: bad = cb_tmpfs_parse(st.arg, &tmpfs[o->ntmpfs++], e); break;
		case O_ENVFILE: env_files[nenv_files++] = st.arg; break;
		case O_ENVHOST: env_host = yes; break;
		case O_PROXY: proxy = yes; break;
		case O_OS: case O_ARCH: case O_VARIANT: plat[c == O_OS ? 0 : c == O_ARCH ? 1 : 2] = st.arg; break;
		case O_INIT: o->init = yes; break;
		case O_EMUL: bad = cb_emul_parse(st.arg, &o->root_emul, e); break;
		case O_SECOPT:
			/* runflags.c's, but seccomp= */
			if ((bad = cb_runflags_opt(&r->flags, "security-opt", st.arg, e)) != 0)
				break;
			bad = cb_seccomp_opt(&r->seccomp, st.arg + 8, e);
			o->proc.seccomp = &r->seccomp;
			break;
		case O_USERNS: userns(o, st.arg); break;
		case O_UTS: o->host_ns = (o->host_ns & ~CB_HOST_UTS) | host_ns("uts", st.arg, CB_HOST_UTS); break;
		case O_PID: o->host_ns = (o->host_ns & ~CB_HOST_PID) | host_ns("pid", st.arg, CB_HOST_PID); break;
		case O_IPC:
			bad = cb_runflags_opt(&r->flags, "ipc", st.arg, e);
			o->host_ns = (o->host_ns & ~CB_HOST_IPC) | (r->flags.ipc == CB_IPC_HOST ? CB_HOST_IPC : 0);
			break;
		case O_GROUPADD: groups[o->proc.ngroups_add++] = st.arg; break;
		case O_HOSTUSER: hostusers[o->proc.nhostusers++] = st.arg; break;
		case O_PRESERVE: o->proc.preserve_fds = number("preserve-fds", st.arg); break;
		case O_ATTACH: attach |= stream(st.arg); break;
		case O_TIMEOUT: o->timeout = number("timeout", st.arg); break;
		case O_SIGPROXY: o->sig_proxy = yes; break;
		case O_RESTART: check_restart(st.arg); o->restart = st.arg; break;
		case O_CIDFILE: r->cidfile = o->cidfile = st.arg; break;
		case O_RUNTIME:
			if (strcmp(st.arg, "cbox") && !same_program(st.arg))
				refuse("--runtime %s: cbox is its own OCI runtime (\"cbox\", or a copy of this cbox)", st.arg);
			o->runtime = st.arg;
			break;
		case O_REPLACE: r->replace = yes; break;
		case O_LABEL: labels[o->nlabels++] = st.arg; break;
		case O_ANNOT: annot[o->nannotations++] = st.arg; break;
		case O_STOPSIG:
			if (cb_signal_parse(st.arg) < 0)
				refuse("--stop-signal %s: invalid signal", st.arg);
			o->stop_signal = st.arg;
			break;
		case O_STOPTIME: o->stop_timeout = number("stop-timeout", st.arg); break;
		case O_TZ: o->tz = st.arg; break;
		case O_INTERACTIVE: o->interactive = yes; break; /* without -t stdin is the container's already */
		case O_TTY: o->tty = yes; break;
		case O_DETACH: o->detach = yes; break;
		case O_ROOTFS: r->rootfs = yes; break;
		case O_LOGDRIVER:
			if (cb_log_driver_parse(st.arg, &o->log_driver, e) < 0) {
				char msg[sizeof(e->msg)];
				snprintf(msg, sizeof(msg), "%s", e->msg);
				refuse("%s", msg);
			}
			break;
		case O_CGROUPS:
			if (strcmp(st.arg, "enabled") && strcmp(st.arg, "disabled") && strcmp(st.arg, "no-conmon") &&
			    strcmp(st.arg, "split"))
				refuse("running container create option: invalid cgroup mode \"%s\": invalid argument", st.arg);
			o->cgroups_off = !strcmp(st.arg, "disabled");
			break;
		case O_CGPARENT: o->cgroup_parent = st.arg; break;
		case O_DEVRULE:
			if (cb_cgroup_device_rule(st.arg, e) < 0)
				bail_with(e, 0);
			cJSON_AddItemToArray(o->device_rules, cJSON_CreateString(st.arg));
			break;
		case CB_HEALTH_O_CMD ... CB_HEALTH_O_FAILURE:
			if (cb_health_opt(&o->health, c, st.arg, e) < 0)
				return -EINVAL;
			break;
		default:
			if (c >= O_RESOURCE && c < O_RESOURCE + 9) {
				if (cb_cgroup_flag(o->limits, o->hostconfig, resource[c - O_RESOURCE], st.arg, e) < 0)
					bail_with(e, !strncmp(e->msg, "invalid argument", 16));
				break;
			}
			if (c >= O_RUNFLAG && c < O_RUNFLAG + (int)CB_ARRAY_SIZE(runflag_names)) {
				if (runflag(r, c, st.arg, e) < 0)
					return -EINVAL;
				break;
			}
			r->platform_set |= c == CB_PULL_O_PLATFORM;
			bad = cb_pull_opt(&r->po, c, st.arg, e);
		}
		if (bad < 0)
			return r->hint = c != O_SECOPT && c != O_IPC, -EINVAL;
	}
	if (o->name && !cb_container_name_ok(o->name))
		refuse("--name '%s': names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument", o->name);
	for (int i = 0; i < o->nlabels + o->nannotations; i++) {
		const char *kv = i < o->nlabels ? labels[i] : annot[i - o->nlabels];
		if (!*kv || *kv == '=')
			refuse("--%s '%s': no key", i < o->nlabels ? "label" : "annotation", kv);
	}
	if (cb_cgroup_flags_done(o->limits, o->hostconfig, e) < 0)
		bail_with(e, 0);
	if (cb_runflags_check(&r->flags, o->host_ns & CB_HOST_UTS, r->net.mode == CB_NET_HOST, e) < 0)
		return -EINVAL;
	for (int i = 0; o->proc.ngroups_add > 1 && i < o->proc.ngroups_add; i++)
		if (!strcmp(groups[i], "keep-groups"))
			refuse("the '--group-add keep-groups' option is not allowed with any other --group-add options");
	if (attach && o->detach)
		refuse("--attach and --detach cannot be set at the same time");
	if (o->detach && o->log_driver == CB_LOG_PASSTHROUGH)
		refuse("passthrough logging driver is not supported in detached mode");
	if (attach)
		o->proc.null_fds = 7 & ~(attach | o->interactive); /* -i: stdin too */
	if (!o->interactive && !o->tty)
		o->proc.null_fds |= 1; /* as podman: without -i the caller's stdin is not the container's */
	if (o->restart && strcmp(o->restart, "no") && o->rm)
		refuse("the --rm option conflicts with --restart, when the restartPolicy is not \"\" and \"no\"");
	if (cb_cmd_check(argc - st.ind, e) < 0)
		return -EINVAL; /* podman's count words, without the hint */
	if (st.ind >= argc)
		usage_error(r->rootfs ? "--rootfs: name a directory" : "name an image");
	r->image = argv[st.ind];
	if (r->rootfs) {
		const char *image = r->image;
		if (st.ind + 1 >= argc)
			usage_error("--rootfs %s: name a command (a directory has no image config)", image);
		size_t n = strlen(image);
		o->rootfs_overlay = n > 2 && !strcmp(image + n - 2, ":O");
		snprintf(r->rootfs_dir, sizeof(r->rootfs_dir), "%.*s", (int)(n - 2 * o->rootfs_overlay), image);
		struct stat sb = { 0 };
		char *abs = realpath(r->rootfs_dir, NULL);
		if (!abs || stat(abs, &sb) < 0 || !S_ISDIR(sb.st_mode) || strlen(abs) >= 3000 || strchr(abs, ',') ||
		    strchr(abs, ':'))
			refuse("--rootfs %s: %s", r->rootfs_dir,
			       !abs ? strerror(errno) : !S_ISDIR(sb.st_mode) ? "not a directory" :
			       "a path with ',' or ':' (or this long) cannot be mounted");
		snprintf(r->rootfs_dir, sizeof(r->rootfs_dir), "%s", abs);
		free(abs);
		if (!strcmp(r->rootfs_dir, "/"))
			usage_error("--rootfs %s: the host's own root cannot be pivoted into (bind it elsewhere first)",
				    r->rootfs_dir);
		o->rootfs_dir = r->rootfs_dir;
	}
	o->args = argv + 1;
	o->nargs = argc - 1;
	o->image_arg = st.ind - 1;
	o->proc.cmd = argv + st.ind + 1;
	o->proc.ncmd = argc - st.ind - 1;
	o->proc.env = env;
	o->proc.groups_add = groups;
	o->proc.hostusers = hostusers;
	o->labels = labels;
	o->annotations = annot;
	if ((env_host || proxy) && cb_proc_env_host(&o->proc, env_host, e) < 0)
		return -EINVAL;
	if (plat[0] || plat[1] || plat[2]) {
		/* --os/--arch/--variant: this host's platform but for what they name */
		struct cb_platform *p = &r->po.platform;
		if (r->platform_set)
			usage_error("--platform conflicts with --os, --arch and --variant");
		if (plat[0])
			snprintf(p->os, sizeof(p->os), "%s", plat[0]);
		if (plat[1])
			snprintf(p->arch, sizeof(p->arch), "%s", plat[1]);
		if (plat[1] || plat[2])
			snprintf(p->variant, sizeof(p->variant), "%s", plat[2] ?: "");
		r->platform_set = 1;
	}
	for (int i = 0; i < nenv_files; i++)
		if (cb_proc_env_file(&o->proc, env_files[i], e) < 0)
			return -EINVAL;
	free(env_files);
	if (cb_mounts_check(vols, o->nvols, tmpfs, o->ntmpfs, e) < 0)
		return -EINVAL;
	o->vols = r->vols = vols;
	if (o->tz && tz(o, &devs[o->nbinds++], e) < 0)
		return -EINVAL;
	o->binds = r->binds = devs;
	o->tmpfs = tmpfs;
	o->driver = cb_opt_storage_driver;
	o->image_name = r->image;
	o->rootless = cb_rootless();
	/* keep-id: the caller's uid:gid inside too, unless -u says otherwise. */
	if (o->keep_id && !o->nomap && o->rootless && !o->proc.user) {
		snprintf(r->keep_user, sizeof(r->keep_user), "%lu:%lu",
			 o->keep_ids[0] >= 0 ? (unsigned long)o->keep_ids[0] : (unsigned long)cb_host_uid(),
			 o->keep_ids[1] >= 0 ? (unsigned long)o->keep_ids[1] : (unsigned long)cb_host_gid());
		o->proc.user = r->keep_user;
	}
	if (cb_net_finish_opts(&r->net, o->rootless, e) < 0)
		return r->hint = 1, -EINVAL;
	if (!o->userns_mode && !strcmp(r->net.conf->userns, "auto") && cb_rootless()) /* containers.conf's */
		o->userns_mode = "private";
	if (r->net.ports_discarded)
		r->warning = "Port mappings have been discarded as one of the Host, Container, Pod, and None network modes "
			     "are in use";
	return 0;
}

int cb_runopts_parse(struct cb_runopts *r, int argc, char **argv, cb_err *e)
{
	bail_e = e;
	if (setjmp(bail_jmp)) {
		r->hint = bail_hint;
		return -EINVAL;
	}
	return parse(r, argc, argv, e);
}

/* The image entry is for platform p (os and arch; the variant when both give one). */
static int platform_is(const cJSON *img, const struct cb_platform *p)
{
	struct cb_platform got;
	cb_err ignore;
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(img, "platform"));
	return !s || (cb_platform_parse(s, &got, &ignore) == 0 && cb_platform_matches(p, &got));
}

/* --replace: the container of that name goes first (killed at once, as podman's). */
static int replace(struct cb_store *s, const char *name, cb_err *e)
{
	char id[65], dir[128];
	int r;
	if (!name || !cb_container_find(s, "name", name, id, sizeof(id)))
		return 0;
	if ((r = cb_container_stop(s, id, 0, e)) < 0)
		return r;
	snprintf(dir, sizeof(dir), "containers/%s", id);
	if ((r = cb_rm_rf_at(s->rootfd, dir)) < 0 && r != -ENOENT)
		return cb_fail_errno(e, -r, "--replace: remove %s", name);
	return 0;
}

/* IMAGE docker-archive:PATH or oci-archive:PATH: loaded into the store (its name, or
 * its id, into r->image_name), with podman's progress lines unless -q. */
static int archive(struct cb_runopts *r, struct cb_store *s, int fd, cJSON **index, cb_err *e)
{
	struct cb_reader in = cb_fd_reader(&fd);
	char *loaded = NULL;
	int k = cb_load(s, &in, &loaded, e);
	close(fd);
	if (k < 0)
		return cb_err_prefix(e, "%s", r->image);
	snprintf(r->image_name, sizeof(r->image_name), "%.*s", (int)strcspn(loaded, "\n"), loaded);
	free(loaded);
	cJSON_Delete(*index);
	if ((k = cb_store_index_load(s, index, e)) < 0)
		return k;
	const cJSON *img = cb_index_find(*index, r->image_name), *l;
	if (!img)
		return cb_fail(e, ENOENT, "%s: loaded, but not in the index", r->image);
	if (!r->po.quiet) {
		fprintf(stderr, "Getting image source signatures\n");
		cJSON_ArrayForEach(l, cJSON_GetObjectItem(img, "layers"))
			fprintf(stderr, "Copying blob %.12s done\n", cb_digest_hex(l->valuestring ?: "sha256:"));
		fprintf(stderr, "Copying config %.12s done\nWriting manifest to image destination\n",
			cb_digest_hex(cJSON_GetStringValue(cJSON_GetObjectItem(img, "id")) ?: "sha256:"));
	}
	r->image = r->o.image_name = r->image_name;
	return 0;
}

static int image_of(struct cb_runopts *r, struct cb_store *s, cJSON **index, const cJSON **imgp, cb_err *e)
{
	struct cb_regconf rc;
	cJSON *img = NULL;
	int k, afd = -1;
	*index = NULL;
	*imgp = NULL;
	const char *colon = strchr(r->image, ':');
	if (!r->rootfs && colon && (!strncmp(r->image, "docker-archive:", 15) || !strncmp(r->image, "oci-archive:", 12)) &&
	    (afd = open(colon + 1, O_RDONLY | O_CLOEXEC)) < 0)
		return cb_fail_errno(e, errno, "%s", r->image);
	if (r->cidfile) {
		int fd = open(r->cidfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 && errno == EEXIST)
			return cb_fail(e, EEXIST, "container id file exists. Ensure another container is not using it or "
				       "delete %s", r->cidfile);
		if (fd < 0)
			return cb_fail_errno(e, errno, "error opening cidfile %s", r->cidfile);
		close(fd);
		r->cid_made = 1;
	}
	/* The storage's user namespace (the privilege ladder): layers unpack and containers
	 * run in it. */
	/* container:NAME: run joins it now; create only names it (start joins it) */
	int join = r->net.mode == CB_NET_CONTAINER && !r->o.create;
	if ((k = join ? cb_net_join_peer(&r->net, e) : r->net.mode == CB_NET_NS ? cb_net_enter_ns_owner(&r->net, e) :
		    cb_userns_enter(e)) < 0 ||
	    (k = cb_store_open(s, cb_opt_root, e)) < 0 || (k = cb_network_apply(s, &r->net, e)) < 0 ||
	    (r->net.mode == CB_NET_CONTAINER && !join &&
	     (k = cb_container_resolve(s, r->net.peer_ref, r->net.peer, sizeof(r->net.peer), e)) < 0) ||
	    (r->replace && (k = replace(s, r->o.name, e)) < 0) ||
	    (k = cb_regconf_load(&rc, e)) < 0 || (k = cb_store_index_load(s, index, e)) < 0)
		return k;
	r->o.single_map = cb_idmap_current.mode == CB_IDMAP_SINGLE;
	if (r->rootfs)
		return 0;
	if (afd >= 0 && (k = archive(r, s, afd, index, e)) < 0)
		return k;
	const char *image = r->image;
	if (strcmp(r->pull, "always") && strcmp(r->pull, "newer"))
		img = cb_image_lookup(*index, image, &rc, NULL, 0, e);
	if (img && r->platform_set && !platform_is(img, &r->po.platform)) {
		img = NULL; /* a local image of another platform: pull the one asked for */
		cb_fail(e, ENOENT, "%s: the local image is not for %s/%s", image, r->po.platform.os, r->po.platform.arch);
	}
	if (!img && !strcmp(r->pull, "never"))
		return -ENOENT;
	if (!img && !CFG_APPLET_PULL) /* a build without TLS (tiny): local images only */
		return cb_fail(e, ENOENT, "%s: no such local image, and this build pulls none (cbox load it)", image);
	if (!img) {
		char id[CB_DIGEST_LEN + 1];
		cb_err pe;
		if ((k = cb_pull(s, image, &r->po, id, &pe)) < 0 && !strcmp(r->pull, "newer") &&
		    (img = cb_image_lookup(*index, image, &rc, NULL, 0, e))) {
			/* newer: the local one when the registry cannot say (podman's too) */
			cb_info("%s: %s; the local image is used", image, pe.msg);
			goto check;
		}
		if (k < 0)
			return *e = pe, k;
		cJSON_Delete(*index);
		if ((k = cb_store_index_load(s, index, e)) < 0)
			return k;
		if (!(img = cb_index_find(*index, id)))
			return cb_fail(e, ENOENT, "%s: pulled, but not in the index", image);
	}
check:
	/* The container's image name: the full one that matched, as podman's ("" for an ID) */
	if (cb_image_lookup(*index, image, &rc, r->image_name, sizeof(r->image_name), e) && r->image_name[0])
		r->o.image_name = r->image_name;
	snprintf(r->image_id, sizeof(r->image_id), "%s", cJSON_GetStringValue(cJSON_GetObjectItem(img, "id")) ?: "");
	/* A foreign-arch image needs a binfmt_misc handler: say so before anything starts. */
	if ((k = cb_binfmt_check(image, cJSON_GetStringValue(cJSON_GetObjectItem(img, "platform")), e)) < 0)
		return k;
	*imgp = img;
	return 0;
}

/* --secret NAME[,target=T][,type=mount]: ROOT/secrets/NAME/data read-only on
 * /run/secrets/NAME (or T: relative to /run/secrets, or absolute). */
static int secrets(struct cb_runopts *r, struct cb_store *s, cb_err *e)
{
	for (int i = 0; i < r->nsecrets; i++) {
		char ref[256], name[256], id[26], *src = NULL, *dst = NULL;
		const char *spec = r->secrets[i], *t = strstr(spec, ",target="), *tt = t ? t + 8 : NULL;
		snprintf(ref, sizeof(ref), "%.*s", (int)strcspn(spec, ","), spec);
		if (cb_secret_find(s, ref, name, id, e) < 0)
			return -ENOENT;
		if (asprintf(&src, "%s/secrets/%s/data", s->root, name) < 0 ||
		    asprintf(&dst, "%s%.*s", tt && *tt == '/' ? "" : "/run/secrets/", tt ? (int)strcspn(tt, ",") : 255,
			     tt ? tt : name) < 0)
			return cb_fail(e, ENOMEM, "out of memory");
		r->binds[r->o.nbinds].src = src;
		r->binds[r->o.nbinds].dst = dst;
		r->binds[r->o.nbinds++].ro = 1;
	}
	return 0;
}

int cb_runopts_image(struct cb_runopts *r, struct cb_store *s, cJSON **index, const cJSON **img, cb_err *e)
{
	int k = image_of(r, s, index, img, e);
	if (k == 0)
		k = secrets(r, s, e);
	/* named volumes: made (and filled from the image) in the storage's user namespace */
	return k < 0 ? k : cb_volumes_resolve(s, r->vols, r->o.nvols, e);
}

/* --rmi, the container gone: its image too unless another container uses it. */
static void rmi(const char *image_id)
{
	struct cb_store s;
	struct cb_regconf rc;
	cJSON *index = NULL, *img;
	cb_err e;
	memset(&s, 0, sizeof(s));
	s.rootfd = s.lockfd = -1;
	if (cb_image_index_open(&s, &rc, 1, &index, &e) < 0) {
		cb_warn("--rmi: %s", e.msg);
	} else if ((img = cb_index_find(index, image_id)) && !cb_container_find(&s, "image", image_id, NULL, 0)) {
		cJSON_DetachItemViaPointer(cJSON_GetObjectItem(index, "images"), img);
		cJSON_Delete(img);
		if (cb_store_index_save(&s, index, &e) < 0)
			cb_warn("--rmi: %s", e.msg);
		else
			cb_store_gc_layers(&s, index);
	}
	cJSON_Delete(index);
	cb_store_close(&s);
}

int cb_runopts_run(struct cb_runopts *r, char *id, int *status, cb_err *e)
{
	struct cb_store s;
	cJSON *index;
	const cJSON *img;
	int k;
	*status = CB_EXIT_FAIL;
	r->o.id_out = id;
	if (r->warning)
		fprintf(stderr, "%s\n", r->warning); /* podman's words, bare as podman prints them */
	if ((k = cb_runopts_image(r, &s, &index, &img, e)) == 0)
		k = cb_container_run(&s, img, &r->o, status, e);
	/* A busy port fails the start, not the container: without --rm it stays, created
	 * (podman's); nothing was made yet, so it is made now as create makes it. */
	if (k < 0 && e->errnum == EADDRINUSE && !r->o.rm && !r->o.create) {
		cb_err ignore;
		int st;
		r->o.create = 1;
		if (cb_container_run(&s, img, &r->o, &st, &ignore) < 0)
			cb_debug("the container of the failed start: %s", ignore.msg);
		r->o.create = 0;
	}
	if (k == 0 && r->rmi && !r->o.detach && !r->o.create && r->image_id[0])
		rmi(r->image_id);
	/* nothing made: the --cidfile made early goes, as podman's */
	if (k < 0 && r->cid_made && (r->o.create || *status == CB_EXIT_FAIL))
		unlink(r->cidfile);
	cb_net_free(&r->net);
	return k;
}
