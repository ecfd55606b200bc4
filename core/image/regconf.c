/* regconf.c - the subset of TOML that registries.conf uses: [[registry]] and
 * [[registry.mirror]] arrays of tables, [aliases], strings, booleans, string arrays. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "regconf.h"

struct parser {
	const char *p, *path;
	int line;
	cb_err *e;
};

static int perr(struct parser *ps, const char *what)
{
	return cb_fail(ps->e, EINVAL, "%s:%d: %s", ps->path, ps->line, what);
}

/* Skip blanks, comments and (when nl) newlines. */
static void skip(struct parser *ps, int nl)
{
	for (;;) {
		while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || (nl && *ps->p == '\n'))
			if (*ps->p++ == '\n')
				ps->line++;
		if (*ps->p != '#')
			return;
		while (*ps->p && *ps->p != '\n')
			ps->p++;
	}
}

static int parse_string(struct parser *ps, char **out)
{
	char q = *ps->p++, buf[1024];
	size_t n = 0;
	while (*ps->p && *ps->p != q && *ps->p != '\n') {
		char c = *ps->p++;
		if (q == '"' && c == '\\') {
			if (!*ps->p || *ps->p == '\n')
				break; /* nothing to escape: the string is unterminated */
			c = *ps->p++;
			c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
		}
		if (n + 1 >= sizeof(buf))
			return perr(ps, "string too long");
		buf[n++] = c;
	}
	if (*ps->p != q)
		return perr(ps, "unterminated string");
	ps->p++;
	buf[n] = '\0';
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

enum vtype { V_STR, V_BOOL, V_ARRAY, V_OTHER };
struct value {
	enum vtype type;
	char *s;
	int b;
	char *arr[CB_REGCONF_MAX];
	int n;
};

static void value_free(struct value *v)
{
	free(v->s);
	for (int i = 0; i < v->n; i++)
		free(v->arr[i]);
}

static int parse_value(struct parser *ps, struct value *v)
{
	memset(v, 0, sizeof(*v));
	if (*ps->p == '"' || *ps->p == '\'') {
		v->type = V_STR;
		return parse_string(ps, &v->s);
	}
	if (!strncmp(ps->p, "true", 4) || !strncmp(ps->p, "false", 5)) {
		v->type = V_BOOL;
		v->b = *ps->p == 't';
		ps->p += v->b ? 4 : 5;
		return 0;
	}
	if (*ps->p == '[') {
		v->type = V_ARRAY;
		ps->p++;
		for (;;) {
			skip(ps, 1);
			if (*ps->p == ']') {
				ps->p++;
				return 0;
			}
			if (*ps->p != '"' && *ps->p != '\'')
				return perr(ps, "only arrays of strings are understood");
			if (v->n == CB_REGCONF_MAX)
				return perr(ps, "array too long");
			int r = parse_string(ps, &v->arr[v->n]);
			if (r < 0)
				return r;
			v->n++;
			skip(ps, 1);
			if (*ps->p == ',')
				ps->p++;
			else if (*ps->p != ']')
				return perr(ps, "expected ',' or ']' in array");
		}
	}
	/* Numbers, dates: not used by anything cbox reads; skip to the end of line. */
	v->type = V_OTHER;
	while (*ps->p && *ps->p != '\n' && *ps->p != '#')
		ps->p++;
	return 0;
}

static int set_bool(struct parser *ps, struct value *v, int *dst)
{
	if (v->type != V_BOOL)
		return perr(ps, "expected true or false");
	*dst = v->b;
	return 0;
}

static int set_str(struct parser *ps, struct value *v, char **dst)
{
	if (v->type != V_STR)
		return perr(ps, "expected a string");
	free(*dst);
	*dst = v->s;
	v->s = NULL;
	return 0;
}

enum table { T_TOP, T_REGISTRY, T_MIRROR, T_ALIASES, T_OTHER };

static int assign(struct parser *ps, struct cb_regconf *c, enum table t, const char *key, struct value *v)
{
	struct cb_registry_conf *reg = c->nregs ? &c->regs[c->nregs - 1] : NULL;
	switch (t) {
	case T_TOP:
		if (strcmp(key, "unqualified-search-registries") == 0) {
			if (v->type != V_ARRAY)
				return perr(ps, "unqualified-search-registries must be an array of strings");
			for (int i = 0; i < c->nsearch; i++)
				free(c->search[i]);
			memcpy(c->search, v->arr, sizeof(char *) * v->n);
			c->nsearch = v->n;
			v->n = 0;
		}
		return 0;
	case T_REGISTRY:
		if (!strcmp(key, "prefix"))
			return set_str(ps, v, &reg->prefix);
		if (!strcmp(key, "location"))
			return set_str(ps, v, &reg->location);
		if (!strcmp(key, "insecure"))
			return set_bool(ps, v, &reg->insecure);
		if (!strcmp(key, "blocked"))
			return set_bool(ps, v, &reg->blocked);
		return 0;
	case T_MIRROR: {
		struct cb_registry_mirror *m = &reg->mirrors[reg->nmirrors - 1];
		if (!strcmp(key, "location"))
			return set_str(ps, v, &m->location);
		if (!strcmp(key, "insecure"))
			return set_bool(ps, v, &m->insecure);
		return 0;
	}
	case T_ALIASES:
		if (v->type != V_STR)
			return perr(ps, "an alias must be a string");
		if (c->naliases == CB_REGCONF_MAX)
			return perr(ps, "too many aliases");
		c->alias_name[c->naliases] = strdup(key);
		c->alias_value[c->naliases++] = v->s;
		v->s = NULL;
		return 0;
	default:
		return 0;
	}
}

static int parse_header(struct parser *ps, struct cb_regconf *c, enum table *t)
{
	int arr = ps->p[1] == '[';
	const char *start = ps->p + 1 + arr, *end = strchr(start, ']');
	if (!end || (arr && end[1] != ']'))
		return perr(ps, "bad table header");
	size_t n = (size_t)(end - start);
	ps->p = end + 1 + arr;
	if (arr && n == 8 && !strncmp(start, "registry", 8)) {
		if (c->nregs == CB_REGCONF_MAX)
			return perr(ps, "too many [[registry]] tables");
		memset(&c->regs[c->nregs++], 0, sizeof(c->regs[0]));
		*t = T_REGISTRY;
	} else if (arr && n == 15 && !strncmp(start, "registry.mirror", 15)) {
		if (!c->nregs)
			return perr(ps, "[[registry.mirror]] before any [[registry]]");
		struct cb_registry_conf *reg = &c->regs[c->nregs - 1];
		if (reg->nmirrors == (int)CB_ARRAY_SIZE(reg->mirrors))
			return perr(ps, "too many mirrors");
		memset(&reg->mirrors[reg->nmirrors++], 0, sizeof(reg->mirrors[0]));
		*t = T_MIRROR;
	} else if (!arr && n == 7 && !strncmp(start, "aliases", 7)) {
		*t = T_ALIASES;
	} else {
		*t = T_OTHER;
	}
	return 0;
}

int cb_regconf_parse(struct cb_regconf *c, const char *text, const char *path, cb_err *e)
{
	struct parser ps = { text, path, 1, e };
	enum table t = T_TOP;
	snprintf(c->path, sizeof(c->path), "%s", path);
	for (;;) {
		skip(&ps, 1);
		if (!*ps.p)
			break;
		int r;
		if (*ps.p == '[') {
			r = parse_header(&ps, c, &t);
		} else {
			char *key = NULL;
			if (*ps.p == '"' || *ps.p == '\'') {
				r = parse_string(&ps, &key);
			} else {
				const char *k = ps.p;
				while (*ps.p && (isalnum((unsigned char)*ps.p) || strchr("-_.", *ps.p)))
					ps.p++;
				key = ps.p > k ? strndup(k, (size_t)(ps.p - k)) : NULL;
				r = key ? 0 : perr(&ps, "expected a key");
			}
			if (r < 0)
				return r;
			skip(&ps, 0);
			if (*ps.p != '=') {
				free(key);
				return perr(&ps, "expected '='");
			}
			ps.p++;
			skip(&ps, 0);
			struct value v;
			r = parse_value(&ps, &v);
			if (r == 0)
				r = assign(&ps, c, t, key, &v);
			value_free(&v);
			free(key);
		}
		if (r < 0)
			return r;
		skip(&ps, 0);
		if (*ps.p && *ps.p != '\n')
			return perr(&ps, "unexpected text after value");
	}
	for (int i = 0; i < c->nregs; i++) {
		struct cb_registry_conf *reg = &c->regs[i];
		if (!reg->prefix && !reg->location)
			return cb_fail(e, EINVAL, "%s: a [[registry]] has neither prefix nor location", path);
		if (!reg->prefix)
			reg->prefix = strdup(reg->location);
		for (int m = 0; m < reg->nmirrors; m++)
			if (!reg->mirrors[m].location)
				return cb_fail(e, EINVAL, "%s: a mirror of '%s' has no location", path, reg->prefix);
	}
	return 0;
}

void cb_regconf_free(struct cb_regconf *c)
{
	for (int i = 0; i < c->nsearch; i++)
		free(c->search[i]);
	for (int i = 0; i < c->nregs; i++) {
		free(c->regs[i].prefix);
		free(c->regs[i].location);
		for (int m = 0; m < c->regs[i].nmirrors; m++)
			free(c->regs[i].mirrors[m].location);
	}
	for (int i = 0; i < c->naliases; i++) {
		free(c->alias_name[i]);
		free(c->alias_value[i]);
	}
	memset(c, 0, sizeof(*c));
}

int cb_regconf_load(struct cb_regconf *c, cb_err *e)
{
	char user[512];
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *env = getenv("CBOX_REGISTRIES_CONF");
	memset(c, 0, sizeof(*c));
	if (xdg && *xdg)
		snprintf(user, sizeof(user), "%s/containers/registries.conf", xdg);
	else
		snprintf(user, sizeof(user), "%s/.config/containers/registries.conf", home ? home : "/");
	const char *paths[] = { env && *env ? env : NULL, user, "/etc/containers/registries.conf" };
	for (size_t i = 0; i < CB_ARRAY_SIZE(paths); i++) {
		if (!paths[i])
			continue;
		FILE *f = fopen(paths[i], "re");
		if (!f) {
			if (errno == ENOENT && i > 0)
				continue;
			return cb_fail_errno(e, errno, "registries.conf %s", paths[i]);
		}
		char *text = calloc(1, 1 << 20);
		size_t n = text ? fread(text, 1, (1 << 20) - 1, f) : 0;
		fclose(f);
		if (!text)
			return cb_fail(e, ENOMEM, "out of memory");
		cb_debug("registries.conf: %s (%zu bytes)", paths[i], n);
		int r = cb_regconf_parse(c, text, paths[i], e);
		free(text);
		return r;
	}
	return 0;
}

/* name ("host/repo") is under prefix: equal, or continued by '/'. "*.host" matches subdomains. */
static size_t prefix_match(const char *prefix, const char *name)
{
	size_t n = strlen(prefix);
	if (prefix[0] == '*' && prefix[1] == '.') {
		const char *slash = strchr(name, '/');
		size_t host = slash ? (size_t)(slash - name) : strlen(name);
		size_t suf = n - 1; /* ".example.com" */
		return host > suf && !strncmp(name + host - suf, prefix + 1, suf) ? n : 0;
	}
	if (strncmp(prefix, name, n) == 0 && (name[n] == '\0' || name[n] == '/'))
		return n;
	return 0;
}

int cb_regconf_resolve_short(const struct cb_regconf *c, struct cb_ref *r, const char **search[], int *n,
			     cb_err *e)
{
	static const char *docker_io[] = { "docker.io" };
	for (int i = 0; i < c->naliases; i++) {
		if (strcmp(c->alias_name[i], r->repo) != 0)
			continue;
		struct cb_ref a;
		if (cb_ref_parse(c->alias_value[i], &a, e) < 0)
			return cb_err_prefix(e, "%s: alias '%s'", c->path, r->repo);
		if (!a.registry[0])
			return cb_fail(e, EINVAL, "%s: alias '%s' is not fully qualified", c->path, r->repo);
		strcpy(r->registry, a.registry);
		strcpy(r->repo, a.repo);
		if (!r->digest[0] && strcmp(r->tag, "latest") == 0 && a.tag[0])
			strcpy(r->tag, a.tag);
		return 1;
	}
	if (c->nsearch) {
		*search = (const char **)c->search;
		*n = c->nsearch;
	} else {
		*search = docker_io;
		*n = 1;
	}
	return 0;
}

int cb_regconf_sources(const struct cb_regconf *c, const struct cb_ref *r, struct cb_pull_source *out, int max,
		       cb_err *e)
{
	char name[600];
	snprintf(name, sizeof(name), "%s/%s", r->registry, r->repo);
	const struct cb_registry_conf *best = NULL;
	size_t best_len = 0;
	for (int i = 0; i < c->nregs; i++) {
		size_t m = prefix_match(c->regs[i].prefix, name);
		if (m > best_len) {
			best = &c->regs[i];
			best_len = m;
		}
	}
	int n = 0;
	if (best && best->blocked)
		return cb_fail(e, EACCES, "registry %s is blocked in %s", best->prefix, c->path);
	/* A location replaces the matched prefix; wildcard prefixes keep the name as is. */
	const char *rest = best && best->prefix[0] != '*' ? name + best_len : NULL;
	for (int m = 0; best && m < best->nmirrors && n < max; m++, n++) {
		char full[800];
		snprintf(full, sizeof(full), "%s%s", best->mirrors[m].location, rest ? rest : name + strlen(r->registry));
		char *slash = strchr(full, '/');
		if (!slash)
			return cb_fail(e, EINVAL, "%s: mirror '%s' gives no repository for %s", c->path, full, name);
		snprintf(out[n].registry, sizeof(out[n].registry), "%.*s", (int)(slash - full), full);
		snprintf(out[n].repo, sizeof(out[n].repo), "%s", slash + 1);
		out[n].insecure = best->mirrors[m].insecure;
		out[n].mirror = 1;
	}
	if (n == max)
		return n;
	char full[800];
	if (best && best->location && rest)
		snprintf(full, sizeof(full), "%s%s", best->location, rest);
	else
		snprintf(full, sizeof(full), "%s", name);
	char *slash = strchr(full, '/');
	if (!slash)
		return cb_fail(e, EINVAL, "%s: location for %s gives no repository", c->path, name);
	snprintf(out[n].registry, sizeof(out[n].registry), "%.*s", (int)(slash - full), full);
	snprintf(out[n].repo, sizeof(out[n].repo), "%s", slash + 1);
	out[n].insecure = best ? best->insecure : 0;
	out[n].mirror = 0;
	return n + 1;
}
