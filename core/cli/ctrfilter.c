/* ctrfilter.c - podman's container filters. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctrfilter.h"
#include "health.h"

static const char *get(const cJSON *j, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(j, k)) ?: "";
}

/* One filter against a container: 1 it passes, 0 not, -2 with *e when not understood. */
static int filter_ok(struct cb_store *s, const char *f, const char *id, const cJSON *cfg, const struct cb_state *st, cb_err *e)
{
	const char *eq = strchr(f, '='), *v = eq ? eq + 1 : "";
	size_t kl = eq ? (size_t)(eq - f) : strlen(f);
#define KEY(k) (kl == strlen(k) && !strncmp(f, k, kl))
	if (KEY("id"))
		return !strncmp(id, v, strlen(v));
	if (KEY("name")) {
		regex_t re;
		if (!CFG_REGEX_FILTERS || regcomp(&re, v, REG_EXTENDED | REG_NOSUB))
			return !strcmp(v, get(cfg, "name"));
		int ok = !regexec(&re, get(cfg, "name"), 0, NULL, 0);
		regfree(&re);
		return ok;
	}
	if (KEY("status"))
		return !strcmp(v, cb_state_name(st->state)) || (!strcmp(v, "stopped") && st->state == CB_STATE_EXITED);
	if (CFG_HOUSEKEEPING && KEY("restart-policy")) {
		static const char *const policies[] = { "always", "no", "none", "on-failure", "unless-stopped" };
		const char *have = get(cfg, "restart"); /* run --restart, as create records it */
		size_t i = 0;
		while (i < CB_ARRAY_SIZE(policies) && strcmp(v, policies[i]))
			i++;
		if (i == CB_ARRAY_SIZE(policies))
			return cb_fail(e, EINVAL, "%s invalid restart policy", v), -2;
		return !strcmp(v, have) || ((!strcmp(v, "none") || !strcmp(v, "no")) && (!*have || !strcmp(have, "no")));
	}
	if (CFG_APPLET_HEALTHCHECK && KEY("health")) {
		/* healthy, unhealthy, starting; none: no healthcheck (podman 5's, 4.3 matched nothing) */
		char h[16];
		cb_health_status(s, id, cfg, h, sizeof(h));
		return !strcmp(v, h) || (!strcmp(v, "none") && !cb_health_defined(cfg));
	}
	if (KEY("exited"))
		return st->state == CB_STATE_EXITED && st->exit_code == atoi(v);
	if (KEY("ancestor")) {
		const char *img = get(cfg, "image"), *name = get(cfg, "image_name"), *slash = strrchr(name, '/');
		size_t l = strlen(v);
		return !strcmp(v, name) || (slash && !strcmp(v, slash + 1)) || (!strncmp(name, v, l) && name[l] == ':') ||
		       (slash && !strncmp(slash + 1, v, l) && slash[1 + l] == ':') ||
		       (l >= 3 && !strncmp(img + (strncmp(img, "sha256:", 7) ? 0 : 7), v, l));
	}
	if (KEY("label")) {
		const char *leq = strchr(v, '=');
		size_t ll = leq ? (size_t)(leq - v) : strlen(v);
		const cJSON *l;
		cJSON_ArrayForEach(l, cJSON_GetObjectItem(cfg, "labels"))
			if (strlen(l->string) == ll && !strncmp(l->string, v, ll))
				return !leq || !strcmp(cJSON_GetStringValue(l) ?: "", leq + 1);
		return 0;
	}
	if (KEY("before") || KEY("since")) {
		char other[65];
		cb_err ignore;
		int fd;
		cJSON *ocfg;
		if (cb_container_resolve(s, v, other, sizeof(other), &ignore) < 0 ||
		    cb_container_open(s, other, &fd, &ocfg, &ignore) < 0)
			return 0;
		close(fd);
		int c = strcmp(get(cfg, "created"), get(ocfg, "created"));
		cJSON_Delete(ocfg);
		return f[0] == 'b' ? c < 0 : c > 0;
	}
#undef KEY
	return cb_fail(e, EINVAL, "invalid filter \"%s\"", f), -2;
}

int cb_ctr_filters_ok(struct cb_store *s, const char **f, int nf, const char *id, const cJSON *cfg,
		      const struct cb_state *st, cb_err *e)
{
	for (int i = 0; i < nf; i++) {
		size_t kl = strcspn(f[i], "=");
		int any = 0, seen = 0;
		for (int j = 0; j < nf; j++) {
			if (strncmp(f[i], f[j], kl + 1))
				continue;
			if (j < i) {
				seen = 1; /* this key was judged already */
				break;
			}
			int ok = filter_ok(s, f[j], id, cfg, st, e);
			if (ok < 0)
				return -1;
			any |= ok;
		}
		if (!seen && !any)
			return 0;
	}
	return 1;
}

