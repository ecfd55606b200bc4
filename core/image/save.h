/* save.h - images out of the store as docker-archive or oci-archive tarballs, with
 * layers rebuilt byte for byte from their tar-split records (same diff_ids, same IDs). */
#ifndef CB_SAVE_H
#define CB_SAVE_H

#include <cjson/cJSON.h>

#include "store.h"
#include "tarw.h"

enum cb_save_format { CB_SAVE_DOCKER, CB_SAVE_OCI };

struct cb_save_image {
	cJSON *img;         /* the image's entry in the index */
	const char *const *names; /* full names to record in the archive (may be none) */
	int nnames;
};

/* Write one archive holding the images to fd. Every layer is checked (record present,
 * files of the recorded sizes) before the first byte is written; its digest is checked
 * against the diff_id while it streams, so a layer changed since it was unpacked fails
 * the save, naming it. */
int cb_save(struct cb_store *s, const struct cb_save_image *imgs, int n, enum cb_save_format f, int fd, cb_err *e);

/* A layer's tar stream (layers/<chain hex>): its size from the record, after checking
 * that every file it refers to is there with its recorded size. */
int cb_save_layer_size(struct cb_store *s, const char *chain_id, const char *diff_id, uint64_t *size, cb_err *e);
/* The stream into w as the entry `name` of `size` bytes, its sha256 checked against diff_id. */
int cb_save_layer(struct cb_store *s, const char *chain_id, const char *diff_id, const char *name, uint64_t size,
		  struct cb_tarw *w, cb_err *e);

/* The same stream, without the entry around it, into sink (push gzips it). */
typedef int (*cb_save_sink)(void *ctx, const void *data, size_t len, cb_err *e);
int cb_save_layer_stream(struct cb_store *s, const char *chain_id, const char *diff_id, cb_save_sink sink, void *ctx,
			 cb_err *e);

#endif
