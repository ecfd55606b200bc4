/* manifest.c - image manifests, indexes and configs. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include <cjson/cJSON.h>

#include "manifest.h"

static const char *str(cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* Content-Type may carry parameters ("...+json; charset=utf-8"). */
static void bare_type(const char *in, char *out, size_t n)
{
	snprintf(out, n, "%s", in ? in : "");
	char *semi = strchr(out, ';');
	if (semi)
		*semi = '\0';
	for (char *end = out + strlen(out); end > out && end[-1] == ' '; end--)
		end[-1] = '\0';
}

static int is_index_type(const char *t) { return !strcmp(t, CB_MT_OCI_INDEX) || !strcmp(t, CB_MT_DOCKER_LIST); }
static int is_image_type(const char *t)
{
	return !strcmp(t, CB_MT_OCI_MANIFEST) || !strcmp(t, CB_MT_DOCKER_MANIFEST);
}

static int layer_compression(const char *mt)
{
	if (!mt)
		return -1;
	static const struct {
		const char *type;
		int comp;
	} known[] = {
		{ "application/vnd.oci.image.layer.v1.tar", 1 },
		{ "application/vnd.oci.image.layer.v1.tar+gzip", 2 },
		{ "application/vnd.oci.image.layer.v1.tar+zstd", 3 },
		{ "application/vnd.docker.image.rootfs.diff.tar.gzip", 2 },
		{ "application/vnd.docker.image.rootfs.diff.tar", 1 },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", 2 },
		{ "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", 2 },
	};
	for (size_t i = 0; i < CB_ARRAY_SIZE(known); i++)
		if (!strcmp(mt, known[i].type))
			return known[i].comp;
	return -1;
}

const char *cb_layer_media_type(int compression)
{
	static const char *const types[] = { "application/vnd.oci.image.layer.v1.tar",
					     "application/vnd.oci.image.layer.v1.tar+gzip",
					     "application/vnd.oci.image.layer.v1.tar+zstd" };
	return types[compression >= 2 && compression <= 3 ? compression - 1 : 0];
}

static int descriptor(cJSON *d, const char *what, char *digest, long long *size, cb_err *e)
{
	const char *dg = str(d, "digest");
	cJSON *sz = cJSON_GetObjectItemCaseSensitive(d, "size");
	if (cb_digest_check(dg, what, e) < 0)
		return -EINVAL;
	if (!cJSON_IsNumber(sz) || sz->valuedouble < 0 || sz->valuedouble > 1e15)
		return cb_fail(e, EINVAL, "%s %s: missing or bad size", what, dg);
	strcpy(digest, dg);
	*size = (long long)sz->valuedouble;
	return 0;
}

int cb_manifest_parse(const char *doc, size_t len, const char *content_type, struct cb_manifest *m, cb_err *e)
{
	char ct[96];
	memset(m, 0, sizeof(*m));
	cJSON *j = cJSON_ParseWithLength(doc, len);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return cb_fail(e, EINVAL, "manifest is not a JSON object");
	}
	int r = -EINVAL;
	const char *own = str(j, "mediaType");
	cJSON *schema = cJSON_GetObjectItemCaseSensitive(j, "schemaVersion");
	int has_manifests = cJSON_HasObjectItem(j, "manifests"), has_layers = cJSON_HasObjectItem(j, "layers");
	bare_type(content_type, ct, sizeof(ct));
	if (cJSON_IsNumber(schema) && schema->valueint == 1) {
		r = cb_fail(e, ENOTSUP, "Docker schema 1 manifests are not supported (deprecated)");
		goto out;
	}
	if (!cJSON_IsNumber(schema) || schema->valueint != 2) {
		r = cb_fail(e, EINVAL, "manifest: schemaVersion is not 2");
		goto out;
	}
	/* The type: the document's own mediaType, else the transport's; they must agree. */
	if (own && ct[0] && strcmp(own, ct) != 0 && strcmp(ct, "application/json") != 0 &&
	    strcmp(ct, "application/octet-stream") != 0) {
		r = cb_fail(e, EINVAL, "manifest: mediaType %s disagrees with Content-Type %s", own, ct);
		goto out;
	}
	const char *type = own ? own : ct;
	if (has_manifests && has_layers) {
		r = cb_fail(e, EINVAL, "manifest: ambiguous document (both manifests and layers)");
		goto out;
	}
	if (!*type || !strcmp(type, "application/json"))
		type = has_manifests ? CB_MT_OCI_INDEX : has_layers ? CB_MT_OCI_MANIFEST : "";
	snprintf(m->media_type, sizeof(m->media_type), "%s", type);
	if (is_index_type(type)) {
		if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "manifests")) || has_layers) {
			r = cb_fail(e, EINVAL, "manifest: %s without a manifests list", type);
			goto out;
		}
		m->kind = CB_MANIFEST_INDEX;
		r = 0;
		goto out;
	}
	if (!is_image_type(type)) {
		r = cb_fail(e, EINVAL, "manifest: unsupported media type '%s'", *type ? type : "(none)");
		goto out;
	}
	cJSON *layers = cJSON_GetObjectItemCaseSensitive(j, "layers");
	if (has_manifests || !cJSON_IsArray(layers)) {
		r = cb_fail(e, EINVAL, "manifest: %s without a layers list", type);
		goto out;
	}
	m->kind = CB_MANIFEST_IMAGE;
	if ((r = descriptor(cJSON_GetObjectItemCaseSensitive(j, "config"), "config", m->config_digest,
			    &m->config_size, e)) < 0)
		goto out;
	m->nlayers = cJSON_GetArraySize(layers);
	if (m->nlayers > 1000) {
		r = cb_fail(e, EINVAL, "manifest: %d layers is too many", m->nlayers);
		goto out;
	}
	m->layers = calloc((size_t)m->nlayers + 1, sizeof(*m->layers));
	if (!m->layers) {
		r = cb_fail(e, ENOMEM, "out of memory");
		goto out;
	}
	int i = 0;
	cJSON *l;
	cJSON_ArrayForEach(l, layers) {
		struct cb_layer_desc *d = &m->layers[i++];
		if ((r = descriptor(l, "layer", d->digest, &d->size, e)) < 0)
			goto out;
		d->compression = layer_compression(str(l, "mediaType"));
		if (d->compression < 0) {
			r = cb_fail(e, ENOTSUP, "layer %s: unsupported media type '%s'", d->digest,
				    str(l, "mediaType") ? str(l, "mediaType") : "(none)");
			goto out;
		}
	}
	r = 0;
out:
	cJSON_Delete(j);
	if (r < 0)
		cb_manifest_free(m);
	return r;
}

void cb_manifest_free(struct cb_manifest *m)
{
	free(m->layers);
	m->layers = NULL;
	m->nlayers = 0;
}

void cb_platform_host(struct cb_platform *p)
{
	struct utsname u;
	memset(p, 0, sizeof(*p));
	strcpy(p->os, "linux");
	uname(&u);
	/* The build's arch is what this binary runs as (an aarch64 cbox under qemu is arm64). */
	const char *m = CB_ARCH;
	if (!strcmp(m, "x86_64"))
		strcpy(p->arch, "amd64");
	else if (!strcmp(m, "aarch64")) {
		strcpy(p->arch, "arm64");
		strcpy(p->variant, "v8");
	} else if (!strncmp(m, "arm", 3)) {
		strcpy(p->arch, "arm");
		strcpy(p->variant, strstr(u.machine, "v6") ? "v6" : "v7");
	} else
		snprintf(p->arch, sizeof(p->arch), "%s", m);
}

int cb_platform_matches(const struct cb_platform *want, const struct cb_platform *got)
{
	return !strcmp(want->os, got->os) && !strcmp(want->arch, got->arch) &&
	       (!want->variant[0] || !got->variant[0] || !strcmp(want->variant, got->variant));
}

int cb_platform_parse(const char *s, struct cb_platform *p, cb_err *e)
{
	memset(p, 0, sizeof(*p));
	const char *a = strchr(s, '/');
	const char *v = a ? strchr(a + 1, '/') : NULL;
	if (!a || a == s || !a[1] || a[1] == '/' || (v && (!v[1] || strchr(v + 1, '/'))) || (size_t)(a - s) >= sizeof(p->os))
		return cb_fail(e, EINVAL, "invalid platform '%s' (want os/arch[/variant])", s);
	snprintf(p->os, sizeof(p->os), "%.*s", (int)(a - s), s);
	snprintf(p->arch, sizeof(p->arch), "%.*s", (int)(v ? v - a - 1 : (long)strlen(a + 1)), a + 1);
	if (v)
		snprintf(p->variant, sizeof(p->variant), "%s", v + 1);
	/* Common aliases as the Go tooling normalises them. */
	if (!strcmp(p->arch, "aarch64"))
		strcpy(p->arch, "arm64");
	if (!strcmp(p->arch, "x86_64") || !strcmp(p->arch, "x86-64"))
		strcpy(p->arch, "amd64");
	return 0;
}

/* arm64 with no variant means v8; a requested variant must match, else any. */
static int variant_ok(const struct cb_platform *want, const char *arch, const char *variant)
{
	if (!want->variant[0])
		return 1;
	const char *v = variant && *variant ? variant : (!strcmp(arch, "arm64") ? "v8" : "");
	return strcmp(v, want->variant) == 0;
}

int cb_index_select(const char *doc, const struct cb_platform *want, char *digest, char *media_type,
		    size_t mt_len, cb_err *e)
{
	cJSON *j = cJSON_Parse(doc), *d;
	char have[1024] = "";
	int r = -ENOENT;
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(j, "manifests")) {
		cJSON *p = cJSON_GetObjectItemCaseSensitive(d, "platform");
		const char *os = str(p, "os"), *arch = str(p, "architecture"), *variant = str(p, "variant");
		if (!os || !arch)
			continue;
		if (strlen(have) + 64 < sizeof(have))
			snprintf(have + strlen(have), sizeof(have) - strlen(have), "%s%s/%s%s%s", have[0] ? ", " : "", os,
				 arch, variant ? "/" : "", variant ? variant : "");
		if (r == 0 || strcmp(os, want->os) || strcmp(arch, want->arch) || !variant_ok(want, arch, variant))
			continue;
		const char *dg = str(d, "digest");
		if (cb_digest_check(dg, "index entry", e) < 0) {
			cJSON_Delete(j);
			return -EINVAL;
		}
		strcpy(digest, dg);
		snprintf(media_type, mt_len, "%s", str(d, "mediaType") ? str(d, "mediaType") : "");
		r = 0;
	}
	cJSON_Delete(j);
	if (r < 0)
		return cb_fail(e, ENOENT, "no image for platform %s/%s%s%s (the image has: %s)", want->os, want->arch,
			       want->variant[0] ? "/" : "", want->variant, have[0] ? have : "none");
	return 0;
}

int cb_config_apply(struct cb_manifest *m, const char *config, struct cb_platform *got, cb_err *e)
{
	cJSON *j = cJSON_Parse(config);
	cJSON *ids = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "rootfs"), "diff_ids");
	int r = 0;
	if (!cJSON_IsArray(ids)) {
		r = cb_fail(e, EINVAL, "config %s: no rootfs.diff_ids", m->config_digest);
		goto out;
	}
	if (cJSON_GetArraySize(ids) != m->nlayers) {
		r = cb_fail(e, EINVAL, "config %s: %d diff_ids for %d layers", m->config_digest, cJSON_GetArraySize(ids),
			    m->nlayers);
		goto out;
	}
	if (got) {
		memset(got, 0, sizeof(*got));
		snprintf(got->os, sizeof(got->os), "%s", str(j, "os") ? str(j, "os") : "");
		snprintf(got->arch, sizeof(got->arch), "%s", str(j, "architecture") ? str(j, "architecture") : "");
		snprintf(got->variant, sizeof(got->variant), "%s", str(j, "variant") ? str(j, "variant") : "");
	}
	for (int i = 0; i < m->nlayers; i++) {
		const char *id = cJSON_GetStringValue(cJSON_GetArrayItem(ids, i));
		if (cb_digest_check(id, "config diff_id", e) < 0) {
			r = -EINVAL;
			goto out;
		}
		strcpy(m->layers[i].diff_id, id);
		if (i == 0) {
			strcpy(m->layers[i].chain_id, id);
		} else {
			/* ChainID(n) = sha256(ChainID(n-1) + " " + DiffID(n)), per the OCI image spec. */
			char buf[2 * CB_DIGEST_LEN + 2];
			snprintf(buf, sizeof(buf), "%s %s", m->layers[i - 1].chain_id, id);
			cb_sha256_digest(buf, strlen(buf), m->layers[i].chain_id);
		}
	}
out:
	cJSON_Delete(j);
	return r;
}
