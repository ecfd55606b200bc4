/* oci.c - config.json (runtime-spec 1.0/1.1) into the container core's description. */
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <seccomp.h>

#include "hooks.h"
#include "cgroup.h"
#include "idmap.h"
#include "oci.h"
#include "store.h"

static const char *str(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(o, key));
}

/* The runtime-spec's own fields cbox does not honour: refused by name. Other keys the
 * spec does not define are ignored with a note, as its extensibility rule says. */
static const char unhonoured[] = " solaris windows vm zos ioPriority scheduler execCPUAffinity intelRdt "
				 "memoryPolicy netDevices uidMappings gidMappings clos ";

/* Every key of object o must be in known (space-separated) or in noted (ignored with a
 * note): a field of the spec's cbox does not honour: "config.json: WHERE.KEY: not
 * supported". */
static int only_known(const cJSON *o, const char *where, const char *known, const char *noted, cb_err *e)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, o) {
		char word[80];
		snprintf(word, sizeof(word), " %s ", it->string);
		char k[512], n[512];
		snprintf(k, sizeof(k), " %s ", known);
		snprintf(n, sizeof(n), " %s ", noted ? noted : "");
		if (strstr(k, word))
			continue;
		if (strstr(n, word) || !strstr(unhonoured, word)) {
			cb_debug("config.json: %s%s%s: ignored", where, *where ? "." : "", it->string);
			continue;
		}
		return cb_fail(e, ENOTSUP, "config.json: %s%s%s: not supported", where, *where ? "." : "", it->string);
	}
	return 0;
}

/* A JSON array of strings into a NULL-terminated malloc'd vector. */
static int strv(const cJSON *a, char ***out, const char *what, cb_err *e)
{
	const cJSON *it;
	size_t n = 0;
	if (a && !cJSON_IsArray(a))
		return cb_fail(e, EINVAL, "config.json: %s: want an array of strings", what);
	char **v = calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(*v));
	if (!v)
		return cb_fail(e, ENOMEM, "out of memory");
	*out = v;
	cJSON_ArrayForEach(it, a) {
		if (!cJSON_IsString(it))
			return cb_fail(e, EINVAL, "config.json: %s: want an array of strings", what);
		if (!(v[n++] = strdup(it->valuestring)))
			return cb_fail(e, ENOMEM, "out of memory");
	}
	return 0;
}

static int cap_set(const cJSON *caps, const char *key, unsigned long long *out, cb_err *e)
{
	const cJSON *it;
	*out = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(caps, key)) {
		int c = cJSON_IsString(it) ? cb_cap_number(it->valuestring) : -1;
		if (c < 0 || c == CB_CAP_ALL || strncmp(it->valuestring, "CAP_", 4))
			return cb_fail(e, EINVAL, "config.json: process.capabilities.%s: unknown capability %s", key,
				       cJSON_IsString(it) ? it->valuestring : "(not a string)");
		*out |= 1ULL << c;
	}
	return 0;
}

static const struct {
	const char *name;
	int res;
} rlimits[] = {
	{ "RLIMIT_CPU", RLIMIT_CPU },	    { "RLIMIT_FSIZE", RLIMIT_FSIZE },	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_STACK", RLIMIT_STACK },   { "RLIMIT_CORE", RLIMIT_CORE },	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },   { "RLIMIT_NOFILE", RLIMIT_NOFILE }, { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_AS", RLIMIT_AS },	    { "RLIMIT_LOCKS", RLIMIT_LOCKS },	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE }, { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
};

static int process_user(const cJSON *u, struct cb_proc_oci *po, cb_err *e)
{
	const cJSON *it;
	int r = only_known(u, "process.user", "uid gid umask additionalGids", "username", e);
	if (r < 0)
		return r;
	po->uid = (unsigned)cJSON_GetNumberValue(cJSON_GetObjectItem(u, "uid"));
	po->gid = (unsigned)cJSON_GetNumberValue(cJSON_GetObjectItem(u, "gid"));
	po->umask = cJSON_IsNumber(cJSON_GetObjectItem(u, "umask")) ? (int)cJSON_GetObjectItem(u, "umask")->valuedouble : -1;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(u, "additionalGids")) {
		if (po->ngroups == (int)CB_ARRAY_SIZE(po->groups))
			return cb_fail(e, E2BIG, "config.json: process.user.additionalGids: more than %d",
				       (int)CB_ARRAY_SIZE(po->groups));
		po->groups[po->ngroups++] = (unsigned)cJSON_GetNumberValue(it);
	}
	return 0;
}

int cb_oci_process(const cJSON *pj, struct cb_proc *p, struct cb_proc_oci *po, int *terminal, struct winsize *ws,
		   cb_err *e)
{
	const cJSON *it, *caps = cJSON_GetObjectItem(pj, "capabilities");
	int r;
	memset(po, 0, sizeof(*po));
	po->umask = -1;
	p->oci = po;
	p->seccomp.kind = CB_SECCOMP_UNCONFINED;
	if (!cJSON_IsObject(pj))
		return cb_fail(e, EINVAL, "config.json: process: missing");
	r = only_known(pj, "process",
		       "terminal consoleSize user args env cwd capabilities rlimits noNewPrivileges oomScoreAdj",
		       "apparmorProfile selinuxLabel commandLine", e);
	if (r < 0 || (r = strv(cJSON_GetObjectItem(pj, "args"), &p->argv, "process.args", e)) < 0 ||
	    (r = strv(cJSON_GetObjectItem(pj, "env"), &p->env, "process.env", e)) < 0)
		return r;
	if (!p->argv[0])
		return cb_fail(e, EINVAL, "config.json: process.args: empty");
	const char *cwd = str(pj, "cwd");
	if (!cwd || cwd[0] != '/')
		return cb_fail(e, EINVAL, "config.json: process.cwd: want an absolute path");
	if (!(p->cwd = strdup(cwd)) || !(p->user = strdup("")))
		return cb_fail(e, ENOMEM, "out of memory");
	p->cwd_given = 1;
	if ((r = process_user(cJSON_GetObjectItem(pj, "user"), po, e)) < 0)
		return r;
	if ((r = only_known(caps, "process.capabilities", "bounding effective permitted inheritable ambient", NULL, e)) < 0 ||
	    (r = cap_set(caps, "bounding", &p->caps, e)) < 0 || (r = cap_set(caps, "effective", &po->eff, e)) < 0 ||
	    (r = cap_set(caps, "permitted", &po->perm, e)) < 0 || (r = cap_set(caps, "inheritable", &po->inh, e)) < 0 ||
	    (r = cap_set(caps, "ambient", &po->amb, e)) < 0)
		return r;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(pj, "rlimits")) {
		const char *type = str(it, "type");
		size_t i;
		for (i = 0; i < CB_ARRAY_SIZE(rlimits) && strcmp(type ? type : "", rlimits[i].name); i++)
			;
		if (i == CB_ARRAY_SIZE(rlimits) || po->nrlim == CB_PROC_RLIMITS)
			return cb_fail(e, EINVAL, "config.json: process.rlimits: unknown type %s", type ? type : "(none)");
		po->rlim[po->nrlim].res = rlimits[i].res;
		po->rlim[po->nrlim].soft = (unsigned long long)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "soft"));
		po->rlim[po->nrlim++].hard = (unsigned long long)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "hard"));
	}
	po->nnp = cJSON_IsTrue(cJSON_GetObjectItem(pj, "noNewPrivileges"));
	*terminal = cJSON_IsTrue(cJSON_GetObjectItem(pj, "terminal"));
	const cJSON *cs = cJSON_GetObjectItem(pj, "consoleSize");
	if (ws && cs) {
		ws->ws_row = (unsigned short)cJSON_GetNumberValue(cJSON_GetObjectItem(cs, "height"));
		ws->ws_col = (unsigned short)cJSON_GetNumberValue(cJSON_GetObjectItem(cs, "width"));
	}
	return 0;
}

static const struct {
	const char *name;
	int flag;
} ns_types[] = {
	{ "pid", CLONE_NEWPID }, { "network", CLONE_NEWNET }, { "mount", CLONE_NEWNS }, { "ipc", CLONE_NEWIPC },
	{ "uts", CLONE_NEWUTS }, { "user", CLONE_NEWUSER }, { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

/* Is this namespace type new or joined (runc's Contains)? */
int cb_oci_has_ns(const struct cb_oci *o, int flag)
{
	if (o->new_ns & flag)
		return 1;
	for (int i = 0; i < o->njoin; i++)
		if (o->join[i].type == flag)
			return 1;
	return 0;
}

static int namespaces(struct cb_oci *o, const cJSON *list, cb_err *e)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, list) {
		const char *type = str(it, "type"), *path = str(it, "path");
		size_t i;
		for (i = 0; i < CB_ARRAY_SIZE(ns_types) && strcmp(type ? type : "", ns_types[i].name); i++)
			;
		if (i == CB_ARRAY_SIZE(ns_types))
			return cb_fail(e, ENOTSUP, "config.json: linux.namespaces: type %s: not supported", type ? type : "(none)");
		if (cb_oci_has_ns(o, ns_types[i].flag))
			return cb_fail(e, EINVAL, "config.json: linux.namespaces: malformed spec file: duplicated ns \"%s\"", type);
		if (path && path[0]) {
			if (o->njoin == (int)CB_ARRAY_SIZE(o->join))
				return cb_fail(e, E2BIG, "config.json: linux.namespaces: too many");
			o->join[o->njoin].type = ns_types[i].flag;
			o->join[o->njoin++].path = path;
		} else {
			o->new_ns |= ns_types[i].flag;
		}
	}
	return 0;
}

static int idmap_text(const cJSON *list, char *buf, size_t n, const char *what, cb_err *e)
{
	const cJSON *it;
	size_t k = 0;
	buf[0] = '\0';
	cJSON_ArrayForEach(it, list) {
		k += (size_t)snprintf(buf + k, n - k, "%.0f %.0f %.0f\n", cJSON_GetNumberValue(cJSON_GetObjectItem(it, "containerID")),
				      cJSON_GetNumberValue(cJSON_GetObjectItem(it, "hostID")),
				      cJSON_GetNumberValue(cJSON_GetObjectItem(it, "size")));
		if (k >= n)
			return cb_fail(e, E2BIG, "config.json: linux.%s: too long", what);
	}
	return 0;
}

static int mounts(struct cb_oci *o, const cJSON *list, cb_err *e)
{
	const cJSON *it;
	int n = 0, r;
	if (!(o->mounts = calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(*o->mounts))))
		return cb_fail(e, ENOMEM, "out of memory");
	cJSON_ArrayForEach(it, list) {
		struct cb_mount_entry *m = &o->mounts[n++];
		m->dst = str(it, "destination");
		m->src = str(it, "source");
		m->type = str(it, "type");
		if (!m->dst || m->dst[0] != '/')
			return cb_fail(e, EINVAL, "config.json: mounts: destination %s: want an absolute path",
				       m->dst ? m->dst : "(none)");
		if ((r = only_known(it, "mounts", "destination source type options uidMappings gidMappings", NULL, e)) < 0 ||
		    (r = cb_mount_options(cJSON_GetObjectItem(it, "options"), m, e)) < 0)
			return r;
		if (m->type && !strcmp(m->type, "bind"))
			m->flags |= MS_BIND;
		if (!m->idmap && (cJSON_GetObjectItem(it, "uidMappings") || cJSON_GetObjectItem(it, "gidMappings")))
			m->idmap = m->flags & MS_REC ? 2 : 1;
		if ((m->flags & MS_BIND) && !m->src)
			return cb_fail(e, EINVAL, "config.json: mounts: %s: a bind without a source", m->dst);
	}
	o->m.mounts = o->mounts;
	o->m.nmounts = n;
	return 0;
}

static int paths(const cJSON *list, const char ***out, int *n, const char *what, cb_err *e)
{
	const cJSON *it;
	if (!(*out = calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(**out))))
		return cb_fail(e, ENOMEM, "out of memory");
	cJSON_ArrayForEach(it, list) {
		if (!cJSON_IsString(it) || it->valuestring[0] != '/')
			return cb_fail(e, EINVAL, "config.json: linux.%s: want absolute paths", what);
		(*out)[(*n)++] = it->valuestring;
	}
	return 0;
}

static int devices(struct cb_oci *o, const cJSON *list, cb_err *e)
{
	const cJSON *it;
	if (!(o->devices = calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(*o->devices))))
		return cb_fail(e, ENOMEM, "out of memory");
	cJSON_ArrayForEach(it, list) {
		struct cb_device *d = &o->devices[o->m.ndevices++];
		const char *type = str(it, "type") ?: "";
		const cJSON *mode = cJSON_GetObjectItem(it, "fileMode");
		d->path = str(it, "path");
		d->mode = !strcmp(type, "c") || !strcmp(type, "u") ? S_IFCHR : !strcmp(type, "b") ? S_IFBLK :
			  !strcmp(type, "p") ? S_IFIFO : 0;
		if (!d->path || d->path[0] != '/' || !d->mode)
			return cb_fail(e, EINVAL, "config.json: linux.devices: %s: want an absolute path and type c, b, u or p",
				       d->path ? d->path : "(no path)");
		d->mode |= mode ? (unsigned)cJSON_GetNumberValue(mode) & 07777 : 0666;
		d->major = (unsigned)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "major"));
		d->minor = (unsigned)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "minor"));
		d->uid = (unsigned)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "uid"));
		d->gid = (unsigned)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "gid"));
	}
	o->m.devices = o->devices;
	return 0;
}

/* Combinations no runtime can honour, refused before anything is made (runc's words). */
static int ns_combinations(struct cb_oci *o, const cJSON *lj, cb_err *e)
{
	const char *mnt = NULL, *user = NULL;
	for (int i = 0; i < o->njoin; i++) {
		if (o->join[i].type == CLONE_NEWNS)
			mnt = o->join[i].path;
		if (o->join[i].type == CLONE_NEWUSER)
			user = o->join[i].path;
	}
	if ((o->uidmap[0] || o->gidmap[0]) && !cb_oci_has_ns(o, CLONE_NEWUSER))
		return cb_fail(e, EINVAL, "config.json: linux.uidMappings: User namespace mappings specified, but USER "
				       "namespace isn't enabled in the config");
	if ((o->uidmap[0] || o->gidmap[0]) && user)
		return cb_fail(e, EINVAL, "config.json: linux.uidMappings: the user namespace is joined by path (%s): it has "
				       "its own mappings", user);
	if (mnt && (o->new_ns & CLONE_NEWUSER))
		return cb_fail(e, EINVAL, "config.json: linux.namespaces: a new user namespace cannot join the mount "
				       "namespace %s (it holds no capability over it): join a user namespace by path too", mnt);
	if ((o->m.nmasked || o->m.nreadonly) && !cb_oci_has_ns(o, CLONE_NEWNS))
		return cb_fail(e, EINVAL, "config.json: linux.maskedPaths: unable to restrict sys entries without a private "
				       "MNT namespace");
	if (cJSON_GetObjectItem(lj, "rootfsPropagation") && !cb_oci_has_ns(o, CLONE_NEWNS))
		return cb_fail(e, EINVAL, "config.json: linux.rootfsPropagation: unable to set it without a private MNT namespace");
	o->mnt_join = mnt;
	return 0;
}

/* Idmapped mounts (runc's rules and words): binds, made by real root, to the container's
 * own new user namespace (a mount's own mappings must be the same). */
static int idmap_check(const struct cb_oci *o, cb_err *e)
{
	const cJSON *it;
	int i = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(o->doc, "mounts")) {
		const struct cb_mount_entry *m = &o->mounts[i++];
		char u[CB_IDMAP_TEXT], g[CB_IDMAP_TEXT];
		int r;
		if (!m->idmap)
			continue;
		if (!(m->flags & MS_BIND))
			return cb_fail(e, EINVAL, "config.json: mounts: %s: gidMappings/uidMappings is supported only for mounts "
					       "with the option 'bind'", m->dst);
		if (!(o->new_ns & CLONE_NEWUSER) || !o->uidmap[0])
			return cb_fail(e, EINVAL, "config.json: mounts: %s: not yet supported to use gidMappings/uidMappings in "
					       "a mount without also using a user namespace", m->dst);
		if (geteuid() != 0 || cb_in_userns())
			return cb_fail(e, EPERM, "config.json: mounts: %s: an idmapped mount needs the runtime to be real root "
					       "(CAP_SYS_ADMIN over the source's filesystem)", m->dst);
		if ((r = idmap_text(cJSON_GetObjectItem(it, "uidMappings"), u, sizeof(u), "mounts.uidMappings", e)) < 0 ||
		    (r = idmap_text(cJSON_GetObjectItem(it, "gidMappings"), g, sizeof(g), "mounts.gidMappings", e)) < 0)
			return r;
		if ((u[0] && strcmp(u, o->uidmap)) || (g[0] && strcmp(g, o->gidmap)))
			return cb_fail(e, ENOTSUP, "config.json: mounts: %s: not yet supported for the mount uidMappings to be "
					       "different than user namespace uidMapping", m->dst);
	}
	return 0;
}

static int personality_part(struct cb_oci *o, const cJSON *pj, cb_err *e)
{
	const char *d = str(pj, "domain");
	int r;
	if (!pj)
		return 0;
	if ((r = only_known(pj, "linux.personality", "domain", NULL, e)) < 0)
		return r;
	if (cJSON_GetArraySize(cJSON_GetObjectItem(pj, "flags")))
		return cb_fail(e, ENOTSUP, "config.json: linux.personality.flags: not supported");
	if (!d || (strcmp(d, "LINUX") && strcmp(d, "LINUX32")))
		return cb_fail(e, EINVAL, "config.json: linux.personality.domain %s: want LINUX or LINUX32", d ? d : "(none)");
	o->personality = !strcmp(d, "LINUX") ? 0 /* PER_LINUX */ : 8 /* PER_LINUX32 */;
	o->has_personality = 1;
	return 0;
}

/* timeOffsets into timens_offsets' lines (a new time namespace, where the kernel has them). */
static int time_offsets(struct cb_oci *o, const cJSON *tj, cb_err *e)
{
	const cJSON *it;
	size_t k = 0;
	if ((o->new_ns & CLONE_NEWTIME) && access("/proc/self/timens_offsets", F_OK) < 0)
		return cb_fail(e, ENOTSUP, "config.json: linux.namespaces: time namespaces aren't enabled in the kernel");
	if (!tj)
		return 0;
	if (!(o->new_ns & CLONE_NEWTIME))
		return cb_fail(e, EINVAL, "config.json: linux.timeOffsets: time namespace offsets specified, but time namespace "
				       "isn't enabled in the config");
	cJSON_ArrayForEach(it, tj) {
		if (strcmp(it->string, "monotonic") && strcmp(it->string, "boottime"))
			return cb_fail(e, EINVAL, "config.json: linux.timeOffsets.%s: want monotonic or boottime", it->string);
		k += (size_t)snprintf(o->timens + k, sizeof(o->timens) - k, "%s %.0f %.0f\n", it->string,
				      cJSON_GetNumberValue(cJSON_GetObjectItem(it, "secs")),
				      cJSON_GetNumberValue(cJSON_GetObjectItem(it, "nanosecs")));
		if (k >= sizeof(o->timens))
			return cb_fail(e, E2BIG, "config.json: linux.timeOffsets: too long");
	}
	return 0;
}

/* runc's rule: only sysctls the container's own namespaces hold. */
static int sysctl_check(const struct cb_oci *o, cb_err *e)
{
	static const char ipc[] = " kernel.msgmax kernel.msgmnb kernel.msgmni kernel.sem kernel.shmall kernel.shmmax "
				  "kernel.shmmni kernel.shm_rmid_forced ";
	const cJSON *it;
	cJSON_ArrayForEach(it, o->sysctl) {
		char k[256], word[260];
		snprintf(k, sizeof(k), "%s", it->string);
		if (k[strcspn(k, "./")] == '/') /* net/ipv4/conf/eno2.100/rp_filter: the '/' form */
			for (char *c = k; *c; c++)
				*c = *c == '/' ? '.' : *c == '.' ? '/' : *c;
		snprintf(word, sizeof(word), " %s ", k);
		if (strstr(ipc, word) || !strncmp(k, "fs.mqueue.", 10)) {
			if (!cb_oci_has_ns(o, CLONE_NEWIPC))
				return cb_fail(e, EINVAL, "config.json: linux.sysctl: sysctl \"%s\" is not allowed in the hosts ipc namespace", k);
		} else if (!strncmp(k, "net.", 4)) {
			if (!(o->new_ns & CLONE_NEWNET) && !cb_oci_has_ns(o, CLONE_NEWNET))
				return cb_fail(e, EINVAL, "config.json: linux.sysctl: sysctl \"%s\" not allowed in host network namespace", k);
		} else if (cb_oci_has_ns(o, CLONE_NEWUTS) && !strcmp(k, "kernel.hostname")) {
			return cb_fail(e, EINVAL, "config.json: linux.sysctl: sysctl \"%s\" is not allowed as it conflicts with the OCI \"hostname\" field", k);
		} else if (!cb_oci_has_ns(o, CLONE_NEWUTS) || strcmp(k, "kernel.domainname")) {
			return cb_fail(e, EINVAL, "config.json: linux.sysctl: sysctl \"%s\" is not in a separate kernel namespace", k);
		}
	}
	return 0;
}

static int linux_part(struct cb_oci *o, const cJSON *lj, cb_err *e)
{
	int r = only_known(lj, "linux",
			   "namespaces uidMappings gidMappings devices sysctl seccomp maskedPaths readonlyPaths "
			   "rootfsPropagation resources cgroupsPath personality timeOffsets",
			   "mountLabel", e);
	if (r < 0 || (r = namespaces(o, cJSON_GetObjectItem(lj, "namespaces"), e)) < 0 ||
	    (r = idmap_text(cJSON_GetObjectItem(lj, "uidMappings"), o->uidmap, sizeof(o->uidmap), "uidMappings", e)) < 0 ||
	    (r = idmap_text(cJSON_GetObjectItem(lj, "gidMappings"), o->gidmap, sizeof(o->gidmap), "gidMappings", e)) < 0 ||
	    (r = paths(cJSON_GetObjectItem(lj, "maskedPaths"), &o->masked, &o->m.nmasked, "maskedPaths", e)) < 0 ||
	    (r = paths(cJSON_GetObjectItem(lj, "readonlyPaths"), &o->readonly, &o->m.nreadonly, "readonlyPaths", e)) < 0 ||
	    (r = devices(o, cJSON_GetObjectItem(lj, "devices"), e)) < 0)
		return r;
	o->m.masked = o->masked;
	o->m.readonly = o->readonly;
	if ((r = ns_combinations(o, lj, e)) < 0 || (r = personality_part(o, cJSON_GetObjectItem(lj, "personality"), e)) < 0 ||
	    (r = time_offsets(o, cJSON_GetObjectItem(lj, "timeOffsets"), e)) < 0)
		return r;
	o->sysctl = cJSON_GetObjectItem(lj, "sysctl");
	if ((r = sysctl_check(o, e)) < 0)
		return r;
	/* resources and cgroupsPath: the container's cgroup v2 (bundle.c, cgroup.c) */
	if (!(o->limits = cJSON_CreateObject()))
		return cb_fail(e, ENOMEM, "out of memory");
	if ((r = cb_cgroup_oci(cJSON_GetObjectItem(lj, "resources"), o->limits, e)) < 0)
		return cb_err_prefix(e, "config.json"), r;
	o->cgroups_path = str(lj, "cgroupsPath");
	o->dev_rules = cJSON_GetObjectItem(cJSON_GetObjectItem(lj, "resources"), "devices");
	o->dev_nodes = cJSON_GetObjectItem(lj, "devices");
	const char *prop = str(lj, "rootfsPropagation");
	if (prop && prop[0]) {
		struct cb_mount_entry tmp = { .dst = "rootfsPropagation" };
		cJSON *one = cJSON_CreateStringArray(&prop, 1);
		r = cb_mount_options(one, &tmp, e);
		cJSON_Delete(one);
		if (r < 0 || !tmp.prop)
			return r < 0 ? r : cb_fail(e, EINVAL, "config.json: linux.rootfsPropagation: %s: unknown", prop);
		o->m.propagation = tmp.prop;
	}
	const cJSON *sc = cJSON_GetObjectItem(lj, "seccomp");
	if (sc) {
		o->p.seccomp.kind = CB_SECCOMP_PROFILE;
		if (!(o->p.seccomp.profile = cJSON_PrintUnformatted(sc)))
			return cb_fail(e, ENOMEM, "out of memory");
	}
	return 0;
}

/* No "process": required only at start (the spec), so a container is made that waits
 * and never runs (start refuses, as runc's create does). */
static int no_process(struct cb_oci *o)
{
	if (cJSON_GetObjectItem(o->doc, "process"))
		return 0;
	o->no_process = 1;
	o->po.umask = -1;
	o->p.oci = &o->po;
	o->p.seccomp.kind = CB_SECCOMP_UNCONFINED;
	return 1;
}

int cb_oci_load(struct cb_oci *o, const char *bundle, cb_err *e)
{
	char path[4096], *text = NULL;
	int r;
	memset(o, 0, sizeof(*o));
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	if ((r = cb_read_file_at(AT_FDCWD, path, 4 << 20, &text, NULL, e)) < 0)
		return r;
	o->doc = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(o->doc))
		return cb_fail(e, EINVAL, "%s: not a JSON object", path);
	const cJSON *root = cJSON_GetObjectItem(o->doc, "root"), *lj = cJSON_GetObjectItem(o->doc, "linux");
	if ((r = only_known(o->doc, "", "ociVersion process root hostname domainname mounts hooks annotations linux", NULL,
			    e)) < 0 ||
	    (r = cb_hooks_check(o->hooks = cJSON_GetObjectItem(o->doc, "hooks"), e)) < 0 ||
	    (r = no_process(o) ? 0 : cb_oci_process(cJSON_GetObjectItem(o->doc, "process"), &o->p, &o->po, &o->terminal, &o->ws, e)) < 0 ||
	    (r = mounts(o, cJSON_GetObjectItem(o->doc, "mounts"), e)) < 0)
		return r;
	const char *v = str(o->doc, "ociVersion");
	if (!v || strncmp(v, "1.", 2) || v[2] < '0' || v[2] > '9')
		return cb_fail(e, EINVAL, "config.json: ociVersion %s: want a runtime-spec 1.x version", v ? v : "(none)");
	if (!cJSON_IsObject(lj))
		return cb_fail(e, EINVAL, "config.json: linux: missing");
	if ((r = linux_part(o, lj, e)) < 0 || (r = idmap_check(o, e)) < 0)
		return r;
	const cJSON *oom = cJSON_GetObjectItem(cJSON_GetObjectItem(o->doc, "process"), "oomScoreAdj");
	if (oom && (!cJSON_IsNumber(oom) || oom->valuedouble < -1000 || oom->valuedouble > 1000))
		return cb_fail(e, EINVAL, "config.json: process.oomScoreAdj: want -1000..1000");
	o->has_oom = oom != NULL;
	o->oom_score_adj = oom ? (int)oom->valuedouble : 0;
	const char *rp = str(root, "path");
	if (!rp || !rp[0])
		return cb_fail(e, EINVAL, "config.json: root.path: missing");
	if ((r = only_known(root, "root", "path readonly", NULL, e)) < 0)
		return r;
	if ((size_t)snprintf(path, sizeof(path), "%s%s%s", rp[0] == '/' ? "" : bundle, rp[0] == '/' ? "" : "/", rp) >=
		    sizeof(path) ||
	    !realpath(path, o->rootfs))
		return cb_fail_errno(e, errno ? errno : ENAMETOOLONG, "config.json: root.path %s", path);
	o->m.rootfs = o->rootfs;
	o->m.root_ro = cJSON_IsTrue(cJSON_GetObjectItem(root, "readonly"));
	o->hostname = str(o->doc, "hostname");
	o->domainname = str(o->doc, "domainname");
	if (o->hostname && o->hostname[0] && !cb_oci_has_ns(o, CLONE_NEWUTS))
		return cb_fail(e, EINVAL, "config.json: hostname: unable to set hostname without a private UTS namespace");
	if (o->domainname && o->domainname[0] && !cb_oci_has_ns(o, CLONE_NEWUTS))
		return cb_fail(e, EINVAL, "config.json: domainname: unable to set domainname without a private UTS namespace");
	if (o->m.root_ro && !cb_oci_has_ns(o, CLONE_NEWNS))
		return cb_fail(e, EINVAL, "config.json: root.readonly: unable to make rootfs read-only without a private MNT "
				       "namespace");
	o->m.host_mnt = !cb_oci_has_ns(o, CLONE_NEWNS);
	o->annotations = cJSON_GetObjectItem(o->doc, "annotations");
	return 0;
}

void cb_oci_free(struct cb_oci *o)
{
	cb_proc_free(&o->p);
	free(o->mounts);
	free(o->devices);
	free(o->masked);
	free(o->readonly);
	cJSON_Delete(o->limits);
	o->limits = NULL;
	cJSON_Delete(o->doc);
	o->doc = NULL;
}

/* runc's default, as `runc spec` writes it (the capabilities trimmed to the usual three). */
static const char default_spec[] =
	"{\"ociVersion\":\"" CB_OCI_VERSION "\",\"process\":{\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0},"
	"\"args\":[\"sh\"],\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
	"\"TERM=xterm\"],\"cwd\":\"/\",\"capabilities\":{"
	"\"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
	"\"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
	"\"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
	"\"ambient\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]},"
	"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],\"noNewPrivileges\":true},"
	"\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"hostname\":\"cbox\",\"mounts\":["
	"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"strictatime\","
	"\"mode=755\",\"size=65536k\"]},"
	"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":[\"nosuid\",\"noexec\","
	"\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]},"
	"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\",\"options\":[\"nosuid\",\"noexec\","
	"\"nodev\",\"mode=1777\",\"size=65536k\"]},"
	"{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\",\"options\":[\"nosuid\","
	"\"noexec\",\"nodev\"]},"
	"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\",\"noexec\","
	"\"nodev\",\"ro\"]},"
	"{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\",\"options\":[\"nosuid\","
	"\"noexec\",\"nodev\",\"relatime\",\"ro\"]}],"
	"\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},\"namespaces\":["
	"{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"},"
	"{\"type\":\"cgroup\"}],"
	"\"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\",\"/proc/latency_stats\","
	"\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\",\"/sys/firmware\",\"/proc/scsi\"],"
	"\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"]}}";

static cJSON *idmap_one(unsigned host)
{
	cJSON *a = cJSON_CreateArray(), *m = cJSON_CreateObject();
	cJSON_AddNumberToObject(m, "containerID", 0);
	cJSON_AddNumberToObject(m, "hostID", host);
	cJSON_AddNumberToObject(m, "size", 1);
	cJSON_AddItemToArray(a, m);
	return a;
}

cJSON *cb_oci_default_spec(int rootless, unsigned uid, unsigned gid)
{
	cJSON *j = cJSON_Parse(default_spec);
	if (!j || !rootless)
		return j;
	/* As runc's --rootless: a user namespace for the caller alone, no network namespace
	 * or gid=5 devpts, /sys bound from the host. */
	cJSON *lj = cJSON_GetObjectItem(j, "linux"), *ns = cJSON_GetObjectItem(lj, "namespaces");
	cJSON_DeleteItemFromObject(lj, "resources");
	for (int i = cJSON_GetArraySize(ns) - 1; i >= 0; i--) {
		const char *t = str(cJSON_GetArrayItem(ns, i), "type");
		if (!strcmp(t, "network") || !strcmp(t, "cgroup"))
			cJSON_DeleteItemFromArray(ns, i);
	}
	cJSON *u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "type", "user");
	cJSON_AddItemToArray(ns, u);
	cJSON_AddItemToObject(lj, "uidMappings", idmap_one(uid));
	cJSON_AddItemToObject(lj, "gidMappings", idmap_one(gid));
	cJSON *mounts = cJSON_GetObjectItem(j, "mounts");
	for (int i = cJSON_GetArraySize(mounts) - 1; i >= 0; i--) {
		cJSON *m = cJSON_GetArrayItem(mounts, i);
		const char *d = str(m, "destination");
		if (!strcmp(d, "/sys/fs/cgroup") || !strcmp(d, "/dev/mqueue")) {
			cJSON_DeleteItemFromArray(mounts, i);
		} else if (!strcmp(d, "/sys")) {
			cJSON_ReplaceItemInObject(m, "type", cJSON_CreateString("none"));
			cJSON_ReplaceItemInObject(m, "source", cJSON_CreateString("/sys"));
			const char *o[] = { "rbind", "nosuid", "noexec", "nodev", "ro" };
			cJSON_ReplaceItemInObject(m, "options", cJSON_CreateStringArray(o, 5));
		} else if (!strcmp(d, "/dev/pts")) {
			cJSON *opts = cJSON_GetObjectItem(m, "options");
			for (int k = cJSON_GetArraySize(opts) - 1; k >= 0; k--)
				if (!strcmp(cJSON_GetArrayItem(opts, k)->valuestring, "gid=5"))
					cJSON_DeleteItemFromArray(opts, k);
		}
	}
	return j;
}

cJSON *cb_oci_features(void)
{
	static const char *const mount_opts[] = {
		"async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "idmap", "mand", "noatime",
		"nodev", "nodiratime", "noexec", "norelatime", "nosuid", "private", "rbind", "relatime", "remount",
		"ridmap", "ro", "rprivate", "rshared", "rslave", "runbindable", "rw", "shared", "silent", "slave",
		"strictatime", "suid", "sync", "unbindable",
	};
	cJSON *j = cJSON_CreateObject(), *l = cJSON_AddObjectToObject(j, "linux");
	cJSON_AddStringToObject(j, "ociVersionMin", "1.0.0");
	cJSON_AddStringToObject(j, "ociVersionMax", CB_OCI_VERSION);
	static const char *const hooks[] = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop" };
	cJSON_AddItemToObject(j, "hooks", cJSON_CreateStringArray(hooks, (int)CB_ARRAY_SIZE(hooks)));
	cJSON_AddItemToObject(j, "mountOptions", cJSON_CreateStringArray(mount_opts, (int)CB_ARRAY_SIZE(mount_opts)));
	cJSON *ns = cJSON_AddArrayToObject(l, "namespaces");
	for (size_t i = 0; i < CB_ARRAY_SIZE(ns_types); i++)
		cJSON_AddItemToArray(ns, cJSON_CreateString(ns_types[i].name));
	cJSON *caps = cJSON_AddArrayToObject(l, "capabilities");
	for (int c = 0; c < 64; c++) {
		char name[40];
		if (!cb_cap_name(c, name, sizeof(name)))
			break;
		cJSON_AddItemToArray(caps, cJSON_CreateString(name));
	}
	cJSON *cg = cJSON_AddObjectToObject(l, "cgroup");
	cJSON_AddBoolToObject(cg, "v1", 0);
	cJSON_AddBoolToObject(cg, "v2", 1);
	cJSON_AddBoolToObject(cg, "systemd", 0);
	cJSON_AddBoolToObject(cg, "systemdUser", 0);
	cJSON_AddBoolToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(l, "mountExtensions"), "idmap"), "enabled",
			      geteuid() == 0);
	cJSON_AddItemToObject(l, "seccomp", cb_seccomp_features());
	cJSON_AddItemToObject(cJSON_AddObjectToObject(l, "apparmor"), "enabled", cJSON_CreateFalse());
	cJSON_AddItemToObject(cJSON_AddObjectToObject(l, "selinux"), "enabled", cJSON_CreateFalse());
	cJSON_AddItemToObject(cJSON_AddObjectToObject(l, "intelRdt"), "enabled", cJSON_CreateFalse());
	cJSON *a = cJSON_AddObjectToObject(j, "annotations");
	cJSON_AddStringToObject(a, "io.github.cbox.version", CB_VERSION);
	const struct scmp_version *v = CFG_SECCOMP ? seccomp_version() : NULL;
	char ver[32];
	snprintf(ver, sizeof(ver), "%u.%u.%u", v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
	if (v)
		cJSON_AddStringToObject(a, "io.github.seccomp.libseccomp.version", ver);
	return j;
}
