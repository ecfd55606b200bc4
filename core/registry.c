/* registry.c - talking to a registry: trust, auth challenges, manifests, blobs. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "auth.h"
#include "digest.h"
#include "registry.h"

#define MAX_MANIFEST (4 << 20)

/* CA files for a registry: --cert-dir, else certs.d/<host[:port]>/ in the user's and the
 * system's containers config, and docker's. */
static void add_ca_dir(struct cb_registry *r, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	while (r->ca_files[n])
		n++;
	while (d && (de = readdir(d)) && n < 32) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".crt") != 0)
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		r->ca_files[n++] = strdup(path);
		cb_debug("registry %s: trusting CA file %s", r->name, path);
	}
	if (d)
		closedir(d);
}

/* A whole number from the environment, or dflt when unset. */
static int env_limit(const char *name, int dflt, int *out, cb_err *e)
{
	const char *v = getenv(name);
	char *end;
	*out = dflt;
	if (!v || !*v)
		return 0;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (*end || n < 0 || n > 1000000000 || errno)
		return cb_fail(e, EINVAL, "%s: not a whole number: '%s'", name, v);
	*out = (int)n;
	return 0;
}

int cb_registry_open(struct cb_registry *r, const char *name, const struct cb_registry_opts *o, cb_err *e)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->host, sizeof(r->host), "%s", strcmp(name, "docker.io") ? name : "registry-1.docker.io");
	/* --tls-verify=false, like an insecure registry, also allows plain HTTP (as podman). */
	r->insecure = o->insecure || !o->tls_verify;
	r->timeout_ms = o->timeout_ms;
	if (env_limit("CBOX_REGISTRY_TIMEOUT", 120, &r->total_s, e) < 0 ||
	    env_limit("CBOX_STALL_TIMEOUT", 30, &r->stall_s, e) < 0 ||
	    env_limit("CBOX_STALL_RATE", 1024, &r->stall_rate, e) < 0)
		return -EINVAL;
	r->tls.insecure = o->insecure || !o->tls_verify;
	if (o->cert_dir) {
		add_ca_dir(r, o->cert_dir);
	} else {
		char dir[4096];
		const char *home = getenv("HOME");
		if (home) {
			snprintf(dir, sizeof(dir), "%s/.config/containers/certs.d/%s", home, name);
			add_ca_dir(r, dir);
		}
		snprintf(dir, sizeof(dir), "/etc/containers/certs.d/%s", name);
		add_ca_dir(r, dir);
		snprintf(dir, sizeof(dir), "/etc/docker/certs.d/%s", name);
		add_ca_dir(r, dir);
	}
	r->tls.ca_files = (const char *const *)r->ca_files;
	if (o->creds) {
		const char *colon = strchr(o->creds, ':');
		snprintf(r->user, sizeof(r->user), "%.*s", (int)(colon ? colon - o->creds : (long)strlen(o->creds)), o->creds);
		snprintf(r->pass, sizeof(r->pass), "%s", colon ? colon + 1 : "");
		r->have_creds = 1;
	} else {
		int found = cb_auth_lookup(name, r->user, sizeof(r->user), r->pass, sizeof(r->pass), e);
		if (found < 0)
			return found;
		r->have_creds = found;
	}
	r->http = cb_http_client_new();
	if (!r->http)
		return cb_fail(e, ENOMEM, "out of memory");
	return 0;
}

int cb_registry_clone(struct cb_registry *dst, const struct cb_registry *src, cb_err *e)
{
	memcpy(dst, src, sizeof(*dst));
	memset(dst->ca_files, 0, sizeof(dst->ca_files));
	for (int i = 0; src->ca_files[i]; i++)
		dst->ca_files[i] = strdup(src->ca_files[i]);
	dst->tls.ca_files = (const char *const *)dst->ca_files;
	dst->http = cb_http_client_new();
	return dst->http ? 0 : cb_fail(e, ENOMEM, "out of memory");
}

void cb_registry_close(struct cb_registry *r)
{
	if (r->http)
		cb_http_client_free(r->http);
	for (int i = 0; r->ca_files[i]; i++)
		free(r->ca_files[i]);
	memset(r, 0, sizeof(*r));
}

/* One parameter of a challenge: key="value" (or key=value). */
static int challenge_param(const char *h, const char *key, char *out, size_t n)
{
	size_t klen = strlen(key);
	for (const char *p = h; (p = strcasestr(p, key)); p += klen) {
		if ((p != h && isalnum((unsigned char)p[-1])) || p[klen] != '=')
			continue;
		const char *v = p + klen + 1;
		size_t i = 0;
		if (*v == '"') {
			for (v++; *v && *v != '"' && i + 1 < n; v++)
				out[i++] = *v == '\\' && v[1] ? *++v : *v;
		} else {
			for (; *v && *v != ',' && *v != ' ' && i + 1 < n; v++)
				out[i++] = *v;
		}
		out[i] = '\0';
		return 1;
	}
	return 0;
}

static void url_escape(const char *in, char *out, size_t n)
{
	size_t o = 0;
	for (; *in && o + 4 < n; in++) {
		if (isalnum((unsigned char)*in) || strchr("-._~:/", *in))
			out[o++] = *in;
		else
			o += (size_t)snprintf(out + o, n - o, "%%%02X", (unsigned char)*in);
	}
	out[o] = '\0';
}

static int read_body(struct cb_http_response *rs, size_t max, char **out, size_t *len, const char *what, cb_err *e)
{
	/* Refused by its announced size before any of it is read. */
	if (rs->content_length > (long long)max)
		return cb_fail(e, EFBIG, "%s: %lld bytes announced, over the %zu-byte limit", what, rs->content_length,
			       max);
	size_t cap = rs->content_length > 0 ? (size_t)rs->content_length + 1 : 4096;
	size_t n = 0;
	char *buf = malloc(cap);
	if (!buf)
		return cb_fail(e, ENOMEM, "out of memory");
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > max) {
				free(buf);
				return cb_fail(e, EFBIG, "%s: larger than %zu bytes", what, max);
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return cb_fail(e, ENOMEM, "out of memory");
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t k = cb_read(&rs->body, buf + n, cap - n - 1, e);
		if (k < 0) {
			free(buf);
			return (int)k;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

static int base_url(struct cb_registry *r, char *out, size_t n)
{
	return snprintf(out, n, "%s://%s", r->plain_http ? "http" : "https", r->host);
}

/* May credentials go to this token realm? Over https, yes; over plain http only to the
 * registry's own host when the user made that registry insecure (podman sends nothing
 * there). Redirects drop them on any change of origin (http.c). */
static int creds_safe(const struct cb_registry *r, const char *realm)
{
	struct cb_url u, reg;
	cb_err ignore;
	char url[300];
	if (cb_url_parse(&u, realm, &ignore))
		return 0;
	snprintf(url, sizeof(url), "http://%s/", r->host);
	int safe = u.https;
	if (!safe && r->insecure && !cb_url_parse(&reg, url, &ignore)) {
		safe = !strcasecmp(u.host, reg.host);
		cb_url_free(&reg);
	}
	cb_url_free(&u);
	return safe;
}

/* The bearer-token flow: ask the realm for a token for this scope, with credentials
 * when we have them. */
static int fetch_token(struct cb_registry *r, const char *challenge, const char *scope, cb_err *e)
{
	char realm[1024], service[256] = "", url[2048], esc_scope[600], esc_service[300];
	if (!challenge_param(challenge, "realm", realm, sizeof(realm)))
		return cb_fail(e, EACCES, "registry %s: Bearer challenge without a realm", r->name);
	challenge_param(challenge, "service", service, sizeof(service));
	char chal_scope[512] = "";
	if (!scope && challenge_param(challenge, "scope", chal_scope, sizeof(chal_scope)))
		scope = chal_scope;
	url_escape(scope ? scope : "", esc_scope, sizeof(esc_scope));
	url_escape(service, esc_service, sizeof(esc_service));
	snprintf(url, sizeof(url), "%s%sservice=%s%s%s", realm, strchr(realm, '?') ? "&" : "?", esc_service,
		 scope ? "&scope=" : "", scope ? esc_scope : "");
	char basic[1200] = "";
	const char *hdrs[2] = { NULL, NULL };
	int withheld = r->have_creds && !creds_safe(r, realm);
	if (withheld)
		cb_debug("registry %s: not sending credentials to the plain-http realm %s", r->name, realm);
	if (r->have_creds && !withheld) {
		char plain[800], enc[1100];
		snprintf(plain, sizeof(plain), "%s:%s", r->user, r->pass);
		cb_base64_encode(plain, strlen(plain), enc, sizeof(enc));
		snprintf(basic, sizeof(basic), "Authorization: Basic %s", enc);
		hdrs[0] = basic;
	}
	struct cb_http_request rq = { .method = "GET", .url = url, .headers = hdrs, .max_redirects = 5,
				      .tls = &r->tls, .timeout_ms = r->timeout_ms, .total_s = r->total_s,
				      .stall_s = r->stall_s, .stall_rate = r->stall_rate };
	struct cb_http_response rs;
	int ret = cb_http_do(r->http, &rq, &rs, e);
	if (ret < 0)
		return cb_err_prefix(e, "registry %s: token", r->name);
	char *body = NULL;
	if (rs.status != 200) {
		int st = rs.status;
		cb_http_response_end(r->http, &rs);
		if ((st == 401 || st == 403) && withheld)
			return cb_fail(e, EACCES, "registry %s: token realm %s is plain http: credentials not sent",
				       r->name, realm);
		if (st == 401 || st == 403)
			return cb_fail(e, EACCES, "registry %s: %s (token realm answered %d)", r->name,
				       r->have_creds ? "invalid username or password" : "authentication required", st);
		return cb_fail(e, EIO, "registry %s: token realm answered %d", r->name, st);
	}
	ret = read_body(&rs, 1 << 20, &body, NULL, "answer", e);
	cb_http_response_end(r->http, &rs);
	if (ret < 0)
		return cb_err_prefix(e, "registry %s: token", r->name);
	cJSON *j = cJSON_Parse(body);
	free(body);
	const char *tok = cJSON_GetStringValue(cJSON_GetObjectItem(j, "token"));
	if (!tok)
		tok = cJSON_GetStringValue(cJSON_GetObjectItem(j, "access_token"));
	if (!tok || strlen(tok) + 32 > sizeof(r->auth)) {
		cJSON_Delete(j);
		return cb_fail(e, EACCES, "registry %s: token realm gave no usable token", r->name);
	}
	snprintf(r->auth, sizeof(r->auth), "Authorization: Bearer %s", tok);
	snprintf(r->auth_scope, sizeof(r->auth_scope), "%s", scope ? scope : "");
	cJSON_Delete(j);
	cb_debug("registry %s: token for scope '%s'", r->name, scope ? scope : "");
	return 0;
}

/* Answer a 401: a token for Bearer, credentials for Basic. */
static int answer_challenge(struct cb_registry *r, const struct cb_http_response *rs, const char *scope, cb_err *e)
{
	const char *ch = cb_http_header(rs, "WWW-Authenticate");
	if (ch && !strncasecmp(ch, "Bearer", 6)) {
		char copy[2048];
		snprintf(copy, sizeof(copy), "%s", ch);
		return fetch_token(r, copy, scope, e);
	}
	if (ch && !strncasecmp(ch, "Basic", 5) && r->have_creds) {
		char plain[800], enc[1100];
		snprintf(plain, sizeof(plain), "%s:%s", r->user, r->pass);
		cb_base64_encode(plain, strlen(plain), enc, sizeof(enc));
		snprintf(r->auth, sizeof(r->auth), "Authorization: Basic %s", enc);
		snprintf(r->auth_scope, sizeof(r->auth_scope), "%s", scope ? scope : "");
		return 0;
	}
	return cb_fail(e, EACCES, "registry %s: authentication required%s", r->name,
		       r->have_creds ? "" : " (cbox login, or --creds)");
}

static int status_error(struct cb_registry *r, int status, const char *what, cb_err *e)
{
	if (status == 404)
		return cb_fail(e, ENOENT, "%s: not found in %s (404)", what, r->name);
	if (status == 401 || status == 403)
		return cb_fail(e, EACCES, "%s: access denied by %s (%d)%s", what, r->name, status,
			       r->have_creds ? "" : ": try cbox login");
	if (status == 429 || status >= 500)
		return cb_fail(e, EAGAIN, "%s: %s answered %d", what, r->name, status);
	return cb_fail(e, EIO, "%s: %s answered %d", what, r->name, status);
}

/* GET base/path; whole: the request has the total limit (a document, not a layer). */
static int do_get(struct cb_registry *r, const char *path, const char *accept, long long range_from, int whole,
		  struct cb_http_response *rs, cb_err *e)
{
	char url[2048], acc[512], range[64];
	const char *hdrs[4];
	int n = 0;
	base_url(r, url, sizeof(url));
	snprintf(url + strlen(url), sizeof(url) - strlen(url), "%s", path);
	if (r->auth[0])
		hdrs[n++] = r->auth;
	if (accept) {
		snprintf(acc, sizeof(acc), "Accept: %s", accept);
		hdrs[n++] = acc;
	}
	if (range_from > 0) {
		snprintf(range, sizeof(range), "Range: bytes=%lld-", range_from);
		hdrs[n++] = range;
	}
	hdrs[n] = NULL;
	struct cb_http_request rq = { .method = "GET", .url = url, .headers = hdrs, .max_redirects = 10,
				      .tls = &r->tls, .timeout_ms = r->timeout_ms, .total_s = whole ? r->total_s : 0,
				      .stall_s = r->stall_s, .stall_rate = r->stall_rate };
	int ret = cb_http_do(r->http, &rq, rs, e);
	if (ret < 0 && r->insecure && !r->plain_http) {
		/* An insecure registry may speak plain HTTP only. */
		cb_debug("registry %s: https failed (%s); trying http", r->name, e->msg);
		r->plain_http = 1;
		return do_get(r, path, accept, range_from, whole, rs, e);
	}
	return ret;
}

static int registry_get(struct cb_registry *r, const char *repo, const char *what, const char *accept,
			long long range_from, int whole, struct cb_http_response *rs, cb_err *e);

int cb_registry_get(struct cb_registry *r, const char *repo, const char *what, const char *accept,
		    long long range_from, struct cb_http_response *rs, cb_err *e)
{
	return registry_get(r, repo, what, accept, range_from, 0, rs, e);
}

static int registry_get(struct cb_registry *r, const char *repo, const char *what, const char *accept,
			long long range_from, int whole, struct cb_http_response *rs, cb_err *e)
{
	char path[1024], scope[512], label[700];
	snprintf(path, sizeof(path), "/v2/%s/%s", repo, what);
	snprintf(scope, sizeof(scope), "repository:%s:pull", repo);
	snprintf(label, sizeof(label), "%s/%s %s", r->name, repo, what);
	if (r->auth[0] && strcmp(r->auth_scope, scope) != 0 && strncmp(r->auth, "Authorization: Basic", 20) != 0)
		r->auth[0] = '\0'; /* a token is for one scope */
	for (int attempt = 0;; attempt++) {
		int ret = do_get(r, path, accept, range_from, whole, rs, e);
		if (ret < 0) {
			int transient = ret == -ECONNRESET || ret == -EPIPE || ret == -ETIMEDOUT || ret == -EAGAIN;
			cb_err_prefix(e, "%s", label);
			return transient ? -EAGAIN : ret;
		}
		if (rs->status == 401 && attempt == 0) {
			ret = answer_challenge(r, rs, scope, e);
			cb_http_response_end(r->http, rs);
			if (ret < 0)
				return ret;
			continue;
		}
		if (rs->status >= 200 && rs->status < 300)
			return 0;
		int st = rs->status;
		cb_http_response_end(r->http, rs);
		return status_error(r, st, label, e);
	}
}

int cb_registry_manifest(struct cb_registry *r, const char *repo, const char *ref, char **doc, size_t *len,
			 char *content_type, size_t ct_len, char *digest, cb_err *e)
{
	char what[300], got[CB_DIGEST_LEN + 1];
	struct cb_http_response rs;
	snprintf(what, sizeof(what), "manifests/%s", ref);
	int ret = registry_get(r, repo, what,
			       "application/vnd.oci.image.index.v1+json, "
			       "application/vnd.docker.distribution.manifest.list.v2+json, "
			       "application/vnd.oci.image.manifest.v1+json, "
			       "application/vnd.docker.distribution.manifest.v2+json",
			       0, 1, &rs, e);
	if (ret < 0)
		return ret;
	const char *ct = cb_http_header(&rs, "Content-Type");
	snprintf(content_type, ct_len, "%s", ct ? ct : "");
	ret = read_body(&rs, MAX_MANIFEST, doc, len, "manifest", e);
	cb_http_response_end(r->http, &rs);
	if (ret < 0)
		return ret;
	/* ref and digest may be one buffer (a manifest named by an index): compare first. */
	cb_sha256_digest(*doc, *len, got);
	if (!strncmp(ref, "sha256:", 7) && strcmp(ref, got) != 0) {
		free(*doc);
		*doc = NULL;
		return cb_fail(e, EIO, "%s/%s manifest %s: digest mismatch (got %s)", r->name, repo, ref, got);
	}
	strcpy(digest, got);
	return 0;
}

int cb_registry_small_blob(struct cb_registry *r, const char *repo, const char *digest, long long size,
			   char **data, size_t *len, cb_err *e)
{
	char what[300], got[CB_DIGEST_LEN + 1];
	struct cb_http_response rs;
	if (size > MAX_MANIFEST)
		return cb_fail(e, EFBIG, "blob %s: %lld bytes is too large for a config", digest, size);
	snprintf(what, sizeof(what), "blobs/%s", digest);
	int ret = registry_get(r, repo, what, NULL, 0, 1, &rs, e);
	if (ret < 0)
		return ret;
	ret = read_body(&rs, MAX_MANIFEST, data, len, digest, e);
	cb_http_response_end(r->http, &rs);
	if (ret < 0)
		return ret;
	cb_sha256_digest(*data, *len, got);
	if (strcmp(got, digest) != 0 || (size >= 0 && (long long)*len != size)) {
		free(*data);
		*data = NULL;
		return cb_fail(e, EIO, "%s/%s blob %s: digest mismatch (got %s)", r->name, repo, digest, got);
	}
	return 0;
}

int cb_registry_ping(struct cb_registry *r, cb_err *e)
{
	struct cb_http_response rs;
	for (int attempt = 0;; attempt++) {
		int ret = do_get(r, "/v2/", NULL, 0, 1, &rs, e);
		if (ret < 0)
			return cb_err_prefix(e, "registry %s", r->name);
		if (rs.status == 401 && attempt == 0) {
			ret = answer_challenge(r, &rs, NULL, e);
			cb_http_response_end(r->http, &rs);
			if (ret < 0)
				return ret;
			continue;
		}
		int st = rs.status;
		cb_http_response_end(r->http, &rs);
		return st == 200 ? 0 : status_error(r, st, "/v2/", e);
	}
}
