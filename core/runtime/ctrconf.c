/* ctrconf.c - containers.conf's network keys (see ctrconf.h). A TOML subset: tables,
 * key = "string" and key = [ "string", ... ] (arrays may span lines), # comments. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrconf.h"

/* One quoted string at *p into out (size n, truncated); *p moves past it. 0, or -1. */
static int quoted(const char **p, char *out, size_t n)
{
	char q = **p;
	size_t o = 0;
	if (q != '"' && q != '\'')
		return -1;
	const char *s = *p + 1;
	for (; *s && *s != q && *s != '\n'; s++) {
		char ch = *s;
		if (q == '"' && ch == '\\' && s[1])
			ch = *++s;
		if (o + 1 < n)
			out[o++] = ch;
	}
	out[o] = '\0';
	if (*s != q)
		return -1;
	*p = s + 1;
	return 0;
}

static const char *skip_ws(const char *p, int nl)
{
	for (;;) {
		p += strspn(p, nl ? " \t\r\n" : " \t\r");
		if (*p != '#')
			return p;
		p += strcspn(p, "\n");
	}
}

/* key = value, with p after '='; the array goes into v[max][width]. Returns past it. */
static const char *value(const char *p, char *str, size_t width, char *arr, int *narr)
{
	p = skip_ws(p, 0);
	if (*p != '[') {
		if (str)
			quoted(&p, str, width);
		return p;
	}
	p++;
	if (narr)
		*narr = 0;
	for (;;) {
		p = skip_ws(p, 1);
		if (*p == ']' || !*p)
			return *p ? p + 1 : p;
		char tmp[512];
		if (quoted(&p, tmp, sizeof(tmp)) < 0)
			return p + strcspn(p, "]");
		if (arr && *narr < CB_CTRCONF_MAX)
			snprintf(arr + width * (size_t)(*narr)++, width, "%s", tmp);
		p = skip_ws(p, 1);
		if (*p == ',')
			p++;
	}
}

void cb_ctrconf_parse(struct cb_ctrconf *c, const char *text)
{
	int in_containers = 0;
	for (const char *p = text; *p;) {
		p = skip_ws(p, 1);
		if (*p == '[') {
			in_containers = !strncmp(p, "[containers]", 12);
			p += strcspn(p, "\n");
			continue;
		}
		size_t klen = strcspn(p, " \t=\n");
		char key[64];
		snprintf(key, sizeof(key), "%.*s", (int)(klen < 63 ? klen : 63), p);
		p = skip_ws(p + klen, 0);
		if (*p != '=') {
			p += strcspn(p, "\n");
			continue;
		}
		p++;
		char *s = NULL, *a = NULL;
		int *na = NULL;
		size_t w = 0;
		if (!in_containers)
			;
		else if (!strcmp(key, "base_hosts_file"))
			s = c->base_hosts_file, w = sizeof(c->base_hosts_file);
		else if (!strcmp(key, "userns"))
			s = c->userns, w = sizeof(c->userns);
		else if (!strcmp(key, "host_containers_internal_ip"))
			s = c->host_containers_internal_ip, w = sizeof(c->host_containers_internal_ip);
		else if (!strcmp(key, "dns_servers"))
			a = c->dns_servers[0], na = &c->ndns_servers, w = sizeof(c->dns_servers[0]);
		else if (!strcmp(key, "dns_searches"))
			a = c->dns_searches[0], na = &c->ndns_searches, w = sizeof(c->dns_searches[0]);
		else if (!strcmp(key, "dns_options"))
			a = c->dns_options[0], na = &c->ndns_options, w = sizeof(c->dns_options[0]);
		p = value(p, s, w, a, na);
		p += strcspn(p, "\n");
	}
}

void cb_ctrconf_load(struct cb_ctrconf *c)
{
	char user[512];
	const char *env = getenv("CONTAINERS_CONF"), *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	memset(c, 0, sizeof(*c));
	if (xdg && *xdg)
		snprintf(user, sizeof(user), "%s/containers/containers.conf", xdg);
	else
		snprintf(user, sizeof(user), "%s/.config/containers/containers.conf", home ? home : "/");
	const char *paths[] = { "/usr/share/containers/containers.conf", "/etc/containers/containers.conf", user };
	int n = 3;
	if (env && *env)
		paths[0] = env, n = 1;
	for (int i = 0; i < n; i++) {
		FILE *f = fopen(paths[i], "re");
		char *text = f ? calloc(1, 1 << 20) : NULL;
		if (!text) {
			if (errno != ENOENT)
				cb_debug("containers.conf %s: %s", paths[i], strerror(errno));
			if (f)
				fclose(f);
			continue;
		}
		fread(text, 1, (1 << 20) - 1, f);
		fclose(f);
		cb_debug("containers.conf: %s", paths[i]);
		cb_ctrconf_parse(c, text);
		free(text);
	}
}
