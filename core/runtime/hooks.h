/* hooks.h - runtime-spec hooks (prestart, createRuntime, createContainer, startContainer,
 * poststart, poststop): each one's program run with the container's state JSON on its
 * standard input, its output on our stderr, killed after its timeout. */
#ifndef CB_HOOKS_H
#define CB_HOOKS_H
#include <cjson/cJSON.h>

#include "cbox.h"

/* config.json's "hooks" object checked: known kinds, each hook an absolute path, args
 * and env arrays of strings, a timeout > 0. */
int cb_hooks_check(const cJSON *hooks, cb_err *e);
/* Run hooks.KIND in order (state: the runtime-spec state object); the first failure
 * stops them: "hooks.KIND[N] PATH: exit status S" (or "timed out after T s"). */
int cb_hooks_run(const cJSON *hooks, const char *kind, const cJSON *state, cb_err *e);
/* The state a hook reads: ociVersion, id, status, pid, bundle, annotations. */
cJSON *cb_hooks_state(const char *id, const char *status, int pid, const char *bundle, const cJSON *annotations);
#endif
