/* auth.c - registry credentials files. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "auth.h"
#include "store.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t cb_base64_encode(const void *in, size_t n, char *out, size_t outlen)
{
	const unsigned char *p = in;
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 <= outlen; i += 3) {
		unsigned v = p[i] << 16 | (i + 1 < n ? p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

long cb_base64_decode(const char *in, void *out, size_t outlen)
{
	unsigned char *o = out;
	size_t n = 0;
	unsigned v = 0;
	int bits = 0;
	for (; *in && *in != '='; in++) {
		const char *c = strchr(b64, *in);
		if (!c || !*in)
			return -1;
		v = v << 6 | (unsigned)(c - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == outlen)
				return -1;
			o[n++] = (unsigned char)(v >> bits);
		}
	}
	return (long)n;
}

int cb_auth_path(char *out, size_t n, cb_err *e)
{
	const char *f = getenv("REGISTRY_AUTH_FILE"), *rt = getenv("XDG_RUNTIME_DIR"), *home = getenv("HOME");
	if (f && *f)
		snprintf(out, n, "%s", f);
	else if (rt && *rt)
		snprintf(out, n, "%s/containers/auth.json", rt);
	else if (home && *home)
		snprintf(out, n, "%s/.config/containers/auth.json", home);
	else
		return cb_fail(e, EINVAL, "no place for credentials: set REGISTRY_AUTH_FILE");
	return 0;
}

static cJSON *load_json(const char *path, cb_err *e, int *r)
{
	char *text = NULL;
	*r = cb_read_file_at(AT_FDCWD, path, 1 << 20, &text, NULL, e);
	if (*r < 0)
		return NULL;
	cJSON *j = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		*r = cb_fail(e, EINVAL, "%s: not a JSON object", path);
		return NULL;
	}
	return j;
}

/* auths keys may be "host", "https://host", or "host/v1/" (docker's index URL). */
static cJSON *find_entry(cJSON *auths, const char *registry)
{
	cJSON *a;
	cJSON_ArrayForEach(a, auths) {
		const char *k = a->string;
		if (!strncmp(k, "https://", 8))
			k += 8;
		else if (!strncmp(k, "http://", 7))
			k += 7;
		size_t n = strlen(registry);
		if (!strncmp(k, registry, n) && (k[n] == '\0' || k[n] == '/'))
			return a;
		if (!strcmp(registry, "docker.io") && !strncmp(k, "index.docker.io", 15))
			return a;
	}
	return NULL;
}

int cb_auth_lookup(const char *registry, char *user, size_t ulen, char *pass, size_t plen, cb_err *e)
{
	char primary[4096], docker[4096];
	const char *home = getenv("HOME");
	if (cb_auth_path(primary, sizeof(primary), e) < 0)
		primary[0] = '\0';
	snprintf(docker, sizeof(docker), "%s/.docker/config.json", home ? home : "/");
	const char *paths[] = { primary, docker };
	for (size_t i = 0; i < CB_ARRAY_SIZE(paths); i++) {
		int r;
		if (!paths[i][0])
			continue;
		cJSON *j = load_json(paths[i], e, &r);
		if (!j) {
			if (r == -ENOENT)
				continue;
			return r;
		}
		cJSON *ent = find_entry(cJSON_GetObjectItem(j, "auths"), registry);
		const char *enc = cJSON_GetStringValue(cJSON_GetObjectItem(ent, "auth"));
		char dec[1024];
		long n = enc ? cb_base64_decode(enc, dec, sizeof(dec) - 1) : -1;
		cJSON_Delete(j);
		if (!enc)
			continue;
		if (n < 0)
			return cb_fail(e, EINVAL, "%s: credentials for %s are not valid base64", paths[i], registry);
		dec[n] = '\0';
		char *colon = strchr(dec, ':');
		if (!colon)
			return cb_fail(e, EINVAL, "%s: credentials for %s lack 'user:password'", paths[i], registry);
		*colon = '\0';
		snprintf(user, ulen, "%s", dec);
		snprintf(pass, plen, "%s", colon + 1);
		cb_debug("auth: credentials for %s from %s", registry, paths[i]);
		return 1;
	}
	return 0;
}

int cb_auth_store(const char *registry, const char *user, const char *pass, cb_err *e)
{
	char path[4096];
	int r;
	if (cb_auth_path(path, sizeof(path), e) < 0)
		return -EINVAL;
	cJSON *j = load_json(path, e, &r);
	if (!j && r != -ENOENT)
		return r;
	if (!j)
		j = cJSON_CreateObject();
	cJSON *auths = cJSON_GetObjectItem(j, "auths");
	if (!cJSON_IsObject(auths)) {
		cJSON_DeleteItemFromObject(j, "auths");
		auths = cJSON_AddObjectToObject(j, "auths");
	}
	cJSON *old;
	while ((old = find_entry(auths, registry)))
		cJSON_DeleteItemFromObject(auths, old->string);
	if (user) {
		char plain[1024], enc[1400];
		snprintf(plain, sizeof(plain), "%s:%s", user, pass);
		cb_base64_encode(plain, strlen(plain), enc, sizeof(enc));
		cJSON *ent = cJSON_AddObjectToObject(auths, registry);
		cJSON_AddStringToObject(ent, "auth", enc);
	}
	/* Make the directory (0700) and write the file (0600) atomically. */
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if ((r = cb_mkdir_p(dir, 0700, e)) < 0) {
			cJSON_Delete(j);
			return r;
		}
	}
	char *text = cJSON_Print(j);
	cJSON_Delete(j);
	if (!text)
		return cb_fail(e, ENOMEM, "out of memory");
	r = cb_write_atomic(AT_FDCWD, path, text, strlen(text), 0600, e);
	free(text);
	return r;
}
