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

/* One request: base/path or an absolute URL (an upload's Location), the token only to
 * the registry's own origin. whole: the request has the total limit (a document, not a
 * layer). */
struct req {
	const char *method, *target, *accept, *ctype;
	long long range_from;
	const void *body;
	size_t len;
	int whole;
};

static int do_req(struct cb_registry *r, const struct req *q, struct cb_http_response *rs, cb_err *e)
{
	char url[4096], acc[512], range[64], ct[160];
	const char *hdrs[5];
	int n = 0;
	size_t blen = (size_t)base_url(r, url, sizeof(url));
	if (q->target[0] == '/')
		snprintf(url + blen, sizeof(url) - blen, "%s", q->target);
	else if (strncmp(q->target, url, blen) || (q->target[blen] != '/' && q->target[blen] != '\0'))
		blen = 0; /* another origin: no token there */
	if (q->target[0] != '/')
		snprintf(url, sizeof(url), "%s", q->target);
	if (r->auth[0] && blen)
		hdrs[n++] = r->auth;
	if (q->accept) {
		snprintf(acc, sizeof(acc), "Accept: %s", q->accept);
		hdrs[n++] = acc;
	}
	if (q->range_from > 0) {
		snprintf(range, sizeof(range), "Range: bytes=%lld-", q->range_from);
		hdrs[n++] = range;
	}
	if (q->ctype) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", q->ctype);
		hdrs[n++] = ct;
	}
	hdrs[n] = NULL;
	struct cb_http_request rq = { .method = q->method, .url = url, .headers = hdrs, .body = q->body,
				      .body_len = q->len, .max_redirects = 10, .tls = &r->tls,
				      .timeout_ms = r->timeout_ms, .total_s = q->whole ? r->total_s : 0,
				      .stall_s = r->stall_s, .stall_rate = r->stall_rate };
	int ret = cb_http_do(r->http, &rq, rs, e);
	if (ret < 0 && r->insecure && !r->plain_http && q->target[0] == '/') {
		/* An insecure registry may speak plain HTTP only. */
		cb_debug("registry %s: https failed (%s); trying http", r->name, e->msg);
		r->plain_http = 1;
		return do_req(r, q, rs, e);
	}
	return ret;
}

static int do_get(struct cb_registry *r, const char *path, const char *accept, long long range_from, int whole,
		  struct cb_http_response *rs, cb_err *e)
{
	struct req q = { "GET", path, accept, NULL, range_from, NULL, 0, whole };
	return do_req(r, &q, rs, e);
}

/* A request for repo under the scope this connection is for (pull, or push and pull),
 * answering one 401. A 2xx leaves the response open; other answers are returned too
 * (status_ok 0) for the push side to word. */
static int registry_req(struct cb_registry *r, const char *repo, const char *label, const struct req *q,
			struct cb_http_response *rs, cb_err *e)
{
	char scope[512];
	snprintf(scope, sizeof(scope), "repository:%s:%s", repo, r->push ? "pull,push" : "pull");
	if (r->auth[0] && strcmp(r->auth_scope, scope) != 0 && strncmp(r->auth, "Authorization: Basic", 20) != 0)
		r->auth[0] = '\0'; /* a token is for one scope */
	for (int attempt = 0;; attempt++) {
		int ret = do_req(r, q, rs, e);
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
		return 0;
	}
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
	char path[1024], label[700];
	snprintf(path, sizeof(path), "/v2/%s/%s", repo, what);
	snprintf(label, sizeof(label), "%s/%s %s", r->name, repo, what);
	struct req q = { "GET", path, accept, NULL, range_from, NULL, 0, whole };
	int ret = registry_req(r, repo, label, &q, rs, e);
	if (ret < 0)
		return ret;
	if (rs->status >= 200 && rs->status < 300)
		return 0;
	int st = rs->status;
	cb_http_response_end(r->http, rs);
	return status_error(r, st, label, e);
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

/* ---- the push side ---- */

/* Why the registry refused: its own errors[0] as "code: message" (code lower case, as
 * podman words it), else the status's usual meaning. Ends the response. */
static void refusal(struct cb_registry *r, struct cb_http_response *rs, char *out, size_t n)
{
	char *body = NULL;
	cb_err ignore;
	int st = rs->status;
	out[0] = '\0';
	if (read_body(rs, 1 << 16, &body, NULL, "error", &ignore) == 0) {
		cJSON *j = cJSON_Parse(body);
		cJSON *e0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "errors"), 0);
		const char *code = cJSON_GetStringValue(cJSON_GetObjectItem(e0, "code"));
		const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(e0, "message"));
		if (code) {
			size_t k = (size_t)snprintf(out, n, "%s: %s", code, msg ? msg : "");
			for (size_t i = 0; i < k && i < n && out[i] != ':'; i++)
				out[i] = out[i] == '_' ? ' ' : (char)tolower((unsigned char)out[i]);
		}
		cJSON_Delete(j);
		free(body);
	}
	cb_http_response_end(r->http, rs);
	if (out[0])
		return;
	if (st == 401)
		snprintf(out, n, "unauthorized: authentication required");
	else if (st == 403)
		snprintf(out, n, "denied: requested access to the resource is denied");
	else
		snprintf(out, n, "received unexpected HTTP status: %d", st);
}

static int refused(struct cb_registry *r, struct cb_http_response *rs, cb_err *e, const char *fmt, const char *a,
		   const char *b)
{
	char why[512], what[800];
	int st = rs->status;
	refusal(r, rs, why, sizeof(why));
	snprintf(what, sizeof(what), fmt, a, b);
	return cb_fail(e, st == 401 || st == 403 ? EACCES : EIO, "%s: %s", what, why);
}

int cb_registry_blob_exists(struct cb_registry *r, const char *repo, const char *digest, cb_err *e)
{
	char path[512], where[600];
	struct cb_http_response rs;
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", repo, digest);
	snprintf(where, sizeof(where), "%s/%s", r->name, repo);
	struct req q = { "HEAD", path, NULL, NULL, 0, NULL, 0, 1 };
	int ret = registry_req(r, repo, where, &q, &rs, e);
	if (ret < 0)
		return ret;
	if (rs.status == 200 || rs.status == 404) {
		int there = rs.status == 200;
		cb_http_response_end(r->http, &rs);
		return there;
	}
	return refused(r, &rs, e, "checking whether a blob %s exists in %s", digest, where);
}

int cb_registry_put_blob(struct cb_registry *r, const char *repo, const char *digest, const void *data, size_t len,
			 cb_err *e)
{
	char path[512], where[600];
	struct cb_http_response rs;
	snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/", repo);
	snprintf(where, sizeof(where), "%s/%s", r->name, repo);
	struct req q = { "POST", path, NULL, NULL, 0, NULL, 0, 1 };
	int ret = registry_req(r, repo, where, &q, &rs, e);
	if (ret < 0)
		return ret;
	if (rs.status != 202)
		return refused(r, &rs, e, "writing blob: initiating layer upload to %s in %s", path, r->name);
	const char *loc = cb_http_header(&rs, "Location");
	char *url = loc ? cb_url_resolve(rs.url, loc) : NULL;
	cb_http_response_end(r->http, &rs);
	if (!url)
		return cb_fail(e, EPROTO, "writing blob: initiating layer upload to %s in %s: no usable Location", path, r->name);
	char *put = NULL;
	ret = asprintf(&put, "%s%sdigest=%s", url, strchr(url, '?') ? "&" : "?", digest);
	free(url);
	if (ret < 0)
		return cb_fail(e, ENOMEM, "out of memory");
	q = (struct req){ "PUT", put, NULL, "application/octet-stream", 0, data, len, 0 };
	ret = registry_req(r, repo, where, &q, &rs, e);
	free(put);
	if (ret < 0)
		return ret;
	if (rs.status != 201)
		return refused(r, &rs, e, "writing blob: uploading layer %s to %s", digest, where);
	cb_http_response_end(r->http, &rs);
	return 0;
}

int cb_registry_put_manifest(struct cb_registry *r, const char *repo, const char *ref, const char *media_type,
			     const char *doc, size_t len, cb_err *e)
{
	char path[700], where[600];
	struct cb_http_response rs;
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", repo, ref);
	snprintf(where, sizeof(where), "%s/%s:%s", r->name, repo, ref);
	struct req q = { "PUT", path, NULL, media_type, 0, doc, len, 1 };
	int ret = registry_req(r, repo, where, &q, &rs, e);
	if (ret < 0)
		return ret;
	if (rs.status != 201 && rs.status != 200)
		return refused(r, &rs, e, "writing manifest: uploading manifest %s to %s", ref, where);
	cb_http_response_end(r->http, &rs);
	return 0;
}
