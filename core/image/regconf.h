/* regconf.h - registries.conf (v2): search registries, aliases, per-registry location,
 * insecure, blocked and mirrors. */
#ifndef CB_REGCONF_H
#define CB_REGCONF_H

#include "cbox.h"
#include "ref.h"

#define CB_REGCONF_MAX 64

struct cb_registry_mirror {
	char *location;
	int insecure;
};
struct cb_registry_conf {
	char *prefix;   /* "example.com/foo", "*.example.com"; defaults to location */
	char *location; /* where it is really served; defaults to prefix */
	int insecure, blocked;
	struct cb_registry_mirror mirrors[8];
	int nmirrors;
};
struct cb_regconf {
	char path[512]; /* the file read, "" when none */
	char *search[CB_REGCONF_MAX];
	int nsearch;
	struct cb_registry_conf regs[CB_REGCONF_MAX];
	int nregs;
	char *alias_name[CB_REGCONF_MAX], *alias_value[CB_REGCONF_MAX];
	int naliases;
};

/* A place to pull from: an endpoint and the repository path there. */
struct cb_pull_source {
	char registry[256];
	char repo[256];
	int insecure;
	int mirror;
};

/* Read $CBOX_REGISTRIES_CONF, else ~/.config/containers/registries.conf, else
 * /etc/containers/registries.conf (the first that exists); none is fine. */
int cb_regconf_load(struct cb_regconf *c, cb_err *e);
int cb_regconf_parse(struct cb_regconf *c, const char *text, const char *path, cb_err *e);
void cb_regconf_free(struct cb_regconf *c);
/* Registries a short name is tried at, in order ("docker.io" when none is configured);
 * an alias resolves it to one full reference instead (returns 1 and fills *r). */
int cb_regconf_resolve_short(const struct cb_regconf *c, struct cb_ref *r, const char **search[], int *n, cb_err *e);
/* Mirrors first, then the registry itself, with the location rewrite applied. A
 * blocked registry is an error naming it. Returns the count. */
int cb_regconf_sources(const struct cb_regconf *c, const struct cb_ref *r, struct cb_pull_source *out, int max, cb_err *e);

#endif
