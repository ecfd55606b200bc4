/* image.h - finding images in the index by the names people type, and describing them. */
#ifndef CB_IMAGE_H
#define CB_IMAGE_H

#include <cjson/cJSON.h>

#include "manifest.h"
#include "regconf.h"
#include "store.h"

/* What the image applets start with: the store (--root), registries.conf, the index
(under its lock when `lock`, for applets that change it). */
int cb_image_index_open(struct cb_store *s, struct cb_regconf *rc, int lock, cJSON **index, cb_err *e);
/* The image an argument names: a full or short reference (short names tried with the
 * search registries, as podman does, then "localhost/"), or an ID prefix (>= 3 hex).
 * `matched` (may be NULL) gets the full name that matched, "" for an ID. NULL with *e
 * filled ("image not known") when none. */
cJSON *cb_image_lookup(cJSON *index, const char *arg, const struct cb_regconf *rc, char *matched, size_t mlen,
		       cb_err *e);
/* Record an image whose blobs and layers are in the store: by its config digest, with
 * name (a full reference, taken from any other image) and repo_digest (either may be NULL),
 * under the index lock. */
int cb_image_record(struct cb_store *s, const char *name, const char *repo_digest, const char *manifest_digest,
		    const char *config, const struct cb_manifest *m, cb_err *e);
/* 1 when an image in the index lists the layer whose chain ID's hex is hex. */
int cb_index_uses_layer(cJSON *index, const char *hex);
/* Layers no image uses any more are removed; returns the count removed. */
int cb_store_gc_layers(struct cb_store *s, cJSON *index);
/* Human forms: "4.26MB", "2 weeks ago". */
void cb_human_size(double bytes, char *out, size_t n);
void cb_human_age(const char *rfc3339, char *out, size_t n);

#endif
