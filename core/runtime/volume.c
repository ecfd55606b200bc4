/* volume.c - named and anonymous volumes (see volume.h). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>

#include "container.h"
#include "json.h"
#include "state.h"
#include "volume.h"

/* The -v options that are mount flags or propagation (podman's words). */
static const struct {
	const char *name;
	unsigned long flag, prop;
} vol_words[] = {
	{ "noexec", MS_NOEXEC, 0 }, { "nosuid", MS_NOSUID, 0 }, { "nodev", MS_NODEV, 0 },
	{ "exec", 0, 0 }, { "suid", 0, 0 }, { "dev", 0, 0 }, { "z", 0, 0 }, { "Z", 0, 0 },
	{ "bind", 0, 0 }, { "rbind", 0, 0 }, { "copy", 0, 0 }, { "nocopy", 0, 0 },
	{ "shared", 0, MS_SHARED }, { "rshared", 0, MS_SHARED | MS_REC }, { "slave", 0, MS_SLAVE },
	{ "rslave", 0, MS_SLAVE | MS_REC }, { "private", 0, MS_PRIVATE }, { "rprivate", 0, MS_PRIVATE | MS_REC },
};

static int parse_opts(char *opts, struct cb_volume *v, const char *spec, cb_err *e)
{
	for (char *o = opts ? strtok(opts, ",") : NULL; o; o = strtok(NULL, ",")) {
		size_t i;
		for (i = 0; i < CB_ARRAY_SIZE(vol_words) && strcmp(o, vol_words[i].name); i++)
			;
		if (i < CB_ARRAY_SIZE(vol_words)) {
			v->flags |= vol_words[i].flag;
			v->prop = vol_words[i].prop ? vol_words[i].prop : v->prop;
			if (!strcmp(o, "exec") || !strcmp(o, "suid") || !strcmp(o, "dev"))
				v->flags &= ~(o[0] == 'e' ? MS_NOEXEC : o[0] == 's' ? MS_NOSUID : MS_NODEV);
			if (!strcmp(o, "nocopy"))
				v->copyup = 0;
		} else if (!strcmp(o, "ro") || !strcmp(o, "readonly")) {
			v->ro = 1;
		} else if (!strcmp(o, "rw")) {
			v->ro = 0;
		} else if (!strcmp(o, "U")) {
			v->chown = 1;
		} else if (!strcmp(o, "O")) {
			v->overlay = 1;
		} else {
			return cb_fail(e, EINVAL, "invalid option type \"%s\"", o);
		}
	}
	return 0;
}

int cb_volume_parse(const char *spec, struct cb_volume *v, cb_err *e)
{
	char *s = strdup(spec), *dst, *opts = NULL;
	if (!s)
		return cb_fail(e, ENOMEM, "out of memory");
	memset(v, 0, sizeof(*v));
	if (!(dst = strchr(s, ':'))) { /* -v /path: an anonymous volume */
		v->dst = s;
		v->anon = v->copyup = 1;
	} else {
		*dst++ = '\0';
		if ((opts = strchr(dst, ':')))
			*opts++ = '\0';
		if (opts && strchr(opts, ':')) /* podman's words */
			return cb_fail(e, EINVAL, "%s: incorrect volume format, should be [host-dir:]ctr-dir[:option]", spec);
		if (!s[0])
			return cb_fail(e, EINVAL, "host directory cannot be empty");
		v->src = s;
		v->dst = dst;
		if (s[0] != '/' && s[0] != '.') { /* NAME:/path */
			if (!cb_container_name_ok(s))
				return cb_fail(e, EINVAL, "creating named volume \"%s\": running volume create option: "
					       "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument", s);
			v->name = s;
			v->src = NULL;
			v->copyup = 1;
		} else if (s[0] != '/') {
			return cb_fail(e, EINVAL, "%s: the host path must be absolute", spec);
		}
	}
	if (v->dst[0] != '/')
		return cb_fail(e, EINVAL, "invalid container path \"%s\", must be an absolute path", v->dst);
	if (v->name || v->anon) /* podman's default for volumes */
		v->flags = MS_NOSUID | MS_NODEV;
	return parse_opts(opts, v, spec, e);
}

int cb_mount_parse(const char *spec, struct cb_volume *v, struct cb_tmpfs *t, cb_err *e)
{
	char *s = strdup(spec), opts[256] = "", *type = "volume", *src = NULL, *dst = NULL;
	size_t ol = 0;
	if (!s)
		return cb_fail(e, ENOMEM, "out of memory");
	memset(v, 0, sizeof(*v));
	for (char *save, *kv = strtok_r(s, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *val = strchr(kv, '=');
		if (val)
			*val++ = '\0';
		if (!strcmp(kv, "type") && val)
			type = val;
		else if ((!strcmp(kv, "source") || !strcmp(kv, "src")) && val)
			src = val;
		else if ((!strcmp(kv, "target") || !strcmp(kv, "destination") || !strcmp(kv, "dst")) && val)
			dst = val;
		else if (ol < sizeof(opts))
			ol += (size_t)snprintf(opts + ol, sizeof(opts) - ol, "%s%s%s%s", ol ? "," : "", kv,
					       val ? "=" : "", val ? val : "");
	}
	if (!dst)
		return cb_fail(e, EINVAL, "--mount %s: no target", spec);
	if (!strcmp(type, "tmpfs")) {
		char t_spec[4096];
		snprintf(t_spec, sizeof(t_spec), "%s%s%s", dst, opts[0] ? ":" : "", opts);
		return cb_tmpfs_parse(t_spec, t, e) < 0 ? -EINVAL : 2;
	}
	if (strcmp(type, "bind") && strcmp(type, "volume"))
		return cb_fail(e, EINVAL, "--mount %s: type %s: bind, volume or tmpfs", spec, type);
	if (!strcmp(type, "bind") && (!src || src[0] != '/'))
		return cb_fail(e, EINVAL, "--mount %s: a bind needs an absolute source", spec);
	char vspec[4096];
	snprintf(vspec, sizeof(vspec), "%s%s%s%s%s", src ? src : "", src ? ":" : "", dst, opts[0] ? ":" : "", opts);
	int r = cb_volume_parse(vspec, v, e);
	if (r == 0 && !strcmp(type, "volume") && src && src[0] == '/')
		r = cb_fail(e, EINVAL, "--mount %s: a volume's source is a name", spec);
	return r < 0 ? r : 1;
}

/* "/a/b/" and "/a//b" are "/a/b". */
static void clean(const char *p, char *out, size_t n)
{
	size_t o = 0;
	for (; *p && o + 1 < n; p++)
		if (*p != '/' || (p[1] && p[1] != '/'))
			out[o++] = *p;
	out[o] = '\0';
	if (!o)
		snprintf(out, n, "/");
}

/* The same mount twice (source, destination, options) is no conflict, as podman. */
static int same_mount(const struct cb_volume *v, int nv, const struct cb_tmpfs *t, int i, int j)
{
	if (i < nv && j < nv)
		return !strcmp(v[i].name ? v[i].name : v[i].src ? v[i].src : "\1",
			       v[j].name ? v[j].name : v[j].src ? v[j].src : "\2") &&
		       v[i].ro == v[j].ro && v[i].flags == v[j].flags;
	return i >= nv && j >= nv && t[i - nv].flags == t[j - nv].flags && !strcmp(t[i - nv].data, t[j - nv].data);
}

int cb_mounts_check(const struct cb_volume *v, int nv, const struct cb_tmpfs *t, int nt, cb_err *e)
{
	for (int i = 0; i < nv + nt; i++)
		for (int j = 0; j < i; j++) {
			char a[4096], b[4096];
			clean(i < nv ? v[i].dst : t[i - nv].dst, a, sizeof(a));
			clean(j < nv ? v[j].dst : t[j - nv].dst, b, sizeof(b));
			if (!strcmp(a, b) && !same_mount(v, nv, t, i, j))
				return cb_fail(e, EINVAL, "%s: duplicate mount destination", a);
		}
	return 0;
}

static int vol_dir(const char *name, char *out, size_t n)
{
	return (size_t)snprintf(out, n, "volumes/%s", name) < n && cb_container_name_ok(name) ? 0 : -EINVAL;
}

int cb_volume_exists(struct cb_store *s, const char *name)
{
	char d[300];
	struct stat st;
	return vol_dir(name, d, sizeof(d)) == 0 && fstatat(s->rootfd, d, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}

/* podman's local driver's options: type, device, o, uid, gid, copy/nocopy. */
static int check_options(const cJSON *opts, uid_t *uid, gid_t *gid, cb_err *e)
{
	static const char *const known[] = { "type", "device", "o", "uid", "gid", "UID", "GID", "copy", "nocopy" };
	const cJSON *o;
	cJSON_ArrayForEach(o, opts) {
		size_t i;
		const char *val = cJSON_GetStringValue(o) ?: "";
		for (i = 0; i < CB_ARRAY_SIZE(known) && strcmp(o->string, known[i]); i++)
			;
		if (i == CB_ARRAY_SIZE(known))
			return cb_fail(e, EINVAL, "invalid mount option %s for driver 'local': invalid argument", o->string);
		char *end;
		unsigned long id = strtoul(val, &end, 10);
		if (i >= 3 && i <= 6 && (!*val || *end || id > 0xfffffffe))
			return cb_fail(e, EINVAL, "cannot convert %s to integer: invalid argument", val);
		if (i == 3 || i == 5)
			*uid = (uid_t)id;
		if (i == 4 || i == 6)
			*gid = (gid_t)id;
	}
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(opts, "type")) ?: "";
	const char *dev = cJSON_GetStringValue(cJSON_GetObjectItem(opts, "device"));
	struct stat st;
	if (!strcmp(type, "bind") && (!dev || stat(dev, &st) < 0))
		return cb_fail(e, ENOENT, "invalid volume option device for driver 'local': stat %s: %s", dev ? dev : "",
			       dev ? "no such file or directory" : "no device given");
	if (type[0] && strcmp(type, "bind") && strcmp(type, "tmpfs"))
		return cb_fail(e, EINVAL, "volume type %s: cbox makes bind and tmpfs volumes only", type);
	return 0;
}

int cb_volume_create(struct cb_store *s, const char *name, const cJSON *labels, const cJSON *options,
		     char name_out[65], cb_err *e)
{
	char d[300], data[320], gen[65], mp[4400];
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	if (check_options(options, &uid, &gid, e) < 0)
		return -EINVAL;
	if (!name) {
		unsigned char rnd[32];
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read(fd, rnd, sizeof(rnd)) != (ssize_t)sizeof(rnd)) {
			if (fd >= 0)
				close(fd);
			return cb_fail_errno(e, errno, "/dev/urandom");
		}
		close(fd);
		for (int i = 0; i < 32; i++)
			sprintf(gen + 2 * i, "%02x", rnd[i]);
		name = gen;
	}
	if (vol_dir(name, d, sizeof(d)) < 0)
		return cb_fail(e, EINVAL, "invalid volume name '%s': [a-zA-Z0-9][a-zA-Z0-9_.-]*", name);
	snprintf(mp, sizeof(mp), "%s/volumes", s->root);
	if (cb_opt_volume_path && strcmp(cb_opt_volume_path, mp))
		return cb_fail(e, EINVAL, "--volumepath %s: volumes live in %s here (under the storage root)",
			       cb_opt_volume_path, mp);
	if (mkdirat(s->rootfd, "volumes", 0700) < 0 && errno != EEXIST)
		return cb_fail_errno(e, errno, "%s/volumes", s->root);
	/* made under a temporary name and renamed (never over another: a volume's directory
	 * is not empty): a volume is there whole or not at all */
	char tmp[128];
	int tfd = cb_store_tmp_make(s, "volume", tmp, sizeof(tmp), e);
	if (tfd < 0)
		return tfd;
	snprintf(data, sizeof(data), "%s/_data", tmp);
	cJSON *j = cJSON_CreateObject();
	char now[32];
	cb_state_now(now, sizeof(now));
	snprintf(mp, sizeof(mp), "%s/%s/_data", s->root, d);
	cJSON_AddStringToObject(j, "Name", name);
	cJSON_AddStringToObject(j, "Driver", "local");
	cJSON_AddStringToObject(j, "Mountpoint", mp);
	cJSON_AddStringToObject(j, "CreatedAt", now);
	cJSON_AddItemToObject(j, "Labels", labels ? cJSON_Duplicate(labels, 1) : cJSON_CreateObject());
	cJSON_AddStringToObject(j, "Scope", "local");
	cJSON_AddItemToObject(j, "Options", options ? cJSON_Duplicate(options, 1) : cJSON_CreateObject());
	cJSON_AddNumberToObject(j, "MountCount", 0);
	cJSON_AddBoolToObject(j, "NeedsCopyUp", 1);
	cJSON_AddBoolToObject(j, "NeedsChown", 1);
	if (name == gen)
		cJSON_AddBoolToObject(j, "Anonymous", 1);
	char *text = cb_json_print(j);
	cJSON_Delete(j);
	int r = mkdirat(s->rootfd, data, 0755) < 0 ? cb_fail_errno(e, errno, "%s/%s", s->root, data) : 0;
	if (r == 0 && (uid != (uid_t)-1 || gid != (gid_t)-1) && fchownat(s->rootfd, data, uid, gid, 0) < 0)
		r = cb_fail_errno(e, errno, "volume %s: chown to %d:%d", name, (int)uid, (int)gid);
	if (r == 0)
		r = text ? cb_write_atomic(tfd, "volume.json", text, strlen(text), 0644, e) : cb_fail(e, ENOMEM, "out of memory");
	if (r == 0 && renameat(s->rootfd, tmp, s->rootfd, d) < 0)
		r = errno == EEXIST || errno == ENOTEMPTY ? cb_fail(e, EEXIST, "volume with name %s already exists: volume already exists", name)
				    : cb_fail_errno(e, errno, "%s/%s", s->root, d);
	if (r < 0)
		cb_rm_rf_at(s->rootfd, tmp);
	close(tfd);
	free(text);
	if (r == 0 && name_out)
		snprintf(name_out, 65, "%s", name);
	return r;
}

cJSON *cb_volume_inspect(struct cb_store *s, const char *name, cb_err *e)
{
	char d[300];
	if (vol_dir(name, d, sizeof(d)) < 0 || !cb_volume_exists(s, name)) {
		cb_fail(e, ENOENT, "no volume with name \"%s\" found: no such volume", name);
		return NULL;
	}
	strcat(d, "/volume.json");
	cJSON *j = cb_store_read_json(s, d, 1 << 20, e);
	if (!j)
		return NULL;
	/* the image's files are copied in while it is empty (mount.c) */
	strcpy(strrchr(d, '/'), "/_data");
	int fd = openat(s->rootfd, d, O_RDONLY | O_DIRECTORY | O_CLOEXEC), empty = 1;
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	for (struct dirent *de; dir && empty && (de = readdir(dir));)
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	if (dir)
		closedir(dir);
	cJSON_ReplaceItemInObject(j, "NeedsCopyUp", cJSON_CreateBool(empty));
	return j;
}

/* A volume's volume.json rewritten with key set to a boolean. */
static void set_flag(struct cb_store *s, cJSON *j, const char *key, int val)
{
	char d[300];
	cb_err e;
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(j, "Name")) ?: "";
	cJSON_ReplaceItemInObject(j, key, cJSON_CreateBool(val));
	char *text = cb_json_print(j);
	int fd = vol_dir(name, d, sizeof(d)) == 0 ? openat(s->rootfd, d, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	if (fd >= 0 && text && cb_write_atomic(fd, "volume.json", text, strlen(text), 0644, &e) < 0)
		cb_debug("%s", e.msg);
	if (fd >= 0)
		close(fd);
	free(text);
}

int cb_volume_names(struct cb_store *s, char ***names, int *n, cb_err *e)
{
	return cb_store_names(s, "volumes", "", cb_container_name_ok, names, n, e);
}

int cb_volume_user(struct cb_store *s, const char *name, char id[65])
{
	char (*ids)[65];
	int n, found = 0;
	cb_err e;
	if (cb_container_ids(s, &ids, &n, &e) < 0)
		return 0;
	for (int i = 0; i < n && !found; i++) {
		int fd;
		cJSON *cfg, *v;
		if (cb_container_open(s, ids[i], &fd, &cfg, &e) < 0)
			continue;
		cJSON_ArrayForEach(v, cJSON_GetObjectItem(cfg, "volumes"))
			if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(v, "name")) ?: "", name))
				found = 1;
		if (found)
			snprintf(id, 65, "%s", ids[i]);
		cJSON_Delete(cfg);
		close(fd);
	}
	free(ids);
	return found;
}

int cb_volume_rm(struct cb_store *s, const char *name, cb_err *e)
{
	char d[300], id[65];
	if (vol_dir(name, d, sizeof(d)) < 0 || !cb_volume_exists(s, name))
		return cb_fail(e, ENOENT, "no volume with name \"%s\" found: no such volume", name);
	if (cb_volume_user(s, name, id))
		return cb_fail(e, EBUSY, "volume %s is being used by the following container(s): %s: volume is being used",
			       name, id);
	int r = cb_rm_rf_at(s->rootfd, d);
	return r < 0 ? cb_fail_errno(e, -r, "remove %s/%s", s->root, d) : 0;
}

void cb_volume_rm_anon(struct cb_store *s, const cJSON *cfg)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, cJSON_GetObjectItem(cfg, "volumes")) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(v, "name"));
		char d[300];
		if (name && cJSON_IsTrue(cJSON_GetObjectItem(v, "anon")) && vol_dir(name, d, sizeof(d)) == 0)
			cb_rm_rf_at(s->rootfd, d);
	}
}

void cb_volume_rm_anon_at(struct cb_store *s, int dfd)
{
	char *text;
	cb_err e;
	if (cb_read_file_at(dfd, "config.json", 1 << 20, &text, NULL, &e) < 0)
		return;
	cJSON *cfg = cJSON_Parse(text);
	free(text);
	cb_volume_rm_anon(s, cfg);
	cJSON_Delete(cfg);
}

int cb_volumes_resolve(struct cb_store *s, struct cb_volume *v, int nv, cb_err *e)
{
	for (int i = 0; i < nv; i++) {
		char name[65], *src;
		if (!v[i].name && !v[i].anon)
			continue;
		if (v[i].anon || !cb_volume_exists(s, v[i].name)) {
			int r = cb_volume_create(s, v[i].anon ? NULL : v[i].name, NULL, NULL, name, e);
			if (r < 0 && r != -EEXIST) /* EEXIST: another run made it meanwhile */
				return r;
			if (v[i].anon && !(v[i].name = strdup(name)))
				return cb_fail(e, ENOMEM, "out of memory");
		}
		cJSON *j = cb_volume_inspect(s, v[i].name, e), *o = cJSON_GetObjectItem(j, "Options");
		if (!j)
			return -ENOENT;
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(o, "type")) ?: "";
		const char *dev = cJSON_GetStringValue(cJSON_GetObjectItem(o, "device")) ?: "";
		const char *mo = cJSON_GetStringValue(cJSON_GetObjectItem(o, "o")) ?: "";
		v[i].tmpfs = !strcmp(type, "tmpfs");
		int r = v[i].tmpfs ? asprintf(&src, "%s", mo) : !strcmp(type, "bind") ? asprintf(&src, "%s", dev)
			: asprintf(&src, "%s/volumes/%s/_data", s->root, v[i].name);
		if (cJSON_GetObjectItem(o, "nocopy"))
			v[i].copyup = 0;
		if (cJSON_IsTrue(cJSON_GetObjectItem(j, "NeedsChown")))
			set_flag(s, j, "NeedsChown", 0);
		cJSON_Delete(j);
		if (r < 0)
			return cb_fail(e, ENOMEM, "out of memory");
		v[i].src = src;
	}
	return 0;
}

/* A mount's propagation as podman names it. */
static const char *prop_name(unsigned long prop)
{
	for (size_t i = 0; i < CB_ARRAY_SIZE(vol_words); i++)
		if (vol_words[i].prop && vol_words[i].prop == prop)
			return vol_words[i].name;
	return "rprivate";
}

cJSON *cb_volume_mounts(const cJSON *cfg)
{
	cJSON *out = cJSON_CreateArray();
	const cJSON *v;
	for (int pass = 0; pass < 2; pass++) /* volumes first, then binds, as podman lists them */
		cJSON_ArrayForEach(v, cJSON_GetObjectItem(cfg, "volumes")) {
			const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(v, "name"));
			const cJSON *f = cJSON_GetObjectItem(v, "flags");
			unsigned long flags = cJSON_IsNumber(f) ? (unsigned long)f->valuedouble : 0;
			const cJSON *p = cJSON_GetObjectItem(v, "prop");
			if ((name == NULL) != pass)
				continue;
			cJSON *m = cJSON_CreateObject(), *o;
			cJSON_AddStringToObject(m, "Type", name ? "volume" : "bind");
			cJSON_AddStringToObject(m, "Name", name ? name : ""); /* podman omits it; templates want it */
			cJSON_AddItemToObject(m, "Source", cJSON_Duplicate(cJSON_GetObjectItem(v, "src"), 0));
			cJSON_AddItemToObject(m, "Destination", cJSON_Duplicate(cJSON_GetObjectItem(v, "dst"), 0));
			cJSON_AddStringToObject(m, "Driver", name ? "local" : "");
			cJSON_AddStringToObject(m, "Mode", "");
			cJSON_AddItemToObject(m, "Options", o = cJSON_CreateArray());
			for (size_t i = 0; i < 3; i++) /* noexec, nosuid, nodev: vol_words' first three */
				if (flags & vol_words[i].flag)
					cJSON_AddItemToArray(o, cJSON_CreateString(vol_words[i].name));
			cJSON_AddItemToArray(o, cJSON_CreateString("rbind"));
			cJSON_AddBoolToObject(m, "RW", !cJSON_IsTrue(cJSON_GetObjectItem(v, "ro")));
			cJSON_AddStringToObject(m, "Propagation",
						prop_name(cJSON_IsNumber(p) ? (unsigned long)p->valuedouble : 0));
			cJSON_AddItemToArray(out, m);
		}
	return out;
}
