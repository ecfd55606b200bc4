/* paths.h - who the caller is and where cbox keeps its files, decided once at start-up
 * from the real ids and the environment, before any applet enters a user namespace
 * (inside one the uid is 0, which must not make a user's store /var/lib/cbox). */
#ifndef CB_PATHS_H
#define CB_PATHS_H
#include <limits.h>
#include <sys/types.h>

#include "cbox.h"

/* Called by main before the applet; later calls are no-ops. */
void cb_paths_init(void);
/* The caller's real uid and gid as cbox started (not the user namespace's 0). */
uid_t cb_host_uid(void);
gid_t cb_host_gid(void);
static inline int cb_rootless(void) { return cb_host_uid() != 0; }
/* The default store: $CBOX_ROOT, else /var/lib/cbox for real root, else
 * $XDG_DATA_HOME/cbox, else $HOME/.local/share/cbox; "" with *why set when none. */
const char *cb_default_root(const char **why);
/* $XDG_RUNTIME_DIR/cbox when XDG_RUNTIME_DIR names an absolute path, else "". */
const char *cb_runtime_path(void);
#endif
