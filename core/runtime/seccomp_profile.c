/* seccomp_profile.c - the container's seccomp filter (see seccomp_profile.h). */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "fdpass.h"
#include "proc.h"
#include "seccomp_profile.h"
#include "store.h"

/* The kernel runs at most 4096 instructions a filter. */
#define PROG_MAX (4096 * sizeof(struct sock_filter))
#define MAX_RULES 8192
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV /* Linux 5.19 */
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* Does this kernel run x32 calls? Most build it off or disable it at boot, and each
 * architecture costs a filter's build about 0.2 ms. */
static int have_x32(void)
{
#ifdef __x86_64__
	return syscall(0x40000000 | SYS_getpid) >= 0;
#else
	return 0;
#endif
}

void cb_seccomp_add_arches(void *ctx)
{
	uint32_t native = seccomp_arch_native();
	if (native == SCMP_ARCH_X86_64) {
		seccomp_arch_add(ctx, SCMP_ARCH_X86);
		if (have_x32())
			seccomp_arch_add(ctx, SCMP_ARCH_X32);
	} else if (native == SCMP_ARCH_AARCH64) {
		seccomp_arch_add(ctx, SCMP_ARCH_ARM);
	}
}

void cb_seccomp_facts(struct cb_sha256 *h)
{
	const struct scmp_version *v = seccomp_version();
	unsigned facts[] = { have_x32(), seccomp_arch_native(), v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0 };
	cb_sha256_update(h, facts, sizeof(facts));
}

int cb_seccomp_export(void *ctx, void *buf, size_t *len)
{
	/* libseccomp 2.5 exports to an fd only: a pipe (a program is at most 32 KiB, the
	 * pipe holds 64). */
	int p[2];
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	int r = seccomp_export_bpf(ctx, p[1]);
	ssize_t n = r == 0 ? read(p[0], buf, *len) : -1;
	if (r == 0 && (n <= 0 || (size_t)n == *len))
		r = -E2BIG;
	close(p[0]);
	close(p[1]);
	if (r == 0)
		*len = (size_t)n;
	return r;
}

int cb_seccomp_cache_get(int dirfd, const char *name, void *buf, size_t *len)
{
	char *text = NULL;
	size_t n = 0;
	cb_err ignore;
	int r = -1;
	if (dirfd >= 0 && cb_read_file_at(dirfd, name, *len, &text, &n, &ignore) == 0 && n &&
	    n % sizeof(struct sock_filter) == 0) {
		memcpy(buf, text, n);
		*len = n;
		r = 0;
	}
	free(text);
	return r;
}

void cb_seccomp_cache_put(int dirfd, const char *name, const void *buf, size_t len)
{
	cb_err ignore;
	if (dirfd >= 0)
		cb_write_replace(dirfd, name, buf, len, 0600, 0, &ignore);
}

long cb_seccomp_load(const void *prog, size_t len, unsigned flags)
{
	struct sock_fprog fp = { .len = (unsigned short)(len / sizeof(struct sock_filter)),
				 .filter = (struct sock_filter *)prog };
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fp);
	return r < 0 ? -errno : r;
}

/* ---- the rules of a profile, resolved for one container ---- */

struct rule {
	const char *names; /* space-separated */
	uint32_t action;
	unsigned narg;
	struct scmp_arg_cmp arg[6];
};

struct plan {
	uint32_t def;          /* what every other call gets */
	uint32_t arch[16];     /* the ABIs (besides the native one) */
	unsigned narch;        /* ... or, when 0, the host's (cb_seccomp_add_arches) */
	struct rule *r;
	unsigned n;
	unsigned flags; /* seccomp(2)'s */
	int notify;     /* some rule is SCMP_ACT_NOTIFY */
};

static int plan_add(struct plan *p, const struct rule *r)
{
	if (p->n % 64 == 0) {
		if (p->n >= MAX_RULES)
			return -E2BIG;
		struct rule *nr = realloc(p->r, (p->n + 64) * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		p->r = nr;
	}
	p->r[p->n++] = *r;
	return 0;
}

/* The native ABI as profiles name it in includes/excludes (Go's names). */
static unsigned native_bit(void)
{
	uint32_t a = seccomp_arch_native();
	return a == SCMP_ARCH_X86_64 ? CB_SC_AMD64 : a == SCMP_ARCH_AARCH64 ? CB_SC_ARM64 : a == SCMP_ARCH_ARM ? CB_SC_ARM : 0;
}

static int has_cap(unsigned long long caps, int c)
{
	return c >= 0 && c < 64 && (caps >> c & 1);
}

static int plan_default(struct plan *p, unsigned long long caps)
{
	p->def = SCMP_ACT_ERRNO(CB_SECCOMP_DEFAULT_ERRNO);
	for (size_t i = 0; i < cb_seccomp_ndefault; i++) {
		const struct cb_seccomp_group *g = &cb_seccomp_default[i];
		if ((g->cap > 0 && !has_cap(caps, g->cap - 1)) || (g->cap < 0 && has_cap(caps, -g->cap - 1)) ||
		    (g->arch && !(g->arch & native_bit())))
			continue;
		struct rule r = { .names = g->names, .action = g->err ? SCMP_ACT_ERRNO(g->err) : SCMP_ACT_ALLOW,
				  .narg = g->narg };
		for (unsigned k = 0; k < g->narg; k++)
			r.arg[k] = (struct scmp_arg_cmp){ g->arg[k].index, g->arg[k].op, g->arg[k].value, 0 };
		int rc = plan_add(p, &r);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- OCI/Docker JSON profiles ---- */

static const struct {
	const char *name;
	uint32_t action; /* ERRNO and TRACE take the errno */
} actions[] = {
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW }, { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0) },
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL }, { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS }, { "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0) }, { "SCMP_ACT_LOG", SCMP_ACT_LOG },
	{ "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY }, /* with listenerPath only (plan_profile) */
};
static const struct {
	const char *name;
	unsigned flag;
} filter_flags[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC }, { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};
static const char *const ops[] = { [SCMP_CMP_NE] = "SCMP_CMP_NE", [SCMP_CMP_LT] = "SCMP_CMP_LT",
				   [SCMP_CMP_LE] = "SCMP_CMP_LE", [SCMP_CMP_EQ] = "SCMP_CMP_EQ",
				   [SCMP_CMP_GE] = "SCMP_CMP_GE", [SCMP_CMP_GT] = "SCMP_CMP_GT",
				   [SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ" };
/* Go's architecture names, as includes/excludes use them. */
static const struct {
	const char *name;
	unsigned bit;
} go_arches[] = { { "amd64", CB_SC_AMD64 }, { "x32", CB_SC_X32 }, { "386", CB_SC_X86 }, { "x86", CB_SC_X86 },
		  { "arm", CB_SC_ARM }, { "arm64", CB_SC_ARM64 }, { "ppc64le", CB_SC_PPC64LE },
		  { "s390", CB_SC_S390 }, { "s390x", CB_SC_S390X } };

/* An action by name; errno_ret (a number, or NULL for EPERM) for ERRNO and TRACE. */
static int action_of(const cJSON *name, const cJSON *errno_ret, uint32_t *out, const char *where, cb_err *e)
{
	const char *s = cJSON_GetStringValue(name);
	for (size_t i = 0; s && i < CB_ARRAY_SIZE(actions); i++) {
		if (strcmp(s, actions[i].name))
			continue;
		double n = errno_ret ? cJSON_GetNumberValue(errno_ret) : EPERM;
		if (n != n || n < 0 || n > 4095 || n != (unsigned)n)
			return cb_fail(e, EINVAL, "%s: errnoRet: want a number 0..4095", where);
		*out = actions[i].action == SCMP_ACT_ERRNO(0) || actions[i].action == SCMP_ACT_TRACE(0) ?
			       actions[i].action | (unsigned)n : actions[i].action;
		return 0;
	}
	return cb_fail(e, EINVAL, "%s: action %s: unknown (want SCMP_ACT_ALLOW, _ERRNO, _KILL, _KILL_PROCESS, _TRAP, _TRACE, _LOG or _NOTIFY)",
		       where, s ? s : "(not a string)");
}

/* "SCMP_ARCH_X86_64" to libseccomp's token: 0 when unknown. */
static uint32_t arch_token(const cJSON *j)
{
	const char *s = cJSON_GetStringValue(j);
	char name[32];
	size_t i = 0;
	if (!s || strncmp(s, "SCMP_ARCH_", 10))
		return 0;
	for (s += 10; *s && i < sizeof(name) - 1; s++)
		name[i++] = (char)tolower((unsigned char)*s);
	name[i] = '\0';
	return seccomp_arch_resolve_name(name);
}

static int add_arch(struct plan *p, const cJSON *j, cb_err *e)
{
	uint32_t a = arch_token(j);
	if (!a)
		return cb_fail(e, EINVAL, "architecture %s: unknown", cJSON_GetStringValue(j) ?: "(not a string)");
	if (p->narch >= CB_ARRAY_SIZE(p->arch))
		return cb_fail(e, E2BIG, "too many architectures");
	p->arch[p->narch++] = a;
	return 0;
}

static int plan_arches(struct plan *p, const cJSON *prof, cb_err *e)
{
	const cJSON *list = cJSON_GetObjectItem(prof, "architectures"), *map = cJSON_GetObjectItem(prof, "archMap"), *it;
	if (list && map)
		return cb_fail(e, EINVAL, "'architectures' and 'archMap' both given: use one");
	if ((list && !cJSON_IsArray(list)) || (map && !cJSON_IsArray(map)))
		return cb_fail(e, EINVAL, "%s: want an array", list ? "architectures" : "archMap");
	cJSON_ArrayForEach(it, list) {
		int r = add_arch(p, it, e);
		if (r < 0)
			return r;
	}
	/* archMap: the native architecture's entry brings its sub-architectures. */
	cJSON_ArrayForEach(it, map) {
		const cJSON *subs = cJSON_GetObjectItem(it, "subArchitectures"), *sub;
		if (arch_token(cJSON_GetObjectItem(it, "architecture")) != seccomp_arch_native())
			continue;
		cJSON_ArrayForEach(sub, subs) {
			int r = add_arch(p, sub, e);
			if (r < 0)
				return r;
		}
	}
	/* Only the native one (libseccomp's own) when the profile names none. */
	if (!p->narch)
		p->arch[p->narch++] = seccomp_arch_native();
	return 0;
}

/* includes/excludes: {caps: [...], arches: [...]}: does it match this container? */
static int matches(const cJSON *cond, unsigned long long caps, int all)
{
	const cJSON *it;
	int any = 0, every = 1, arches = 0, hit = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(cond, "caps")) {
		int c = cb_cap_number(cJSON_GetStringValue(it) ?: "");
		any |= has_cap(caps, c);
		every &= has_cap(caps, c);
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(cond, "arches")) {
		arches = 1;
		for (size_t i = 0; i < CB_ARRAY_SIZE(go_arches); i++)
			hit |= !strcmp(cJSON_GetStringValue(it) ?: "", go_arches[i].name) && go_arches[i].bit == native_bit();
	}
	/* includes: every cap held and the native arch listed; excludes: any of either. */
	return all ? every && (!arches || hit) : any || hit;
}

static int plan_syscall(struct plan *p, const cJSON *sc, uint32_t def, unsigned long long caps, const char *where,
			cb_err *e)
{
	const cJSON *names = cJSON_GetObjectItem(sc, "names"), *name = cJSON_GetObjectItem(sc, "name");
	const cJSON *args = cJSON_GetObjectItem(sc, "args"), *it;
	struct rule r = { 0 };
	if (!cJSON_IsObject(sc))
		return cb_fail(e, EINVAL, "%s: want an object", where);
	int rc = action_of(cJSON_GetObjectItem(sc, "action"), cJSON_GetObjectItem(sc, "errnoRet"), &r.action, where, e);
	if (rc < 0)
		return rc;
	p->notify |= r.action == SCMP_ACT_NOTIFY;
	if (names ? !cJSON_IsArray(names) : !cJSON_IsString(name))
		return cb_fail(e, EINVAL, "%s: names: want an array of syscall names", where);
	if (args && !cJSON_IsArray(args) && !cJSON_IsNull(args))
		return cb_fail(e, EINVAL, "%s: args: want an array", where);
	unsigned seen = 0, same_index = 0;
	cJSON_ArrayForEach(it, (cJSON_IsArray(args) ? args : NULL)) {
		const cJSON *idx = cJSON_GetObjectItem(it, "index"), *op = cJSON_GetObjectItem(it, "op");
		double v[2] = { cJSON_GetNumberValue(cJSON_GetObjectItem(it, "value")),
				cJSON_GetNumberValue(cJSON_GetObjectItem(it, "valueTwo")) };
		unsigned k = 0;
		if (r.narg >= 6)
			return cb_fail(e, EINVAL, "%s: args: more than 6", where);
		if (!cJSON_IsNumber(idx) || idx->valuedouble < 0 || idx->valuedouble > 5 || idx->valuedouble != idx->valueint)
			return cb_fail(e, EINVAL, "%s: args[%u].index: want 0..5", where, r.narg);
		while (k < CB_ARRAY_SIZE(ops) && !(ops[k] && !strcmp(ops[k], cJSON_GetStringValue(op) ?: "")))
			k++;
		if (k == CB_ARRAY_SIZE(ops))
			return cb_fail(e, EINVAL, "%s: args[%u].op: want SCMP_CMP_NE, _LT, _LE, _EQ, _GE, _GT or _MASKED_EQ",
				       where, r.narg);
		for (int j = 0; j < 2; j++) {
			if (v[j] != v[j]) /* absent: 0 */
				v[j] = 0;
			/* Exact in a double up to 2^53: the profile's JSON numbers are doubles to cJSON. */
			if (v[j] < 0 || v[j] > 9007199254740992.0 || v[j] != (double)(unsigned long long)v[j])
				return cb_fail(e, EINVAL, "%s: args[%u]: value out of range (0..2^53)", where, r.narg);
		}
		same_index |= seen >> idx->valueint & 1;
		seen |= 1u << idx->valueint;
		r.arg[r.narg++] = (struct scmp_arg_cmp){ (unsigned)idx->valueint, k, (unsigned long long)v[0],
							 (unsigned long long)v[1] };
	}
	const cJSON *inc = cJSON_GetObjectItem(sc, "includes"), *exc = cJSON_GetObjectItem(sc, "excludes");
	/* Not for this container, or what every other call gets anyway: nothing to add. */
	if ((inc && !matches(inc, caps, 1)) || (exc && matches(exc, caps, 0)) || r.action == def)
		return 0;
	cJSON_ArrayForEach(it, names) {
		if (!cJSON_IsString(it) || !it->valuestring[0] || strchr(it->valuestring, ' '))
			return cb_fail(e, EINVAL, "%s: names: want an array of syscall names", where);
		/* The listener goes to the agent by sendmsg once the filter is on (runc's
		 * refusal of write, for the call it uses). */
		if (r.action == SCMP_ACT_NOTIFY && !strcmp(it->valuestring, "sendmsg"))
			return cb_fail(e, EINVAL, "%s: SCMP_ACT_NOTIFY cannot be used for the sendmsg syscall", where);
	}
	/* Two conditions on one argument cannot be joined: each becomes a rule of its own
	 * (either suffices), as runc does. */
	unsigned nsplit = same_index ? r.narg : 1;
	for (unsigned s = 0; s < nsplit; s++) {
		struct rule one = r;
		if (same_index) {
			one.narg = 1;
			one.arg[0] = r.arg[s];
		}
		for (it = names ? names->child : name; it; it = names ? it->next : NULL) {
			one.names = it->valuestring;
			if ((rc = plan_add(p, &one)) < 0)
				return cb_fail(e, -rc, "%s: too many rules", where);
		}
	}
	return 0;
}

static int plan_profile(struct plan *p, const cJSON *prof, unsigned long long caps, cb_err *e)
{
	if (!cJSON_IsObject(prof))
		return cb_fail(e, EINVAL, "not a JSON object");
	const cJSON *def = cJSON_GetObjectItem(prof, "defaultAction"), *calls = cJSON_GetObjectItem(prof, "syscalls");
	if (!def)
		return cb_fail(e, EINVAL, "defaultAction: missing");
	int r = action_of(def, cJSON_GetObjectItem(prof, "defaultErrnoRet"), &p->def, "defaultAction", e);
	if (r == 0 && p->def == SCMP_ACT_NOTIFY)
		r = cb_fail(e, EINVAL, "SCMP_ACT_NOTIFY cannot be used as default action");
	if (r == 0)
		r = plan_arches(p, prof, e);
	if (r == 0 && calls && !cJSON_IsArray(calls) && !cJSON_IsNull(calls))
		r = cb_fail(e, EINVAL, "syscalls: want an array");
	int i = 0;
	const cJSON *it, *lp = cJSON_GetObjectItem(prof, "listenerPath");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(prof, "flags")) {
		size_t k = 0;
		while (k < CB_ARRAY_SIZE(filter_flags) && strcmp(cJSON_GetStringValue(it) ?: "", filter_flags[k].name))
			k++;
		if (r == 0 && k == CB_ARRAY_SIZE(filter_flags))
			r = cb_fail(e, EINVAL, "flags: %s: unknown", cJSON_GetStringValue(it) ?: "(not a string)");
		p->flags |= k < CB_ARRAY_SIZE(filter_flags) ? filter_flags[k].flag : 0;
	}
	cJSON_ArrayForEach(it, (cJSON_IsArray(calls) ? calls : NULL)) {
		char where[32];
		snprintf(where, sizeof(where), "syscalls[%d]", i++);
		if (r == 0)
			r = plan_syscall(p, it, p->def, caps, where, e);
	}
	if (r == 0 && lp && !(cJSON_IsString(lp) && lp->valuestring[0] == '/'))
		r = cb_fail(e, EINVAL, "listenerPath: want an absolute path");
	if (r == 0 && cJSON_GetObjectItem(prof, "listenerMetadata") && !lp)
		r = cb_fail(e, EINVAL, "listenerMetadata: set without listenerPath");
	if (r == 0 && p->notify && !lp)
		r = cb_fail(e, EINVAL, "SCMP_ACT_NOTIFY: no listenerPath to send the listener to");
	return r;
}

/* The runtime-spec features' "seccomp" object: what profiles may name here. */
cJSON *cb_seccomp_features(void)
{
	static const char *const arches[] = { "X86", "X86_64", "X32", "ARM", "AARCH64", "MIPS", "MIPS64", "MIPS64N32",
					      "MIPSEL", "MIPSEL64", "MIPSEL64N32", "PPC", "PPC64", "PPC64LE", "S390",
					      "S390X", "PARISC", "PARISC64", "RISCV64" };
	cJSON *j = cJSON_CreateObject(), *a;
	cJSON_AddBoolToObject(j, "enabled", CFG_SECCOMP);
	if (!CFG_SECCOMP)
		return j;
	a = cJSON_AddArrayToObject(j, "actions");
	for (size_t i = 0; i < CB_ARRAY_SIZE(actions); i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(actions[i].name));
	a = cJSON_AddArrayToObject(j, "operators");
	for (size_t i = 0; i < CB_ARRAY_SIZE(ops); i++)
		if (ops[i])
			cJSON_AddItemToArray(a, cJSON_CreateString(ops[i]));
	a = cJSON_AddArrayToObject(j, "archs");
	for (size_t i = 0; i < CB_ARRAY_SIZE(arches); i++) {
		char name[32];
		snprintf(name, sizeof(name), "SCMP_ARCH_%s", arches[i]);
		cJSON *n = cJSON_CreateString(name);
		if (arch_token(n))
			cJSON_AddItemToArray(a, n);
		else
			cJSON_Delete(n);
	}
	cJSON *known = cJSON_AddArrayToObject(j, "knownFlags"), *sup = cJSON_AddArrayToObject(j, "supportedFlags");
	for (size_t i = 0; i < CB_ARRAY_SIZE(filter_flags); i++) {
		cJSON_AddItemToArray(known, cJSON_CreateString(filter_flags[i].name));
		/* The kernel knows a flag when only the missing program is wrong (EFAULT);
		 * WAIT_KILLABLE_RECV goes with a listener only. */
		unsigned f = filter_flags[i].flag;
		if (f == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
			f |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f, NULL) < 0 && errno == EFAULT)
			cJSON_AddItemToArray(sup, cJSON_CreateString(filter_flags[i].name));
	}
	return j;
}

/* ---- building, keeping, loading ---- */

static int compile(const struct plan *p, void *buf, size_t *len, cb_err *e)
{
	scmp_filter_ctx ctx = seccomp_init(p->def);
	if (!ctx)
		return cb_fail(e, EINVAL, "seccomp: libseccomp refused the default action");
	/* A binary tree of syscall numbers, not libseccomp's default linear chain: with
	 * podman's ~400 names that chain cost each call of the container ~0.5 us. */
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (!p->narch)
		cb_seccomp_add_arches(ctx);
	for (unsigned i = 0; r == 0 && i < p->narch; i++) {
		r = seccomp_arch_add(ctx, p->arch[i]);
		if (r == -EEXIST) /* the native one */
			r = 0;
	}
	for (unsigned i = 0; r == 0 && i < p->n; i++) {
		const struct rule *rl = &p->r[i];
		for (const char *s = rl->names; r == 0 && *s;) {
			size_t n = strcspn(s, " ");
			char name[64];
			snprintf(name, sizeof(name), "%.*s", (int)n, s);
			s += n + (s[n] == ' ');
			/* A name libseccomp does not know is no call here: left out, as runc does. */
			int nr = seccomp_syscall_resolve_name(name);
			if (nr == __NR_SCMP_ERROR)
				continue;
			r = seccomp_rule_add_array(ctx, rl->action, nr, rl->narg, rl->arg);
			if (r < 0)
				cb_fail_errno(e, -r, "seccomp: rule for %s", name);
		}
	}
	if (r == 0 && (r = cb_seccomp_export(ctx, buf, len)) < 0)
		cb_fail(e, -r, "seccomp: exporting the filter: %s", r == -E2BIG ? "more than 4096 instructions" : strerror(-r));
	seccomp_release(ctx);
	return r;
}

static void plan_hash(const struct plan *p, const char *kind, char digest[CB_DIGEST_LEN + 1])
{
	/* How compile() shapes the program: changed with it, so no older program is read. */
	static const char shape[] = "binary tree 1";
	struct cb_sha256 h;
	cb_sha256_init(&h);
	cb_sha256_update(&h, shape, sizeof(shape));
	cb_sha256_update(&h, kind, strlen(kind) + 1);
	cb_sha256_update(&h, &p->def, sizeof(p->def));
	cb_sha256_update(&h, &p->narch, sizeof(p->narch));
	cb_sha256_update(&h, p->arch, p->narch * sizeof(p->arch[0]));
	for (unsigned i = 0; i < p->n; i++) {
		cb_sha256_update(&h, p->r[i].names, strlen(p->r[i].names) + 1);
		cb_sha256_update(&h, &p->r[i].action, sizeof(p->r[i].action));
		cb_sha256_update(&h, &p->r[i].narg, sizeof(p->r[i].narg));
		for (unsigned k = 0; k < p->r[i].narg; k++) {
			const struct scmp_arg_cmp *a = &p->r[i].arg[k];
			unsigned long long v[4] = { a->arg, a->op, a->datum_a, a->datum_b };
			cb_sha256_update(&h, v, sizeof(v));
		}
	}
	cb_seccomp_facts(&h);
	cb_sha256_final(&h, digest);
}

/* Can this process load a filter at all? Not when the kernel lacks seccomp filters, nor
 * under qemu-user (an aarch64 cbox on an x86_64 host), which has no seccomp call. */
static int have_seccomp(void)
{
	uint32_t act = SECCOMP_RET_ERRNO;
	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) == 0;
}

int cb_seccomp_build(struct cb_seccomp *s, int dirfd, unsigned long long caps, cb_err *e)
{
	if (s->kind == CB_SECCOMP_UNCONFINED || s->prog)
		return 0;
	/* As podman: the default filter only where seccomp exists, a profile asked for
	 * always. */
	int here = CFG_SECCOMP && have_seccomp();
	if (!here && s->kind == CB_SECCOMP_DEFAULT) {
		cb_debug("seccomp: %s: no default filter", CFG_SECCOMP ? "not available here" : "built without CONFIG_SECCOMP");
		return 0;
	}
	if (!here)
		return cb_fail(e, ENOSYS, "seccomp profile: %s", CFG_SECCOMP ? "this kernel (or emulator) has no seccomp filters" :
									  "this cbox is built without CONFIG_SECCOMP");
	struct plan p = { 0 };
	cJSON *prof = NULL;
	int r;
	if (s->kind == CB_SECCOMP_DEFAULT) {
		r = plan_default(&p, caps);
		if (r < 0)
			cb_fail(e, -r, "seccomp: out of memory");
	} else {
		prof = cJSON_Parse(s->profile ?: "");
		r = plan_profile(&p, prof, caps, e);
		if (r < 0)
			cb_err_prefix(e, "seccomp profile");
	}
	char digest[CB_DIGEST_LEN + 1], name[64];
	size_t len = PROG_MAX + 1;
	if (r == 0 && !(s->prog = malloc(len)))
		r = cb_fail(e, ENOMEM, "out of memory");
	if (r == 0) {
		plan_hash(&p, s->kind == CB_SECCOMP_DEFAULT ? "default" : "profile", digest);
		snprintf(name, sizeof(name), "seccomp-%.16s.bpf", cb_digest_hex(digest));
		if (cb_seccomp_cache_get(dirfd, name, s->prog, &len) < 0 && (r = compile(&p, s->prog, &len, e)) == 0)
			cb_seccomp_cache_put(dirfd, name, s->prog, len);
	}
	if (r == 0) {
		s->len = len;
		s->flags = p.flags;
		s->notify = p.notify;
	} else {
		free(s->prog);
		s->prog = NULL;
	}
	free(p.r);
	cJSON_Delete(prof);
	return r;
}

/* The listener to the agent, with the state (from the runtime, through state_fd). */
static int to_agent(const struct cb_seccomp *s, cb_err *e)
{
	static char state[64 << 10];
	size_t n = 0;
	while (n < sizeof(state)) {
		ssize_t k = read(s->state_fd, state + n, sizeof(state) - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
		if (!state[n - 1])
			break;
	}
	if (!n || state[n - 1])
		return cb_fail(e, EPROTO, "seccomp agent: no container process state from the runtime");
	/* TSYNC with a listener only where a thread that cannot sync fails instead (ours has none). */
	unsigned flags = s->flags | SECCOMP_FILTER_FLAG_NEW_LISTENER;
	if (flags & SECCOMP_FILTER_FLAG_TSYNC)
		flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	long fd = cb_seccomp_load(s->prog, s->len, flags);
	if (fd < 0)
		return cb_fail_errno(e, (int)-fd, "seccomp filter");
	int r = cb_send_fd_with(s->agent, (int)fd, state, n - 1);
	close((int)fd);
	close(s->agent);
	close(s->state_fd);
	return r < 0 ? cb_fail_errno(e, -r, "seccomp agent: sending the listener") : 0;
}

int cb_seccomp_install(const struct cb_seccomp *s, cb_err *e)
{
	if (s->prog && s->agent_on && s->notify)
		return to_agent(s, e);
	/* WAIT_KILLABLE_RECV is a listener's: without one, left out (as libseccomp does). */
	long r = s->prog ? cb_seccomp_load(s->prog, s->len, s->flags & ~(unsigned)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) : 0;
	return r < 0 ? cb_fail_errno(e, (int)-r, "seccomp filter") : 0;
}

/* ---- options and config.json ---- */

int cb_seccomp_opt(struct cb_seccomp *s, const char *value, cb_err *e)
{
	cb_seccomp_free(s);
	if (!strcmp(value, "unconfined")) {
		s->kind = CB_SECCOMP_UNCONFINED;
		return 0;
	}
	if (!CFG_SECCOMP)
		return cb_fail(e, ENOSYS, "seccomp profile %s: this cbox is built without CONFIG_SECCOMP", value);
	/* Followed if a symlink, as podman does. */
	char *text = NULL, *path = realpath(value, NULL);
	if (!path)
		return cb_fail_errno(e, errno, "seccomp profile %s", value);
	/* Small enough that config.json, which keeps it, stays readable (1 MiB). */
	int r = cb_read_file_at(AT_FDCWD, path, 256 << 10, &text, NULL, e);
	free(path);
	if (r < 0)
		return r == -EFBIG ? cb_fail(e, EFBIG, "seccomp profile %s: not a file of at most 256 KiB", value) :
				     cb_err_prefix(e, "seccomp profile");
	cJSON *j = cJSON_Parse(text);
	free(text);
	struct plan p = { 0 };
	/* Checked whole now (for no capabilities: the conditions need not hold to be read). */
	r = j ? plan_profile(&p, j, 0, e) : cb_fail(e, EINVAL, "not JSON");
	if (r == 0 && cJSON_GetObjectItem(j, "listenerPath"))
		r = cb_fail(e, ENOTSUP, "listenerPath: not supported (cbox's run serves no seccomp agent)");
	free(p.r);
	if (r == 0 && !(s->profile = cJSON_PrintUnformatted(j)))
		r = cb_fail(e, ENOMEM, "out of memory");
	cJSON_Delete(j);
	if (r < 0)
		return cb_err_prefix(e, "seccomp profile %s", value);
	s->kind = CB_SECCOMP_PROFILE;
	return 0;
}

int cb_seccomp_copy(struct cb_seccomp *dst, const struct cb_seccomp *src)
{
	*dst = (struct cb_seccomp){ .kind = src->kind };
	if (src->profile && !(dst->profile = strdup(src->profile)))
		return -ENOMEM;
	return 0;
}

cJSON *cb_seccomp_to_json(const struct cb_seccomp *s)
{
	if (s->kind == CB_SECCOMP_PROFILE)
		return cJSON_Parse(s->profile);
	return cJSON_CreateString(s->kind == CB_SECCOMP_DEFAULT ? "default" : "unconfined");
}

int cb_seccomp_from_json(struct cb_seccomp *s, const cJSON *j, cb_err *e)
{
	cb_seccomp_free(s);
	s->kind = !strcmp(cJSON_GetStringValue(j) ?: "", "default") ? CB_SECCOMP_DEFAULT : CB_SECCOMP_UNCONFINED;
	if (cJSON_IsObject(j)) {
		s->kind = CB_SECCOMP_PROFILE;
		if (!(s->profile = cJSON_PrintUnformatted(j)))
			return cb_fail(e, ENOMEM, "out of memory");
	}
	return 0;
}

void cb_seccomp_free(struct cb_seccomp *s)
{
	free(s->profile);
	free(s->prog);
	*s = (struct cb_seccomp){ .kind = s->kind };
}
