/* secret.h - podman's secrets, file driver: ROOT/secrets/NAME/ holds "data" (read-only,
 * 0444) and "id" (25 hex digits); run --secret NAME binds the data read-only on
 * /run/secrets/NAME (or target=). */
#ifndef CB_SECRET_H
#define CB_SECRET_H

#include "store.h"

/* Make secret name with data (len bytes): its id in id (26 bytes). */
int cb_secret_create(struct cb_store *s, const char *name, const char *data, size_t len, char *id, cb_err *e);
/* The secret a name or id names: 0 with its name (256 bytes) and id (26), else -ENOENT
 * with podman's words. */
int cb_secret_find(struct cb_store *s, const char *ref, char *name, char *id, cb_err *e);
int cb_secret_rm(struct cb_store *s, const char *name, cb_err *e);
/* Every secret's name (malloc'd, *n of them). */
int cb_secret_names(struct cb_store *s, char ***names, int *n, cb_err *e);

#endif
