/* commit.c - new images from a layer tar (import, commit): the tar is spooled to tmp/
 * while its diff_id is computed, then stored through the layer pipeline of pull and
 * load; the config and an OCI manifest are written and the image recorded. */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "commit.h"
#include "image.h"
#include "layer.h"
#include "manifest.h"
#include "ref.h"

/* ---- --change ---- */

#define MAX_WORDS 64

/* Split s into words at blanks; "..." and '...' quote, a backslash escapes. The words
 * point into buf. Returns their count, or -1 when there are too many. */
static int split_words(const char *s, char *buf, size_t n, char **w)
{
	int nw = 0;
	size_t o = 0;
	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		if (nw == MAX_WORDS)
			return -1;
		w[nw++] = buf + o;
		char q = 0;
		for (; *s && (q || !isspace((unsigned char)*s)); s++) {
			if (q && *s == q) {
				q = 0;
			} else if (!q && (*s == '"' || *s == '\'')) {
				q = *s;
			} else {
				if (*s == '\\' && q != '\'' && s[1])
					s++;
				if (o + 1 < n)
					buf[o++] = *s;
			}
		}
		buf[o < n ? o++ : n - 1] = '\0';
	}
	return nw;
}

/* A JSON array of strings (exec form), or NULL. */
static cJSON *json_list(const char *v)
{
	cJSON *a = v[0] == '[' ? cJSON_Parse(v) : NULL, *it;
	if (!cJSON_IsArray(a))
		goto bad;
	cJSON_ArrayForEach(it, a)
		if (!cJSON_IsString(it))
			goto bad;
	return a;
bad:
	cJSON_Delete(a);
	return NULL;
}

static void set_item(cJSON *o, const char *k, cJSON *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, k);
	cJSON_AddItemToObject(o, k, v);
}

static cJSON *object_in(cJSON *o, const char *k)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsObject(v)) {
		v = cJSON_CreateObject();
		set_item(o, k, v);
	}
	return v;
}

/* ENV KEY=VALUE: replaces an earlier KEY. */
static void set_env(cJSON *cfg, const char *key, const char *val)
{
	cJSON *env = cJSON_GetObjectItemCaseSensitive(cfg, "Env"), *it;
	if (!cJSON_IsArray(env)) {
		env = cJSON_CreateArray();
		set_item(cfg, "Env", env);
	}
	size_t kl = strlen(key);
	char *kv = malloc(kl + strlen(val) + 2);
	if (!kv)
		return;
	sprintf(kv, "%s=%s", key, val);
	int i = 0;
	cJSON_ArrayForEach(it, env) {
		if (cJSON_IsString(it) && !strncmp(it->valuestring, key, kl) && it->valuestring[kl] == '=') {
			cJSON_ReplaceItemInArray(env, i, cJSON_CreateString(kv));
			free(kv);
			return;
		}
		i++;
	}
	cJSON_AddItemToArray(env, cJSON_CreateString(kv));
	free(kv);
}

/* ENV and LABEL: "KEY VALUE..." or "K=V K2=V2". */
static int key_values(cJSON *cfg, int env, const char *args, const char *change, cb_err *e)
{
	char buf[8192], *w[MAX_WORDS];
	int nw = split_words(args, buf, sizeof(buf), w);
	if (nw < 0)
		return cb_fail(e, EINVAL, "invalid change \"%s\" - too many words", change);
	if (nw > 0 && !strchr(w[0], '=')) {
		/* KEY VALUE: the rest of the line is the value (its quotes taken out) */
		char val[8192];
		size_t o = 0;
		val[0] = '\0';
		for (int i = 1; i < nw; i++)
			o += (size_t)snprintf(val + o, o < sizeof(val) ? sizeof(val) - o : 0, "%s%s", i > 1 ? " " : "", w[i]);
		if (env)
			set_env(cfg, w[0], val);
		else
			set_item(object_in(cfg, "Labels"), w[0], cJSON_CreateString(val));
		return 0;
	}
	for (int i = 0; i < nw; i++) {
		char *eq = strchr(w[i], '=');
		if (!eq || eq == w[i])
			return cb_fail(e, EINVAL, "invalid change \"%s\" - %s: not KEY=VALUE", change, w[i]);
		*eq = '\0';
		if (env)
			set_env(cfg, w[i], eq + 1);
		else
			set_item(object_in(cfg, "Labels"), w[i], cJSON_CreateString(eq + 1));
	}
	return 0;
}

int cb_change_apply(cJSON *cfg, const char *change, cb_err *e)
{
	static const char *const known[] = { "CMD",        "ENTRYPOINT", "ENV",  "EXPOSE",  "LABEL",
					     "STOPSIGNAL", "USER",       "VOLUME", "WORKDIR" };
	const char *s = change + strspn(change, " \t");
	size_t il = strcspn(s, " \t");
	if (!s[il])
		il = strcspn(s, "=");
	char instr[16] = "";
	if (il < sizeof(instr))
		for (size_t i = 0; i < il; i++)
			instr[i] = (char)toupper((unsigned char)s[i]);
	size_t k = 0;
	while (k < CB_ARRAY_SIZE(known) && strcmp(known[k], instr))
		k++;
	if (k == CB_ARRAY_SIZE(known))
		return cb_fail(e, EINVAL, "invalid change \"%s\" - invalid instruction %.*s", change, (int)il, s);
	char args[8192];
	snprintf(args, sizeof(args), "%s", s[il] ? s + il + 1 : "");
	char *a = args + strspn(args, " \t");
	for (size_t l = strlen(a); l && isspace((unsigned char)a[l - 1]); l--)
		a[l - 1] = '\0';
	if (!*a && strcmp(instr, "CMD") && strcmp(instr, "ENTRYPOINT"))
		return cb_fail(e, EINVAL, "invalid change \"%s\" - no value given for instruction %s", change, instr);
	if (!strcmp(instr, "CMD") || !strcmp(instr, "ENTRYPOINT")) {
		cJSON *list = json_list(a);
		if (!list) {
			list = cJSON_CreateArray();
			if (*a) {
				cJSON_AddItemToArray(list, cJSON_CreateString("/bin/sh"));
				cJSON_AddItemToArray(list, cJSON_CreateString("-c"));
				cJSON_AddItemToArray(list, cJSON_CreateString(a));
			}
		}
		set_item(cfg, instr[0] == 'C' ? "Cmd" : "Entrypoint", list);
		return 0;
	}
	if (!strcmp(instr, "ENV") || !strcmp(instr, "LABEL"))
		return key_values(cfg, instr[0] == 'E', a, change, e);
	if (!strcmp(instr, "EXPOSE") || !strcmp(instr, "VOLUME")) {
		char buf[8192], *w[MAX_WORDS], port[64];
		cJSON *list = instr[0] == 'V' ? json_list(a) : NULL, *it;
		int nw = list ? 0 : split_words(a, buf, sizeof(buf), w);
		if (nw < 0)
			return cb_fail(e, EINVAL, "invalid change \"%s\" - too many words", change);
		cJSON *set = object_in(cfg, instr[0] == 'V' ? "Volumes" : "ExposedPorts");
		cJSON_ArrayForEach(it, list)
			set_item(set, it->valuestring, cJSON_CreateObject());
		cJSON_Delete(list);
		for (int i = 0; i < nw; i++) {
			if (instr[0] == 'E') {
				char *end;
				unsigned long p = strtoul(w[i], &end, 10);
				if (end == w[i] || p > 65535 || (*end && strcmp(end, "/tcp") && strcmp(end, "/udp") &&
								 strcmp(end, "/sctp")))
					return cb_fail(e, EINVAL, "invalid change \"%s\" - invalid port %s", change, w[i]);
				snprintf(port, sizeof(port), "%lu%s", p, *end ? end : "/tcp");
			}
			set_item(set, instr[0] == 'E' ? port : w[i], cJSON_CreateObject());
		}
		return 0;
	}
	/* STOPSIGNAL, USER, WORKDIR: one value */
	static const char *const keys[] = { "StopSignal", "User", "WorkingDir" };
	set_item(cfg, keys[instr[0] == 'S' ? 0 : instr[0] == 'U' ? 1 : 2], cJSON_CreateString(a));
	return 0;
}

int cb_commit_option(struct cb_commit_opts *o, int c, const char *arg, cb_err *e)
{
	if (c == CB_COMMIT_O_MESSAGE)
		o->message = arg;
	if (c != CB_COMMIT_O_CHANGE)
		return 0;
	if (o->nchanges == (int)CB_ARRAY_SIZE(o->changes))
		return cb_fail(e, E2BIG, "more than %d --change", (int)CB_ARRAY_SIZE(o->changes));
	o->changes[o->nchanges++] = arg;
	return 0;
}

const char *cb_commit_operands(int argc, char **argv, int ind, struct cb_commit_opts *o, char *name, size_t n,
			       cb_err *e)
{
	if (argc - ind < 1 || argc - ind > 2) {
		cb_fail(e, EINVAL, "%s: name the source and at most an image name", argv[0]);
		return NULL;
	}
	if (ind + 1 < argc) {
		struct cb_ref r;
		if (cb_ref_parse(argv[ind + 1], &r, e) < 0)
			return NULL;
		if (r.digest[0]) {
			cb_fail(e, EINVAL, "%s: a name cannot carry a digest", argv[ind + 1]);
			return NULL;
		}
		if (!r.registry[0])
			cb_ref_qualify(&r, "localhost", e);
		cb_ref_format(&r, name, n);
		o->name = name;
	}
	return argv[ind];
}

/* ---- the image ---- */

/* Copy the stream into fd, hashing it: diff_id and size. */
static int spool(struct cb_reader *in, int fd, char *diff_id, long long *size, cb_err *e)
{
	struct cb_sha256 h;
	char buf[65536];
	ssize_t n;
	*size = 0;
	cb_sha256_init(&h);
	while ((n = cb_read(in, buf, sizeof(buf), e)) > 0) {
		cb_sha256_update(&h, buf, (size_t)n);
		*size += n;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0)
				return cb_fail_errno(e, errno, "spooling the layer");
			off += w;
		}
	}
	if (n < 0)
		return (int)n;
	if (*size == 0)
		return cb_fail(e, EINVAL, "the archive is empty");
	cb_sha256_final(&h, diff_id);
	return lseek(fd, 0, SEEK_SET) < 0 ? cb_fail_errno(e, errno, "spooled layer") : 0;
}

/* What the container ran becomes what the image runs (podman's commit): after the
 * image's Entrypoint its Cmd, with none its Cmd, else (another --entrypoint) its
 * Entrypoint with no Cmd. Nothing changes when it ran the image's own. */
static void take_command(cJSON *cfg, const cJSON *args)
{
	const cJSON *ep = cJSON_GetObjectItemCaseSensitive(cfg, "Entrypoint");
	const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(cfg, "Cmd");
	int ne = cJSON_IsArray(ep) ? cJSON_GetArraySize(ep) : 0, nc = cJSON_IsArray(cmd) ? cJSON_GetArraySize(cmd) : 0;
	int na = cJSON_GetArraySize(args), prefix = na >= ne;
	for (int i = 0; prefix && i < ne; i++)
		prefix = cJSON_Compare(cJSON_GetArrayItem(ep, i), cJSON_GetArrayItem(args, i), 1);
	int same = prefix && na == ne + nc;
	for (int i = 0; same && i < nc; i++)
		same = cJSON_Compare(cJSON_GetArrayItem(cmd, i), cJSON_GetArrayItem(args, ne + i), 1);
	if (same || !cJSON_IsArray(args))
		return;
	cJSON *rest = cJSON_CreateArray();
	for (int i = prefix ? ne : 0; i < na; i++)
		cJSON_AddItemToArray(rest, cJSON_Duplicate(cJSON_GetArrayItem(args, i), 1));
	if (prefix) {
		set_item(cfg, "Cmd", rest);
	} else {
		set_item(cfg, "Entrypoint", rest);
		cJSON_DeleteItemFromObjectCaseSensitive(cfg, "Cmd");
	}
}

/* The new config: the parent's (or a fresh one for the host's platform), the changes,
 * the new diff_id, a history entry. */
static cJSON *new_config(struct cb_store *s, const struct cb_commit_opts *o, cb_err *e)
{
	cJSON *c;
	if (o->base) {
		char *text;
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o->base, "id"));
		if (cb_store_get_blob(s, id, &text, NULL, e) < 0)
			return NULL;
		c = cJSON_Parse(text);
		free(text);
		if (!cJSON_IsObject(c)) {
			cJSON_Delete(c);
			cb_fail(e, EINVAL, "image %s: config is not a JSON object", id);
			return NULL;
		}
	} else {
		struct cb_platform p;
		cb_platform_host(&p);
		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "architecture", p.arch);
		cJSON_AddStringToObject(c, "os", p.os);
		if (p.variant[0])
			cJSON_AddStringToObject(c, "variant", p.variant);
	}
	cJSON *cfg = object_in(c, "config");
	if (o->args)
		take_command(cfg, o->args);
	for (int i = 0; i < o->nchanges; i++)
		if (cb_change_apply(cfg, o->changes[i], e) < 0) {
			cJSON_Delete(c);
			return NULL;
		}
	char now[32];
	time_t t = time(NULL);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	set_item(c, "created", cJSON_CreateString(now));
	if (o->author)
		set_item(c, "author", cJSON_CreateString(o->author));
	cJSON *rootfs = object_in(c, "rootfs");
	set_item(rootfs, "type", cJSON_CreateString("layers"));
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(rootfs, "diff_ids")))
		set_item(rootfs, "diff_ids", cJSON_CreateArray());
	cJSON *hist = cJSON_GetObjectItemCaseSensitive(c, "history");
	if (!cJSON_IsArray(hist)) {
		hist = cJSON_CreateArray();
		set_item(c, "history", hist);
	}
	cJSON *h = cJSON_CreateObject();
	cJSON_AddStringToObject(h, "created", now);
	if (o->created_by)
		cJSON_AddStringToObject(h, "created_by", o->created_by);
	if (o->author)
		cJSON_AddStringToObject(h, "author", o->author);
	if (o->message)
		cJSON_AddStringToObject(h, "comment", o->message);
	cJSON_AddItemToArray(hist, h);
	return c;
}

/* The parent's layers (as its manifest lists them) plus room for one more. */
static int base_layers(struct cb_store *s, const cJSON *base, struct cb_manifest *m, cb_err *e)
{
	memset(m, 0, sizeof(*m));
	if (base) {
		char *doc;
		size_t len;
		const char *dg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(base, "digest"));
		int r = cb_store_get_blob(s, dg, &doc, &len, e);
		if (r == 0)
			r = cb_manifest_parse(doc, len, NULL, m, e);
		if (r == 0 && m->kind != CB_MANIFEST_IMAGE)
			r = cb_fail(e, EINVAL, "image manifest %s: not an image manifest", dg);
		free(doc);
		if (r < 0)
			return r;
	}
	void *p = realloc(m->layers, sizeof(*m->layers) * (size_t)(m->nlayers + 1));
	if (!p)
		return cb_fail(e, ENOMEM, "out of memory");
	m->layers = p;
	memset(&m->layers[m->nlayers], 0, sizeof(*m->layers));
	m->kind = CB_MANIFEST_IMAGE;
	return 0;
}

static char *manifest_text(const struct cb_manifest *m, size_t config_len)
{
	cJSON *man = cJSON_CreateObject();
	cJSON_AddNumberToObject(man, "schemaVersion", 2);
	cJSON_AddStringToObject(man, "mediaType", CB_MT_OCI_MANIFEST);
	cJSON *cd = cJSON_AddObjectToObject(man, "config");
	cJSON_AddStringToObject(cd, "mediaType", "application/vnd.oci.image.config.v1+json");
	cJSON_AddStringToObject(cd, "digest", m->config_digest);
	cJSON_AddNumberToObject(cd, "size", (double)config_len);
	cJSON *layers = cJSON_AddArrayToObject(man, "layers");
	for (int i = 0; i < m->nlayers; i++) {
		cJSON *ld = cJSON_CreateObject();
		cJSON_AddStringToObject(ld, "mediaType", cb_layer_media_type(m->layers[i].compression));
		cJSON_AddStringToObject(ld, "digest", m->layers[i].digest);
		cJSON_AddNumberToObject(ld, "size", (double)m->layers[i].size);
		cJSON_AddItemToArray(layers, ld);
	}
	char *t = cJSON_PrintUnformatted(man);
	cJSON_Delete(man);
	return t;
}

int cb_commit_tar(struct cb_store *s, struct cb_reader *tar, const struct cb_commit_opts *o,
		  char id[CB_DIGEST_LEN + 1], cb_err *e)
{
	struct cb_manifest m;
	char tmp[128], diff_id[CB_DIGEST_LEN + 1], mdigest[CB_DIGEST_LEN + 1];
	char *config = NULL, *mtext = NULL;
	long long size = 0;
	cJSON *c = new_config(s, o, e); /* a bad --change fails here, before any work */
	if (!c)
		return -EINVAL;
	int r = base_layers(s, o->base, &m, e);
	int tmpfd = r < 0 ? r : cb_store_tmp_make(s, "commit", tmp, sizeof(tmp), e);
	int fd = tmpfd < 0 ? tmpfd : openat(tmpfd, "layer.tar", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (tmpfd >= 0 && fd < 0)
		r = cb_fail_errno(e, errno, "%s/%s/layer.tar", s->root, tmp);
	else if (fd < 0)
		r = fd;
	if (r == 0)
		r = spool(tar, fd, diff_id, &size, e);
	if (r == 0) {
		struct cb_layer_desc *l = &m.layers[m.nlayers++];
		strcpy(l->digest, diff_id);
		l->size = size;
		l->compression = 1; /* kept as it came: save rebuilds it byte for byte */
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "rootfs"),
								     "diff_ids"),
				     cJSON_CreateString(diff_id));
		config = cJSON_PrintUnformatted(c);
		cb_sha256_digest(config, strlen(config), m.config_digest);
		m.config_size = (long long)strlen(config);
		r = cb_config_apply(&m, config, NULL, e);
	}
	if (r == 0) {
		struct cb_layer_desc *l = &m.layers[m.nlayers - 1];
		struct cb_unpack_stats st = { 0 };
		int lock = cb_layer_lock(s, l, e);
		struct cb_reader in = cb_fd_reader(&fd);
		r = lock < 0 ? lock : cb_store_has_layer(s, l->chain_id) ? 0 : cb_layer_store(s, &in, l, &st, e);
		if (lock >= 0)
			close(lock);
		if (r == 0)
			cb_layer_report(m.config_digest, &st);
	}
	if (r == 0 && !(mtext = manifest_text(&m, strlen(config))))
		r = cb_fail(e, ENOMEM, "out of memory");
	if (r == 0) {
		cb_sha256_digest(mtext, strlen(mtext), mdigest);
		r = cb_store_put_blob(s, m.config_digest, config, strlen(config), e);
	}
	if (r == 0)
		r = cb_store_put_blob(s, mdigest, mtext, strlen(mtext), e);
	if (r == 0)
		r = cb_image_record(s, o->name, NULL, mdigest, config, &m, e);
	if (r == 0)
		strcpy(id, m.config_digest);
	if (fd >= 0)
		close(fd);
	if (tmpfd >= 0) {
		cb_rm_rf_at(s->rootfd, tmp);
		close(tmpfd);
	}
	free(config);
	free(mtext);
	cJSON_Delete(c);
	cb_manifest_free(&m);
	return r;
}
