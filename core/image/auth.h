/* auth.h - registry credentials in containers-auth.json / docker config.json form. */
#ifndef CB_AUTH_H
#define CB_AUTH_H

#include "cbox.h"

/* Where login writes: $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json,
 * else ~/.config/containers/auth.json. */
int cb_auth_path(char *out, size_t n, cb_err *e);
/* Credentials for registry (host[:port]) from the auth file, then ~/.docker/config.json.
 * Returns 1 and fills user/pass when found, 0 when none. */
int cb_auth_lookup(const char *registry, char *user, size_t ulen, char *pass, size_t plen, cb_err *e);
/* Store (user != NULL) or remove (user == NULL) credentials; the file is 0600. */
int cb_auth_store(const char *registry, const char *user, const char *pass, cb_err *e);

size_t cb_base64_encode(const void *in, size_t n, char *out, size_t outlen);
/* Returns the decoded length, or -1 on bad input. */
long cb_base64_decode(const char *in, void *out, size_t outlen);

#endif
