/* ref.c - image references, as the distribution reference grammar spells them. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "ref.h"

/* alnum+ (separator alnum+)*, separator one of "." "_" "__" "-"+ */
static int path_component_ok(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
			return 0;
		while (i < n && (islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
			i++;
		if (i == n)
			return 1;
		if (s[i] == '.' || (s[i] == '_' && s[i + 1] != '_'))
			i++;
		else if (s[i] == '_')
			i += 2;
		else if (s[i] == '-')
			while (i < n && s[i] == '-')
				i++;
		else
			return 0;
		if (i == n)
			return 0; /* a separator must be followed by alnum */
	}
	return n > 0;
}

static int repo_ok(const char *repo)
{
	const char *p = repo;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (!path_component_ok(p, n))
			return 0;
		if (!slash)
			return 1;
		p = slash + 1;
	}
}

static int tag_ok(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)t[i]) || strchr("_.-", t[i])))
			return 0;
	return 1;
}

/* host[:port]: letters, digits, '-' and '.', or a bracketed IPv6 address. */
static int registry_ok(const char *s)
{
	const char *colon = NULL;
	if (*s == '[') {
		const char *end = strchr(s, ']');
		if (!end || end == s + 1)
			return 0;
		for (const char *p = s + 1; p < end; p++)
			if (!(isxdigit((unsigned char)*p) || *p == ':' || *p == '.'))
				return 0;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (!colon && end[1])
			return 0;
	} else {
		colon = strchr(s, ':');
		size_t n = colon ? (size_t)(colon - s) : strlen(s);
		if (n == 0 || s[0] == '-' || s[n - 1] == '-' || s[0] == '.')
			return 0;
		for (size_t i = 0; i < n; i++)
			if (!(isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '.'))
				return 0;
	}
	if (colon) {
		if (!colon[1] || strlen(colon + 1) > 5)
			return 0;
		for (const char *p = colon + 1; *p; p++)
			if (!isdigit((unsigned char)*p))
				return 0;
	}
	return 1;
}

int cb_ref_parse(const char *s, struct cb_ref *r, cb_err *e)
{
	char buf[512];
	memset(r, 0, sizeof(*r));
	if (!s || !*s)
		return cb_fail(e, EINVAL, "empty image reference");
	if (strlen(s) >= sizeof(buf))
		return cb_fail(e, EINVAL, "image reference too long: '%.60s...'", s);
	strcpy(buf, s);

	char *at = strchr(buf, '@');
	if (at) {
		*at = '\0';
		if (cb_digest_check(at + 1, s, e) < 0)
			return -EINVAL;
		strcpy(r->digest, at + 1);
	}
	/* The tag is after the last ':' that follows the last '/'. */
	char *slash = strrchr(buf, '/');
	char *colon = strrchr(slash ? slash : buf, ':');
	if (colon) {
		*colon = '\0';
		if (!tag_ok(colon + 1))
			return cb_fail(e, EINVAL, "invalid reference '%s': bad tag '%s'", s, colon + 1);
		strcpy(r->tag, colon + 1);
	}
	char *name = buf;
	char *first_slash = strchr(name, '/');
	if (first_slash) {
		size_t n = (size_t)(first_slash - name);
		/* A first component with '.' or ':' or "localhost" is a registry (docker's rule). */
		if (memchr(name, '.', n) || memchr(name, ':', n) || (n == 9 && !strncmp(name, "localhost", 9)) ||
		    name[0] == '[') {
			*first_slash = '\0';
			if (!registry_ok(name))
				return cb_fail(e, EINVAL, "invalid reference '%s': bad registry '%s'", s, name);
			if (strlen(name) >= sizeof(r->registry))
				return cb_fail(e, EINVAL, "invalid reference '%s': registry too long", s);
			strcpy(r->registry, strcmp(name, "index.docker.io") == 0 ? "docker.io" : name);
			name = first_slash + 1;
		}
	}
	if (strlen(name) > 255)
		return cb_fail(e, EINVAL, "invalid reference '%s': repository name longer than 255", s);
	if (!repo_ok(name)) {
		for (char *p = name; *p; p++)
			if (isupper((unsigned char)*p))
				return cb_fail(e, EINVAL, "invalid reference '%s': repository name must be lowercase", s);
		return cb_fail(e, EINVAL, "invalid reference '%s': bad repository name '%s'", s, name);
	}
	strcpy(r->repo, name);
	if (!r->tag[0] && !r->digest[0])
		strcpy(r->tag, "latest");
	if (r->registry[0] && cb_ref_qualify(r, r->registry, e) < 0)
		return -EINVAL;
	return 0;
}

int cb_ref_qualify(struct cb_ref *r, const char *registry, cb_err *e)
{
	if (strlen(registry) >= sizeof(r->registry))
		return cb_fail(e, EINVAL, "registry name too long: '%.60s'", registry);
	memmove(r->registry, registry, strlen(registry) + 1);
	if (strcmp(r->registry, "docker.io") == 0 && !strchr(r->repo, '/')) {
		if (strlen(r->repo) + 8 >= sizeof(r->repo))
			return cb_fail(e, EINVAL, "repository name too long");
		memmove(r->repo + 8, r->repo, strlen(r->repo) + 1);
		memcpy(r->repo, "library/", 8);
	}
	/* distribution's limit on a whole name (so its formatted form always parses again) */
	if (strlen(r->registry) + 1 + strlen(r->repo) > 255)
		return cb_fail(e, EINVAL, "invalid reference '%.40s.../%.40s...': name longer than 255 characters", r->registry,
			       r->repo);
	return 0;
}

void cb_ref_format(const struct cb_ref *r, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s%s%s%s%s", r->registry, r->registry[0] ? "/" : "", r->repo,
		 r->tag[0] ? ":" : "", r->tag, r->digest[0] ? "@" : "", r->digest);
}

const char *cb_registry_host(const char *registry)
{
	return strcmp(registry, "docker.io") == 0 ? "registry-1.docker.io" : registry;
}
