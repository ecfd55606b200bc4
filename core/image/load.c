/* load.c - docker-archive (manifest.json) and OCI image layouts (index.json): the archive
 * is spooled to tmp/ first, since its index may come after the layers; then each layer
 * goes through the same verified pipeline as a pull. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "decompress.h"
#include "image.h"
#include "layer.h"
#include "load.h"
#include "manifest.h"
#include "ref.h"
#include "tar.h"

#define MAX_ENTRIES 100000

struct spool_entry {
	char *path;   /* normalised archive path */
	char *target; /* symlink target, resolved to an archive path; NULL for files */
	int idx;      /* spool file number */
};

struct spool {
	struct cb_store *s;
	char dir[128];
	int dirfd;
	struct spool_entry *ents;
	int n, cap;
};

/* "./a//b/../c" -> "a/c" (base/p for a link target); NULL for absolute paths and for
 * ".." that climbs out of the archive. */
static char *normalise(const char *base, const char *p)
{
	char buf[8192];
	snprintf(buf, sizeof(buf), "%s%s%s", base ? base : "", base && *base ? "/" : "", p);
	if (buf[0] == '/')
		return NULL;
	char out[8192];
	size_t o = 0;
	for (char *tok = strtok(buf, "/"); tok; tok = strtok(NULL, "/")) {
		if (!strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..")) {
			if (o == 0)
				return NULL;
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", o ? "/" : "", tok);
	}
	out[o] = '\0';
	return strdup(out);
}

static int spool_add(struct spool *sp, char *path, char *target, int idx, cb_err *e)
{
	if (sp->n == MAX_ENTRIES)
		return cb_fail(e, EFBIG, "archive has more than %d entries", MAX_ENTRIES);
	if (sp->n == sp->cap) {
		int cap = sp->cap ? sp->cap * 2 : 64;
		void *p = realloc(sp->ents, sizeof(*sp->ents) * (size_t)cap);
		if (!p)
			return cb_fail(e, ENOMEM, "out of memory");
		sp->ents = p;
		sp->cap = cap;
	}
	sp->ents[sp->n++] = (struct spool_entry){ path, target, idx };
	return 0;
}

static int copy_out(struct cb_reader *from, int fd, cb_err *e)
{
	char buf[65536];
	ssize_t n;
	while ((n = cb_read(from, buf, sizeof(buf), e)) > 0)
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0)
				return cb_fail_errno(e, errno, "spooling the archive");
			off += w;
		}
	return (int)n;
}

static int spool_archive(struct spool *sp, struct cb_reader *tar_in, cb_err *e)
{
	struct cb_tar *t;
	const struct cb_tar_entry *ent;
	int r = cb_tar_open(tar_in, &t, e), files = 0;
	while (r == 0 && (r = cb_tar_next(t, &ent, e)) == 1) {
		r = 0;
		char *path = normalise(NULL, ent->path);
		if (!path) {
			r = cb_fail(e, EINVAL, "archive entry '%s': path escapes the archive", ent->path);
			break;
		}
		if (ent->type == CB_TAR_SYMLINK || ent->type == CB_TAR_HARDLINK) {
			char *dir = strdup(path), *slash = strrchr(dir, '/');
			if (slash)
				*slash = '\0';
			else
				dir[0] = '\0';
			char *target = ent->type == CB_TAR_HARDLINK ? normalise(NULL, ent->linkpath) : normalise(dir, ent->linkpath);
			free(dir);
			if (!target) {
				free(path);
				r = cb_fail(e, EINVAL, "archive entry '%s': link escapes the archive", ent->path);
				break;
			}
			r = spool_add(sp, path, target, -1, e);
			continue;
		}
		if (ent->type != CB_TAR_REG) {
			free(path);
			continue;
		}
		char name[32];
		snprintf(name, sizeof(name), "%d", files);
		int fd = openat(sp->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			free(path);
			r = cb_fail_errno(e, errno, "%s/%s/%s", sp->s->root, sp->dir, name);
			break;
		}
		struct cb_reader contents = cb_tar_contents(t);
		r = copy_out(&contents, fd, e);
		close(fd);
		if (r == 0)
			r = spool_add(sp, path, NULL, files++, e);
		else
			free(path);
	}
	cb_tar_free(t);
	return r < 0 ? r : 0;
}

/* The spool file for an archive path, following links (a few levels). */
static int spool_find(struct spool *sp, const char *path, cb_err *e)
{
	char cur[8192];
	snprintf(cur, sizeof(cur), "%s", path);
	for (int depth = 0; depth < 8; depth++) {
		int found = 0;
		for (int i = sp->n - 1; i >= 0; i--) {
			if (strcmp(sp->ents[i].path, cur) != 0)
				continue;
			if (sp->ents[i].idx >= 0)
				return sp->ents[i].idx;
			snprintf(cur, sizeof(cur), "%s", sp->ents[i].target);
			found = 1;
			break;
		}
		if (!found)
			break;
	}
	return cb_fail(e, ENOENT, "archive has no file '%s'", path);
}

static int spool_open(struct spool *sp, const char *path, cb_err *e)
{
	int idx = spool_find(sp, path, e);
	if (idx < 0)
		return idx;
	char name[32];
	snprintf(name, sizeof(name), "%d", idx);
	int fd = openat(sp->dirfd, name, O_RDONLY | O_CLOEXEC);
	return fd >= 0 ? fd : cb_fail_errno(e, errno, "spooled '%s'", path);
}

static int spool_read(struct spool *sp, const char *path, char **data, size_t *len, cb_err *e)
{
	int idx = spool_find(sp, path, e);
	if (idx < 0)
		return idx;
	char name[32];
	snprintf(name, sizeof(name), "%d", idx);
	int r = cb_read_file_at(sp->dirfd, name, 64 << 20, data, len, e);
	return r < 0 ? cb_err_prefix(e, "archive file '%s'", path) : 0;
}

/* sha256 and size of a spooled file; the compression from its first bytes. */
static int file_digest(int fd, char *digest, long long *size, int *compression, cb_err *e)
{
	struct cb_sha256 h;
	unsigned char buf[65536];
	ssize_t n;
	long long total = 0;
	cb_sha256_init(&h);
	*compression = 1;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (total == 0 && n >= 4) {
			if (buf[0] == 0x1f && buf[1] == 0x8b)
				*compression = 2;
			else if (buf[0] == 0x28 && buf[1] == 0xb5 && buf[2] == 0x2f && buf[3] == 0xfd)
				*compression = 3;
		}
		cb_sha256_update(&h, buf, (size_t)n);
		total += n;
	}
	if (n < 0)
		return cb_fail_errno(e, errno, "reading the spooled archive");
	cb_sha256_final(&h, digest);
	*size = total;
	lseek(fd, 0, SEEK_SET);
	return 0;
}

static int store_layer_from(struct spool *sp, int fd, const struct cb_layer_desc *l, struct cb_unpack_stats *st,
			    cb_err *e)
{
	int lock CB_AUTOCLOSE = cb_layer_lock(sp->s, l, e);
	if (lock < 0)
		return lock;
	if (cb_store_has_layer(sp->s, l->chain_id))
		return 0;
	struct cb_reader r = cb_fd_reader(&fd);
	return cb_layer_store(sp->s, &r, l, st, e);
}

static void add_loaded(char **loaded, const char *line)
{
	size_t old = *loaded ? strlen(*loaded) : 0;
	char *p = realloc(*loaded, old + strlen(line) + 2);
	if (!p)
		return;
	sprintf(p + old, "%s\n", line);
	*loaded = p;
}

/* The config blob and the index entry, once every layer is in the store. */
static int record_loaded(struct spool *sp, const struct cb_manifest *m, const char *config, size_t config_len,
			 const char *manifest_digest, cJSON *names, char **loaded, cb_err *e)
{
	int r = cb_store_put_blob(sp->s, m->config_digest, config, config_len, e);
	int named = 0;
	cJSON *n;
	cJSON_ArrayForEach(n, names) {
		if (r == 0)
			r = cb_image_record(sp->s, n->valuestring, NULL, manifest_digest, config, m, e);
		if (r == 0)
			add_loaded(loaded, n->valuestring);
		named = 1;
	}
	if (r == 0 && !named) {
		r = cb_image_record(sp->s, NULL, NULL, manifest_digest, config, m, e);
		if (r == 0)
			add_loaded(loaded, m->config_digest);
	}
	return r;
}

/* A reference as archives spell it: docker's short names are docker.io's. */
static cJSON *names_from(cJSON *list, const char *default_registry)
{
	cJSON *out = cJSON_CreateArray(), *it;
	cJSON_ArrayForEach(it, list) {
		struct cb_ref ref;
		cb_err e;
		char full[700];
		if (!cJSON_IsString(it) || cb_ref_parse(it->valuestring, &ref, &e) < 0) {
			cb_warn("load: ignoring the name '%s'", cJSON_IsString(it) ? it->valuestring : "?");
			continue;
		}
		if (!ref.registry[0])
			cb_ref_qualify(&ref, default_registry, &e);
		cb_ref_format(&ref, full, sizeof(full));
		cJSON_AddItemToArray(out, cJSON_CreateString(full));
	}
	return out;
}

/* docker-archive: manifest.json lists Config, RepoTags and Layers (paths). The layer
 * files are the blobs; an OCI manifest is written for them. */
static int load_docker(struct spool *sp, char **loaded, cb_err *e)
{
	char *text;
	int r = spool_read(sp, "manifest.json", &text, NULL, e);
	if (r < 0)
		return r;
	cJSON *list = cJSON_Parse(text), *img;
	free(text);
	if (!cJSON_IsArray(list)) {
		cJSON_Delete(list);
		return cb_fail(e, EINVAL, "docker-archive: manifest.json is not a list");
	}
	cJSON_ArrayForEach(img, list) {
		const char *cfg_path = cJSON_GetStringValue(cJSON_GetObjectItem(img, "Config"));
		cJSON *layers = cJSON_GetObjectItem(img, "Layers");
		char *config = NULL;
		size_t config_len;
		struct cb_manifest m = { 0 };
		struct cb_unpack_stats st = { 0 };
		if (!cfg_path || !cJSON_IsArray(layers)) {
			r = cb_fail(e, EINVAL, "docker-archive: an image in manifest.json lacks Config or Layers");
			break;
		}
		if ((r = spool_read(sp, cfg_path, &config, &config_len, e)) < 0)
			break;
		m.kind = CB_MANIFEST_IMAGE;
		cb_sha256_digest(config, config_len, m.config_digest);
		m.config_size = (long long)config_len;
		m.nlayers = cJSON_GetArraySize(layers);
		m.layers = calloc((size_t)m.nlayers + 1, sizeof(*m.layers));
		r = m.layers ? cb_config_apply(&m, config, NULL, e) : cb_fail(e, ENOMEM, "out of memory");
		/* The OCI manifest that describes the layers as the archive holds them. */
		cJSON *man = cJSON_CreateObject(), *mlayers;
		cJSON_AddNumberToObject(man, "schemaVersion", 2);
		cJSON_AddStringToObject(man, "mediaType", CB_MT_OCI_MANIFEST);
		cJSON *cd = cJSON_AddObjectToObject(man, "config");
		cJSON_AddStringToObject(cd, "mediaType", "application/vnd.oci.image.config.v1+json");
		cJSON_AddStringToObject(cd, "digest", m.config_digest);
		cJSON_AddNumberToObject(cd, "size", (double)config_len);
		mlayers = cJSON_AddArrayToObject(man, "layers");
		for (int i = 0; r == 0 && i < m.nlayers; i++) {
			struct cb_layer_desc *l = &m.layers[i];
			const char *lp = cJSON_GetStringValue(cJSON_GetArrayItem(layers, i));
			int fd = lp ? spool_open(sp, lp, e) : cb_fail(e, EINVAL, "docker-archive: bad Layers entry");
			if (fd < 0) {
				r = fd;
				break;
			}
			r = file_digest(fd, l->digest, &l->size, &l->compression, e);
			if (r == 0)
				r = store_layer_from(sp, fd, l, &st, e);
			close(fd);
			cJSON *ld = cJSON_CreateObject();
			cJSON_AddStringToObject(ld, "mediaType", cb_layer_media_type(l->compression));
			cJSON_AddStringToObject(ld, "digest", l->digest);
			cJSON_AddNumberToObject(ld, "size", (double)l->size);
			cJSON_AddItemToArray(mlayers, ld);
		}
		char *mtext = cJSON_PrintUnformatted(man), mdigest[CB_DIGEST_LEN + 1];
		cJSON_Delete(man);
		if (r == 0 && mtext) {
			cb_sha256_digest(mtext, strlen(mtext), mdigest);
			r = cb_store_put_blob(sp->s, mdigest, mtext, strlen(mtext), e);
		}
		cJSON *names = names_from(cJSON_GetObjectItem(img, "RepoTags"), "docker.io");
		if (r == 0)
			r = record_loaded(sp, &m, config, config_len, mdigest, names, loaded, e);
		if (r == 0)
			cb_layer_report(m.config_digest, &st);
		cJSON_Delete(names);
		free(mtext);
		free(config);
		cb_manifest_free(&m);
		if (r < 0)
			break;
	}
	cJSON_Delete(list);
	return r;
}

static int blob_path(const char *digest, char *out, size_t n, cb_err *e)
{
	if (cb_digest_check(digest, "oci-archive descriptor", e) < 0)
		return -EINVAL;
	snprintf(out, n, "blobs/sha256/%s", cb_digest_hex(digest));
	return 0;
}

/* A verified blob of an OCI layout. */
static int oci_blob(struct spool *sp, const char *digest, char **data, size_t *len, cb_err *e)
{
	char path[100], got[CB_DIGEST_LEN + 1];
	int r = blob_path(digest, path, sizeof(path), e);
	if (r == 0)
		r = spool_read(sp, path, data, len, e);
	if (r < 0)
		return r;
	cb_sha256_digest(*data, *len, got);
	if (strcmp(got, digest) != 0) {
		free(*data);
		*data = NULL; /* the caller frees what it holds at its end */
		return cb_fail(e, EBADMSG, "oci-archive blob %s: digest mismatch (got %s)", digest, got);
	}
	return 0;
}

static int load_oci(struct spool *sp, char **loaded, cb_err *e)
{
	char *text;
	int r = spool_read(sp, "index.json", &text, NULL, e);
	if (r < 0)
		return r;
	cJSON *index = cJSON_Parse(text), *d;
	free(text);
	struct cb_platform host;
	cb_platform_host(&host);
	cJSON_ArrayForEach(d, cJSON_GetObjectItem(index, "manifests")) {
		char digest[CB_DIGEST_LEN + 1], *doc = NULL, *config = NULL;
		size_t len, config_len;
		struct cb_manifest m = { 0 };
		struct cb_unpack_stats st = { 0 };
		const char *dg = cJSON_GetStringValue(cJSON_GetObjectItem(d, "digest"));
		const char *mt = cJSON_GetStringValue(cJSON_GetObjectItem(d, "mediaType"));
		if ((r = cb_digest_check(dg, "oci-archive index.json", e)) < 0)
			break;
		strcpy(digest, dg);
		r = oci_blob(sp, digest, &doc, &len, e);
		if (r == 0)
			r = cb_manifest_parse(doc, len, mt, &m, e);
		if (r == 0 && m.kind == CB_MANIFEST_INDEX) {
			char mt2[128];
			r = cb_index_select(doc, &host, digest, mt2, sizeof(mt2), e);
			free(doc);
			doc = NULL;
			if (r == 0)
				r = oci_blob(sp, digest, &doc, &len, e);
			if (r == 0)
				r = cb_manifest_parse(doc, len, mt2[0] ? mt2 : NULL, &m, e);
		}
		if (r == 0)
			r = cb_store_put_blob(sp->s, digest, doc, len, e);
		if (r == 0)
			r = oci_blob(sp, m.config_digest, &config, &config_len, e);
		cJSON *annot = cJSON_GetObjectItem(d, "annotations");
		const char *ref = cJSON_GetStringValue(cJSON_GetObjectItem(annot, "org.opencontainers.image.ref.name"));
		cJSON *list = cJSON_CreateArray();
		/* A bare tag ("latest") names no repository: the image stays unnamed. */
		if (ref && (strchr(ref, '/') || strchr(ref, ':')))
			cJSON_AddItemToArray(list, cJSON_CreateString(ref));
		cJSON *names = names_from(list, "localhost");
		cJSON_Delete(list);
		if (r == 0)
			r = cb_config_apply(&m, config, NULL, e);
		for (int i = 0; r == 0 && i < m.nlayers; i++) {
			char path[100];
			int fd = blob_path(m.layers[i].digest, path, sizeof(path), e);
			if (fd == 0)
				fd = spool_open(sp, path, e);
			r = fd < 0 ? fd : store_layer_from(sp, fd, &m.layers[i], &st, e);
			if (fd >= 0)
				close(fd);
		}
		if (r == 0)
			r = record_loaded(sp, &m, config, config_len, digest, names, loaded, e);
		if (r == 0)
			cb_layer_report(m.config_digest, &st);
		cJSON_Delete(names);
		free(doc);
		free(config);
		cb_manifest_free(&m);
		if (r < 0)
			break;
	}
	cJSON_Delete(index);
	return r;
}

int cb_load(struct cb_store *s, struct cb_reader *in, char **loaded, cb_err *e)
{
	struct spool sp = { s, "", -1, NULL, 0, 0 };
	struct cb_decompressor *dz = NULL;
	struct cb_reader tar_in;
	*loaded = NULL;
	sp.dirfd = cb_store_tmp_make(s, "load", sp.dir, sizeof(sp.dir), e);
	if (sp.dirfd < 0)
		return sp.dirfd;
	int r = 0;
	if (r == 0)
		r = cb_decompress_open(in, CB_COMP_AUTO, &tar_in, &dz, e);
	if (r == 0 && (r = spool_archive(&sp, &tar_in, e)) < 0 && sp.n == 0)
		cb_err_prefix(e, "payload does not match any of the supported image formats"); /* podman's words */
	if (r == 0) {
		int is_oci = spool_find(&sp, "index.json", e) >= 0 && spool_find(&sp, "oci-layout", e) >= 0;
		int is_docker = spool_find(&sp, "manifest.json", e) >= 0;
		if (is_docker)
			r = load_docker(&sp, loaded, e);
		else if (is_oci)
			r = load_oci(&sp, loaded, e);
		else
			r = cb_fail(e, EINVAL, "payload does not match any of the supported image formats: not a "
				    "docker-archive (manifest.json) nor an oci-archive (oci-layout, index.json)");
	}
	cb_decompress_free(dz);
	for (int i = 0; i < sp.n; i++) {
		free(sp.ents[i].path);
		free(sp.ents[i].target);
	}
	free(sp.ents);
	cb_rm_rf_at(s->rootfd, sp.dir);
	close(sp.dirfd); /* our lock on it: only now */
	return r;
}
