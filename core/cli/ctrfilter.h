/* ctrfilter.h - podman's container filters (ps --filter, start --filter). */
#ifndef CB_CTRFILTER_H
#define CB_CTRFILTER_H

#include <cjson/cJSON.h>

#include "state.h"

/* Does the container (id, its config.json, its state) pass the filters f[0..nf-1]
 * (id=, name= (a regex), status=, exited=, ancestor=, label=, before=, since=,
 * restart-policy=)? The same key again widens (either), different keys narrow (all).
 * 1 it does, 0 not, -1 with *e for a filter not understood. */
int cb_ctr_filters_ok(struct cb_store *s, const char **f, int nf, const char *id, const cJSON *cfg,
		      const struct cb_state *st, cb_err *e);

#endif
