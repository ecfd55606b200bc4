/* volume.c - named and anonymous volumes (see volume.h). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "container.h"
#include "json.h"
#include "state.h"
#include "volume.h"

static int parse_opts(char *opts, struct cb_volume *v, const char *spec, cb_err *e)
{
	for (char *o = opts ? strtok(opts, ",") : NULL; o; o = strtok(NULL, ",")) {
		if (!strcmp(o, "ro") || !strcmp(o, "readonly"))
			v->ro = 1;
		else if (!strcmp(o, "rw"))
			v->ro = 0;
		else if (!strcmp(o, "U"))
			v->chown = 1;
		else if (!strcmp(o, "O"))
			v->overlay = 1;
		else if (strcmp(o, "z") && strcmp(o, "Z"))
			return cb_fail(e, EINVAL, "%s: unknown volume option '%s' (ro, rw, z, Z, U, O)", spec, o);
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
		v->src = s;
		v->dst = dst;
		if (s[0] != '/' && s[0] != '.') { /* NAME:/path */
			if (!cb_container_name_ok(s))
				return cb_fail(e, EINVAL, "%s: invalid volume name '%s': [a-zA-Z0-9][a-zA-Z0-9_.-]*", spec, s);
			v->name = s;
			v->src = NULL;
			v->copyup = 1;
		} else if (s[0] != '/') {
			return cb_fail(e, EINVAL, "%s: the host path must be absolute", spec);
		}
	}
	if (v->dst[0] != '/')
		return cb_fail(e, EINVAL, "%s: the container path must be absolute", spec);
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

int cb_mounts_check(const struct cb_volume *v, int nv, const struct cb_tmpfs *t, int nt, cb_err *e)
{
	for (int i = 0; i < nv + nt; i++)
		for (int j = 0; j < i; j++) {
			char a[4096], b[4096];
			clean(i < nv ? v[i].dst : t[i - nv].dst, a, sizeof(a));
			clean(j < nv ? v[j].dst : t[j - nv].dst, b, sizeof(b));
			if (!strcmp(a, b))
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

int cb_volume_create(struct cb_store *s, const char *name, char name_out[65], cb_err *e)
{
	char d[300], data[320], gen[65];
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
	char now[32], mp[4400];
	cb_state_now(now, sizeof(now));
	snprintf(mp, sizeof(mp), "%s/%s/_data", s->root, d);
	cJSON_AddStringToObject(j, "Name", name);
	cJSON_AddStringToObject(j, "Driver", "local");
	cJSON_AddStringToObject(j, "Mountpoint", mp);
	cJSON_AddStringToObject(j, "CreatedAt", now);
	cJSON_AddObjectToObject(j, "Labels");
	cJSON_AddStringToObject(j, "Scope", "local");
	cJSON_AddObjectToObject(j, "Options");
	cJSON_AddBoolToObject(j, "Anonymous", name == gen);
	char *text = cb_json_print(j);
	cJSON_Delete(j);
	int r = mkdirat(s->rootfd, data, 0755) < 0 ? cb_fail_errno(e, errno, "%s/%s", s->root, data) : 0;
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
	return j;
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
			int r = cb_volume_create(s, v[i].anon ? NULL : v[i].name, name, e);
			if (r < 0 && r != -EEXIST) /* EEXIST: another run made it meanwhile */
				return r;
			if (v[i].anon && !(v[i].name = strdup(name)))
				return cb_fail(e, ENOMEM, "out of memory");
		}
		if (asprintf(&src, "%s/volumes/%s/_data", s->root, v[i].name) < 0)
			return cb_fail(e, ENOMEM, "out of memory");
		v[i].src = src;
	}
	return 0;
}
