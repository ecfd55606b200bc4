/* load.h - images from docker-archive and oci-archive tarballs (plain, gzip or zstd). */
#ifndef CB_LOAD_H
#define CB_LOAD_H

#include "store.h"

/* Load every image in the archive read from `in`. For each, names[] gets its name (or
 * its ID when it has none), one per line, in *loaded (caller frees). */
int cb_load(struct cb_store *s, struct cb_reader *in, char **loaded, cb_err *e);

#endif
