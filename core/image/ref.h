/* ref.h - image references: [registry/]repo[:tag][@sha256:digest]. */
#ifndef CB_REF_H
#define CB_REF_H

#include "cbox.h"

struct cb_ref {
	char registry[256]; /* "docker.io", "localhost:5000"; empty for a short name */
	char repo[256];     /* "library/alpine" */
	char tag[129];      /* "latest" unless a digest alone was given */
	char digest[72];    /* "" unless given */
};

/* Parse and validate; a short name ("alpine", "foo/bar") leaves registry empty. */
int cb_ref_parse(const char *s, struct cb_ref *r, cb_err *e);
/* Give a short name its registry (docker.io adds "library/" to one-component names). */
int cb_ref_qualify(struct cb_ref *r, const char *registry, cb_err *e);
/* "registry/repo[:tag][@digest]" */
void cb_ref_format(const struct cb_ref *r, char *buf, size_t n);
/* Where the registry is served: docker.io is registry-1.docker.io. */
const char *cb_registry_host(const char *registry);

#endif
