/* layer.h - one layer blob into the store: verify, decompress, verify, extract, commit. */
#ifndef CB_LAYER_H
#define CB_LAYER_H

#include "manifest.h"
#include "store.h"
#include "unpack.h"

/* Exclusive lock for the layer's chain ID (concurrent pulls and loads wait here). */
int cb_layer_lock(struct cb_store *s, const struct cb_layer_desc *l, cb_err *e);
/* Read the compressed blob from `blob` to its end, checking its digest and size (when
 * l->size >= 0) and the uncompressed diff_id, unpack it into a tmp/ tree and move that to
 * layers/<chain>. Nothing stays behind on failure. -EBADMSG: the content is wrong. */
int cb_layer_store(struct cb_store *s, struct cb_reader *blob, const struct cb_layer_desc *l,
		   struct cb_unpack_stats *st, cb_err *e);
/* One warning per image for ids squashed into user.rootlesscontainers and skipped devices. */
void cb_layer_report(const char *image, const struct cb_unpack_stats *st);

#endif
