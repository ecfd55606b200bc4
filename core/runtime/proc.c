/* proc.c - the container's process spec and its exec. */
#include <ctype.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "emul.h"
#include "proc.h"
#include "walk.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* podman's default capability set. */
static const int default_caps[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_NET_BIND_SERVICE,
	CAP_SETFCAP, CAP_SETGID, CAP_SETPCAP, CAP_SETUID, CAP_SYS_CHROOT,
};

/* The names capabilities(7) gives, by number. */
static const char *const cap_names[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
	"SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
	"IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
	"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
	"LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
	"WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};

int cb_cap_number(const char *name)
{
	if (!strncasecmp(name, "CAP_", 4))
		name += 4;
	if (!strcasecmp(name, "ALL"))
		return CB_CAP_ALL;
	for (size_t i = 0; i < CB_ARRAY_SIZE(cap_names); i++)
		if (!strcasecmp(name, cap_names[i]))
			return (int)i;
	return -1;
}

int cb_cap_name(int c, char *buf, size_t n)
{
	if (c < 0 || c >= (int)CB_ARRAY_SIZE(cap_names))
		return 0;
	snprintf(buf, n, "CAP_%s", cap_names[c]);
	return 1;
}

/* Every capability this process may hold: its bounding set (podman's "all" too). */
static unsigned long long all_caps(void)
{
	unsigned long long all = 0;
	for (int c = 0; c < 64; c++) {
		int r = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
		if (r < 0)
			break;
		all |= (unsigned long long)(r == 1) << c;
	}
	return all;
}

/* As podman: the defaults (or all, --privileged), --cap-drop ALL empties the set first,
 * --cap-add ALL fills it, then the named ones are added and dropped. A non-root user gets
 * the added ones only. */
static int build_caps(struct cb_proc *p, const struct cb_proc_opts *o, cb_err *e)
{
	unsigned long long all = all_caps(), set = 0, add = 0, drop = 0;
	int add_all = 0, drop_all = 0;
	for (size_t i = 0; i < CB_ARRAY_SIZE(default_caps); i++)
		set |= 1ULL << default_caps[i];
	for (int k = 0; k < o->ncap_add + o->ncap_drop; k++) {
		const char *name = k < o->ncap_add ? o->cap_add[k] : o->cap_drop[k - o->ncap_add];
		int c = cb_cap_number(name);
		if (c < 0)
			return cb_fail(e, EINVAL, "unknown capability \"%s\"", name);
		if (c == CB_CAP_ALL)
			*(k < o->ncap_add ? &add_all : &drop_all) = 1;
		else
			*(k < o->ncap_add ? &add : &drop) |= 1ULL << c;
	}
	if (add_all && drop_all)
		return cb_fail(e, EINVAL, "adding all caps and removing all caps not allowed");
	if (o->privileged || add_all)
		set = all;
	if (drop_all)
		set = 0;
	p->caps = ((set | add) & ~drop) & all;
	p->user_caps = (add_all ? all : add) & p->caps;
	p->privileged = o->privileged;
	/* As podman: --privileged drops the default filter, not a profile asked for. */
	if (o->seccomp && cb_seccomp_copy(&p->seccomp, o->seccomp) < 0)
		return cb_fail(e, ENOMEM, "out of memory");
	p->seccomp.kind = o->seccomp ? o->seccomp->kind : o->privileged ? CB_SECCOMP_UNCONFINED : CB_SECCOMP_DEFAULT;
	return 0;
}

/* ---- building the spec (parent) ---- */

static int vec_push(char ***v, char *s)
{
	size_t n = 0;
	while (*v && (*v)[n])
		n++;
	char **nv = realloc(*v, (n + 2) * sizeof(*nv));
	if (!nv || !s) {
		free(s);
		return -ENOMEM;
	}
	nv[n] = s;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

/* Set KEY=VALUE, replacing an earlier KEY. */
static int env_put(char ***env, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	for (size_t i = 0; *env && (*env)[i]; i++)
		if (!strncmp((*env)[i], kv, klen) && (*env)[i][klen] == '=') {
			char *d = strdup(kv);
			if (!d)
				return -ENOMEM;
			free((*env)[i]);
			(*env)[i] = d;
			return 0;
		}
	return vec_push(env, strdup(kv));
}

static const char *env_get(char *const *env, const char *key)
{
	size_t klen = strlen(key);
	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], key, klen) && env[i][klen] == '=')
			return env[i] + klen + 1;
	return NULL;
}

static int push_strings(char ***v, const cJSON *arr)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it) && vec_push(v, strdup(it->valuestring)) < 0)
			return -ENOMEM;
	return 0;
}

/* Put a copy of kv at o->env[at], the entries from there on one place up. */
static int env_insert(struct cb_proc_opts *o, int at, const char *kv)
{
	const char **nv = realloc(o->env, (size_t)(o->nenv + 2) * sizeof(*nv));
	char *d = strdup(kv);
	if (nv)
		o->env = nv;
	if (!nv || !d)
		return free(d), -ENOMEM;
	memmove(nv + at + 1, nv + at, (size_t)(o->nenv - at) * sizeof(*nv));
	nv[at] = d;
	nv[++o->nenv] = NULL;
	return 0;
}

int cb_proc_env_file(struct cb_proc_opts *o, const char *path, cb_err *e)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return cb_fail_errno(e, errno, "--env-file %s", path);
	char *line = NULL;
	size_t cap = 0;
	int r = 0;
	for (int no = 1; r == 0 && getline(&line, &cap, f) >= 0; no++) {
		line[strcspn(line, "\r\n")] = '\0';
		char *kv = line + strspn(line, " \t\v\f");
		if (!*kv || *kv == '#')
			continue;
		if (*kv == '=') {
			r = cb_fail(e, EINVAL, "--env-file %s: line %d: no variable name: %s", path, no, kv);
			break;
		}
		size_t klen = strcspn(kv, "=");
		if (kv[klen] == '=') {
			r = env_insert(o, o->nenv_file++, kv);
			continue;
		}
		/* A bare KEY is the caller's KEY (nothing when unset); KEY* every variable so named. */
		int star = kv[klen - 1] == '*';
		for (char **v = environ; r == 0 && *v; v++)
			if (star ? !strncmp(*v, kv, klen - 1) : !strncmp(*v, kv, klen) && (*v)[klen] == '=')
				r = env_insert(o, o->nenv_file++, *v);
	}
	free(line);
	if (r == 0 && ferror(f))
		r = cb_fail_errno(e, errno, "--env-file %s", path);
	fclose(f);
	return r == -ENOMEM ? cb_fail(e, ENOMEM, "out of memory") : r;
}

/* podman's --http-proxy variables */
static int proxy_var(const char *kv)
{
	static const char *const names[] = { "http_proxy=", "https_proxy=", "ftp_proxy=", "no_proxy=" };
	for (size_t i = 0; i < CB_ARRAY_SIZE(names); i++)
		if (!strncasecmp(kv, names[i], strlen(names[i])))
			return 1;
	return 0;
}

int cb_proc_env_host(struct cb_proc_opts *o, int all, cb_err *e)
{
	for (char **v = environ; *v; v++)
		if (strchr(*v, '=') && (all || proxy_var(*v)) && env_insert(o, o->nenv_file++, *v) < 0)
			return cb_fail(e, ENOMEM, "out of memory");
	return 0;
}

int cb_proc_host_users(struct cb_proc *p, const struct cb_proc_opts *o, cb_err *e)
{
	char line[4096], *f[7];
	size_t len = 0;
	for (int i = 0; i < o->nhostusers; i++) {
		/* A name, or (all digits) a uid, as podman's */
		const char *u = o->hostusers[i];
		int by_id = *u && strspn(u, "0123456789") == strlen(u);
		if (!cb_db_find("/etc/passwd", by_id ? NULL : u, by_id ? strtoul(u, NULL, 10) : 0, line, sizeof(line), f, 7))
			return cb_fail(e, ENOENT, "--hostuser %s: user: unknown user %s (not in the host's /etc/passwd)", u, u);
		char *n = realloc(p->passwd_add, len + strlen(line) + 64);
		if (!n)
			return cb_fail(e, ENOMEM, "out of memory");
		p->passwd_add = n;
		len += (size_t)sprintf(n + len, "%s:x:%s:%s:%s:%s:%s\n", f[0], f[2], f[3], f[4], f[5], f[6]);
	}
	return 0;
}

int cb_proc_build(struct cb_proc *p, const cJSON *image_config, const struct cb_proc_opts *o, cb_err *e)
{
	const cJSON *c = cJSON_GetObjectItem(image_config, "config");
	int r = 0;
	memset(p, 0, sizeof(*p));
	if (o->entrypoint && o->entrypoint[0] == '[') {
		cJSON *ep = cJSON_Parse(o->entrypoint);
		if (!cJSON_IsArray(ep)) {
			cJSON_Delete(ep);
			return cb_fail(e, EINVAL, "--entrypoint: not a JSON array of strings: %s", o->entrypoint);
		}
		r = push_strings(&p->argv, ep);
		cJSON_Delete(ep);
	} else if (o->entrypoint) {
		if (o->entrypoint[0])
			r = vec_push(&p->argv, strdup(o->entrypoint));
	} else {
		r = push_strings(&p->argv, cJSON_GetObjectItem(c, "Entrypoint"));
	}
	/* As podman: the image's Cmd only when neither a command nor --entrypoint is given. */
	for (int i = 0; r == 0 && i < o->ncmd; i++)
		r = vec_push(&p->argv, strdup(o->cmd[i]));
	if (r == 0 && !o->ncmd && !o->entrypoint)
		r = push_strings(&p->argv, cJSON_GetObjectItem(c, "Cmd"));
	if (r == 0 && !p->argv)
		return cb_fail(e, EINVAL, "no command: the image has none, give one after the image name");

	/* podman's defaults, under the image's and the caller's: container=cbox (podman says
	 * container=podman), TERM=xterm with -t. */
	if (r == 0)
		r = env_put(&p->env, "container=cbox");
	if (r == 0 && o->tty)
		r = env_put(&p->env, "TERM=xterm");
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(c, "Env"))
		if (r == 0 && cJSON_IsString(it) && strchr(it->valuestring, '='))
			r = env_put(&p->env, it->valuestring);
	if (r == 0 && !env_get(p->env, "PATH"))
		r = env_put(&p->env, "PATH=" DEFAULT_PATH);
	char kv[512];
	if (r == 0 && o->hostname) {
		snprintf(kv, sizeof(kv), "HOSTNAME=%s", o->hostname);
		r = env_put(&p->env, kv);
	}
	for (int i = 0; r == 0 && i < o->nenv; i++) {
		const char *x = o->env[i];
		if (!*x || *x == '=')
			return cb_fail(e, EINVAL, "--env '%s': no variable name", x);
		if (strchr(x, '=')) {
			r = env_put(&p->env, x);
		} else if (getenv(x)) {
			/* -e K takes K from the caller's environment, when it is set there. */
			char *d;
			if (asprintf(&d, "%s=%s", x, getenv(x)) < 0)
				return cb_fail(e, ENOMEM, "out of memory");
			r = env_put(&p->env, d);
			free(d);
		}
	}
	const char *w = o->workdir ? o->workdir : cJSON_GetStringValue(cJSON_GetObjectItem(c, "WorkingDir"));
	if (!w || !*w)
		w = "/";
	if (*w != '/')
		return cb_fail(e, EINVAL, "working directory '%s' is not an absolute path", w);
	const char *u = o->user ? o->user : cJSON_GetStringValue(cJSON_GetObjectItem(c, "User"));
	if (r == 0 && (r = build_caps(p, o, e)) < 0)
		return r;
	for (int i = 0; r == 0 && i < o->ngroups_add; i++)
		r = vec_push(&p->groups_add, strdup(o->groups_add[i]));
	p->preserve_fds = o->preserve_fds;
	p->null_fds = o->null_fds;
	p->cwd = strdup(w);
	p->cwd_given = o->workdir != NULL;
	p->user = strdup(u ? u : "");
	if (r < 0 || !p->cwd || !p->user)
		return cb_fail(e, ENOMEM, "out of memory");
	return 0;
}

void cb_proc_free(struct cb_proc *p)
{
	for (size_t i = 0; p->argv && p->argv[i]; i++)
		free(p->argv[i]);
	for (size_t i = 0; p->env && p->env[i]; i++)
		free(p->env[i]);
	for (size_t i = 0; p->groups_add && p->groups_add[i]; i++)
		free(p->groups_add[i]);
	free(p->argv);
	free(p->env);
	free(p->groups_add);
	free(p->passwd_add);
	free(p->cwd);
	free(p->chown);
	free(p->user);
	cb_seccomp_free(&p->seccomp);
	memset(p, 0, sizeof(*p));
}

/* ---- in the child ---- */

static int numeric(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s) && strlen(s) < 11;
}

int cb_db_find(const char *file, const char *name, unsigned long id, char *line, size_t n, char **f, int nf)
{
	FILE *fp = fopen(file, "re");
	if (!fp)
		return 0;
	int found = 0;
	while (!found && fgets(line, (int)n, fp)) {
		line[strcspn(line, "\n")] = '\0';
		int k = 0;
		for (char *s = line; k < nf; k++) {
			f[k] = s;
			s = strchr(s, ':');
			if (!s) {
				k++;
				break;
			}
			*s++ = '\0';
		}
		if (k < 3)
			continue;
		for (; k < nf; k++)
			f[k] = "";
		found = name ? !strcmp(f[0], name) : (numeric(f[2]) && strtoul(f[2], NULL, 10) == id);
	}
	fclose(fp);
	return found;
}

/* The kernel's limit on supplementary groups (musl's NGROUPS_MAX says 32); podman's too. */
#define CB_NGROUPS_MAX 65536

/* The groups of /etc/group that list `user` as a member, in file order, in a heap array
 * (*out, free it); more than CB_NGROUPS_MAX are refused. A group whose line names the
 * user twice counts once (the kernel takes other repeats as they are). */
static int member_groups(const char *user, gid_t **out, cb_err *e)
{
	FILE *fp = fopen("/etc/group", "re");
	char *line = NULL;
	size_t cap = 0, max = 0;
	int n = 0;
	*out = NULL;
	while (fp && getline(&line, &cap, fp) > 0) {
		line[strcspn(line, "\n")] = '\0';
		char *f[4] = { line, NULL, NULL, NULL };
		for (int k = 1; k < 4 && f[k - 1] && (f[k] = strchr(f[k - 1], ':')); k++)
			*f[k]++ = '\0';
		if (!f[3] || !numeric(f[2]))
			continue;
		gid_t gid = (gid_t)strtoul(f[2], NULL, 10);
		for (char *m = strtok(f[3], ","); m; m = strtok(NULL, ",")) {
			if (strcmp(m, user) || (n && (*out)[n - 1] == gid))
				continue; /* not the user, or the user again in this group */
			if (n == CB_NGROUPS_MAX) {
				n = cb_fail(e, E2BIG, "user %s: more than %d group memberships in /etc/group", user,
					    CB_NGROUPS_MAX);
				goto out;
			}
			if ((size_t)n == max) {
				gid_t *g = realloc(*out, (max = max ? max * 2 : 32) * sizeof(gid_t));
				if (!g) {
					n = cb_fail(e, ENOMEM, "out of memory");
					goto out;
				}
				*out = g;
			}
			(*out)[n++] = gid;
		}
	}
out:
	free(line);
	if (fp)
		fclose(fp);
	return n;
}

/* The effective, permitted and inheritable sets, and amb raised into the ambient set
 * (so that it survives the exec of a non-root user's command). */
static int set_caps(unsigned long long eff, unsigned long long perm, unsigned long long inh,
		    unsigned long long amb, cb_err *e)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	d[0].effective = (unsigned)eff;
	d[1].effective = (unsigned)(eff >> 32);
	d[0].permitted = (unsigned)perm;
	d[1].permitted = (unsigned)(perm >> 32);
	d[0].inheritable = (unsigned)inh;
	d[1].inheritable = (unsigned)(inh >> 32);
	if (syscall(SYS_capset, &hdr, d) < 0)
		return cb_fail_errno(e, errno, "capset");
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (int c = 0; c < 64; c++)
		if ((amb >> c & 1) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			return cb_fail_errno(e, errno, "ambient capability %d", c);
	return 0;
}

static int drop_bounding(unsigned long long keep, cb_err *e)
{
	for (int c = 0; c < 64; c++) {
		if (keep >> c & 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break; /* past the last capability this kernel knows */
			return cb_fail_errno(e, errno, "drop capability %d from the bounding set", c);
		}
	}
	return 0;
}

static void close_fds(int keep)
{
	/* Everything but 0-2 (and --preserve-fds') closes at exec; the sync socket stays
	 * until then. */
	unsigned first = 3U + (unsigned)keep;
	for (int fd = 3; fd < (int)first; fd++)
		fcntl(fd, F_SETFD, 0);
	if (syscall(SYS_close_range, first, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) == 0)
		return;
	for (int fd = (int)first; fd < 65536; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* The OCI process's own pieces, before the uid change (rlimits may need privilege). */
static int oci_prepare(const struct cb_proc_oci *o, cb_err *e)
{
	for (int i = 0; i < o->nrlim; i++) {
		struct rlimit rl = { .rlim_cur = o->rlim[i].soft, .rlim_max = o->rlim[i].hard }, now;
		if (setrlimit(o->rlim[i].res, &rl) == 0)
			continue;
		/* Without CAP_SYS_RESOURCE (a confined host root): no higher than what we have. */
		if (errno == EPERM && getrlimit(o->rlim[i].res, &now) == 0 && rl.rlim_max > now.rlim_max) {
			cb_debug("process.rlimits: resource %d: hard limit %llu, not %llu (no CAP_SYS_RESOURCE)",
				 o->rlim[i].res, (unsigned long long)now.rlim_max, (unsigned long long)rl.rlim_max);
			rl.rlim_max = now.rlim_max;
			rl.rlim_cur = rl.rlim_cur < rl.rlim_max ? rl.rlim_cur : rl.rlim_max;
			errno = EPERM;
		}
		if (errno != EPERM || setrlimit(o->rlim[i].res, &rl) < 0)
			return cb_fail_errno(e, errno, "process.rlimits: resource %d", o->rlim[i].res);
	}
	if (o->umask >= 0)
		umask((mode_t)o->umask);
	return 0;
}

/* --hostuser: its lines appended to the container's /etc/passwd, each unless the name is
 * there already (a read-only root keeps its file). */
static void add_passwd(const char *text)
{
	char line[4096], *f[7];
	for (const char *l = text; l && *l;) {
		size_t n = strcspn(l, "\n"), k = strcspn(l, ":");
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(k < n ? k : n), l);
		if (!cb_db_find("/etc/passwd", name, 0, line, sizeof(line), f, 7)) {
			int fd = open("/etc/passwd", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
			if (fd >= 0) {
				(void)!write(fd, l, n + 1);
				close(fd);
			}
		}
		l += n + (l[n] != 0);
	}
}

/* --group-add: a gid, or a group name of the container's /etc/group. */
static int add_groups(char **names, gid_t *groups, int ng, int max, cb_err *e)
{
	char line[4096], *g[4];
	for (size_t i = 0; names && names[i] && ng < max; i++) {
		if (numeric(names[i]))
			groups[ng++] = (gid_t)strtoul(names[i], NULL, 10);
		else if (cb_db_find("/etc/group", names[i], 0, line, sizeof(line), g, 4) && numeric(g[2]))
			groups[ng++] = (gid_t)strtoul(g[2], NULL, 10);
		else
			return cb_fail(e, ENOENT, "unable to find group %s: no matching entries in group file", names[i]);
	}
	return ng;
}

/* PATH's next entry joined with cmd into full (an empty entry: cmd as it is); where the
 * rest of the list begins, or NULL after the last. */
static const char *path_next(const char *s, const char *cmd, char full[4096])
{
	const char *end = strchrnul(s, ':');
	snprintf(full, 4096, "%.*s%s%s", (int)(end - s), s, end > s ? "/" : "", cmd);
	return *end ? end + 1 : NULL;
}

static int exec_cmd(const struct cb_proc *p, char **env, cb_err *e)
{
	const char *cmd = p->argv[0];
	int err = ENOENT, denied = 0;
	if (strchr(cmd, '/')) {
		execve(cmd, p->argv, env);
		err = errno;
	} else {
		char full[4096];
		for (const char *s = env_get(env, "PATH") ?: DEFAULT_PATH; s;) {
			s = path_next(s, cmd, full);
			execve(full, p->argv, env);
			if (errno == EACCES)
				denied = 1;
			else if (errno != ENOENT && errno != ENOTDIR) {
				err = errno;
				break;
			}
		}
		if (denied && err == ENOENT)
			err = EACCES;
	}
	if (err == ENOENT && !strchr(cmd, '/')) {
		cb_fail(e, err, "exec \"%s\": executable file not found in $PATH", cmd);
		return CB_EXIT_NOTFOUND;
	}
	if (err == ENOENT) {
		cb_fail(e, err, "exec \"%s\": no such file or directory", cmd);
		return CB_EXIT_NOTFOUND;
	}
	char msg[128];
	snprintf(msg, sizeof(msg), "%s", strerror(err));
	msg[0] = (char)tolower((unsigned char)msg[0]);
	cb_fail(e, err, "exec \"%s\": %s", cmd, msg);
	return CB_EXIT_NOEXEC;
}

int cb_proc_lookup(const struct cb_proc *p, cb_err *e)
{
	const char *cmd = p->argv[0];
	struct stat sb;
	/* as runc's (Go's LookPath): a directory or a file nobody may execute is refused */
	if (cmd[0] == '/') {
		if (stat(cmd, &sb) < 0)
			return errno != ENOENT ? 0 : cb_fail(e, ENOENT, "exec \"%s\": no such file or directory", cmd);
		return !S_ISDIR(sb.st_mode) && (sb.st_mode & 0111) ? 0 : cb_fail(e, EACCES, "exec \"%s\": permission denied", cmd);
	}
	if (strchr(cmd, '/'))
		return 0; /* relative to the cwd: exec will say */
	char full[4096];
	for (const char *s = env_get(p->env, "PATH") ?: DEFAULT_PATH; s;) {
		s = path_next(s, cmd, full);
		if (stat(full, &sb) == 0 && !S_ISDIR(sb.st_mode) && (sb.st_mode & 0111))
			return 0;
	}
	return cb_fail(e, ENOENT, "exec \"%s\": executable file not found in $PATH", cmd);
}

/* Every signal default and none blocked, as crun does: a disposition the caller
 * inherited (SIGINT ignored in a background job, say) survives exec and would make the
 * container's ^C or pipe errors do nothing. */
static void reset_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigemptyset(&sa.sa_mask);
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &sa, NULL); /* SIGKILL, SIGSTOP and libc's own refuse: no matter */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

int cb_proc_exec(const struct cb_proc *p, cb_err *e)
{
	char user[256], *group, line[4096], gline[4096], *f[7], *g[4];
	if (p->passwd_add)
		add_passwd(p->passwd_add);
	snprintf(user, sizeof(user), "%s", p->user);
	if ((group = strchr(user, ':')))
		*group++ = '\0';
	unsigned long uid = 0, gid = 0;
	int have_pw;
	if (p->oci) {
		uid = p->oci->uid;
		have_pw = cb_db_find("/etc/passwd", NULL, uid, line, sizeof(line), f, 7);
		group = NULL;
	} else if (!user[0] || numeric(user)) {
		uid = user[0] ? strtoul(user, NULL, 10) : 0;
		have_pw = cb_db_find("/etc/passwd", NULL, uid, line, sizeof(line), f, 7);
	} else if ((have_pw = cb_db_find("/etc/passwd", user, 0, line, sizeof(line), f, 7))) {
		uid = strtoul(f[2], NULL, 10);
	} else {
		cb_fail(e, ENOENT, "unable to find user %s: no matching entries in passwd file", user);
		return CB_EXIT_FAIL;
	}
	if (p->oci)
		gid = p->oci->gid;
	else if (have_pw && numeric(f[3]))
		gid = strtoul(f[3], NULL, 10);
	if (group && numeric(group)) {
		gid = strtoul(group, NULL, 10);
	} else if (group) {
		if (!cb_db_find("/etc/group", group, 0, gline, sizeof(gline), g, 4) || !numeric(g[2])) {
			cb_fail(e, ENOENT, "unable to find group %s: no matching entries in group file", group);
			return CB_EXIT_FAIL;
		}
		gid = strtoul(g[2], NULL, 10);
	}

	/* :U volumes: everything in them becomes the user's (podman chowns the source, and
	 * only while its top is someone else's) */
	for (int i = 0; i < p->nchown; i++) {
		struct stat top;
		if (stat(p->chown[i], &top) == 0 && top.st_uid == uid && top.st_gid == gid)
			continue;
		int r = cb_chown_tree_at(AT_FDCWD, p->chown[i], (uid_t)uid, (gid_t)gid);
		if (r < 0) {
			cb_fail_errno(e, -r, "volume %s: chown to %lu:%lu", p->chown[i], uid, gid);
			return CB_EXIT_FAIL;
		}
	}

	/* HOME from passwd unless the environment has one. */
	size_t n = 0;
	while (p->env[n])
		n++;
	char **env = calloc(n + 2, sizeof(*env)), home[1100];
	if (!env)
		return cb_fail(e, ENOMEM, "out of memory"), CB_EXIT_FAIL;
	memcpy(env, p->env, n * sizeof(*env));
	if (!env_get(env, "HOME")) {
		snprintf(home, sizeof(home), "HOME=%s", have_pw && f[5][0] ? f[5] : "/");
		env[n] = home;
	}

	/* Without no_new_privs the filter must go on while we still hold CAP_SYS_ADMIN (as
	 * runc and crun do: the profile then also sees the steps below). */
	int early = p->oci && !p->oci->nnp;
	if (early && cb_seccomp_install(&p->seccomp, e) < 0)
		return CB_EXIT_FAIL;
	if (!p->single_map) {
		CB_AUTOFREE gid_t *groups = NULL;
		int ng = p->oci ? p->oci->ngroups : have_pw ? member_groups(f[0], &groups, e) : 0, nadd = 0;
		if (ng < 0)
			return CB_EXIT_FAIL;
		while (p->groups_add && p->groups_add[nadd])
			nadd++;
		/* room for the OCI process's groups or --group-add's */
		if ((p->oci && ng) || nadd) {
			gid_t *more = realloc(groups, (size_t)(ng + nadd + 1) * sizeof(*groups));
			if (!more)
				return cb_fail(e, ENOMEM, "out of memory"), CB_EXIT_FAIL;
			groups = more;
		}
		for (int i = 0; p->oci && i < ng; i++)
			groups[i] = p->oci->groups[i];
		if ((ng = add_groups(p->groups_add, groups, ng, ng + nadd, e)) < 0)
			return CB_EXIT_FAIL;
		if (setgroups((size_t)ng, groups) < 0)
			return cb_fail_errno(e, errno, "setgroups"), CB_EXIT_FAIL;
	}
	if (drop_bounding(p->caps, e) < 0 || (p->oci && oci_prepare(p->oci, e) < 0))
		return CB_EXIT_FAIL;
	/* Keep the permitted set across the uid change when a non-root user gets capabilities. */
	if (uid != 0 && (p->oci ? p->oci->perm : p->user_caps) && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return cb_fail_errno(e, errno, "keep capabilities"), CB_EXIT_FAIL;
	if (setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) < 0 || setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0) {
		if (errno == EINVAL && p->single_map)
			cb_fail(e, EINVAL, "user %lu:%lu is not in the user namespace: without sub-ids only 0:0 (you) exists",
				uid, gid);
		else
			cb_fail_errno(e, errno, "cannot become user %lu:%lu", uid, gid);
		return CB_EXIT_FAIL;
	}
	unsigned long long want = uid == 0 ? p->caps : p->user_caps, inh = uid == 0 ? 0 : p->user_caps;
	/* The kernel raises an ambient capability only when it is permitted and inheritable
	 * (runc's default spec asks for more: the rest is left out, as runc does). */
	if (p->oci ? set_caps(p->oci->eff, p->oci->perm, p->oci->inh, p->oci->amb & p->oci->inh & p->oci->perm, e) < 0
		   : set_caps(want, want, inh, inh, e) < 0)
		return CB_EXIT_FAIL;
	if ((p->oci ? p->oci->nnp : !p->privileged || p->nnp) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cb_fail_errno(e, errno, "no_new_privs"), CB_EXIT_FAIL;
	if (chdir(p->cwd) < 0 && errno == ENOENT)
		return cb_fail(e, ENOENT, "workdir \"%s\" does not exist on container", p->cwd), CB_EXIT_NOEXEC;
	if (chdir(p->cwd) < 0)
		return cb_fail_errno(e, errno, "working directory %s", p->cwd), CB_EXIT_FAIL;
	close_fds(p->oci ? p->oci->preserve_fds : p->preserve_fds);
	for (int fd = 0; fd < 3; fd++) { /* run -a: the streams not attached */
		int null = p->null_fds >> fd & 1 ? open("/dev/null", O_RDWR | O_CLOEXEC) : -1;
		if (null >= 0 && (dup2(null, fd) < 0 || close(null) < 0))
			return cb_fail_errno(e, errno, "/dev/null on fd %d", fd), CB_EXIT_FAIL;
	}
	reset_signals();
	/* Set after the uid change, which would clear it (not for the OCI runtime's, whose
	 * creator exits at once). */
	if (!p->oci)
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* Last: nothing of ours must be refused or faked (root emulation's filter goes on
	 * top: where both return an errno, the later one's counts). */
	if (!early && cb_seccomp_install(&p->seccomp, e) < 0)
		return CB_EXIT_FAIL;
	if (p->root_emul && cb_emul_install(p->emul_sock, e) < 0)
		return CB_EXIT_FAIL;
	return exec_cmd(p, env, e);
}
