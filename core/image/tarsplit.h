/* tarsplit.h - what it takes to rebuild a layer's exact tar stream from its unpacked
 * tree: every byte of the stream that is not a regular file's contents, kept verbatim,
 * and for each file's contents its size and where it now lives. Recorded while the layer
 * is unpacked (layers/<chain>/tar-split), replayed by save. */
#ifndef CB_TARSPLIT_H
#define CB_TARSPLIT_H

#include <stdint.h>

#include "cbox.h"

#define CB_TSPLIT_NAME "tar-split"

/* ---- recording ---- */
struct cb_tsplit_rec;

/* Create dirfd/name and wrap `in`: *out passes the stream through unchanged and records
 * it. Read *out to its end, then call cb_tsplit_rec_finish. */
int cb_tsplit_rec_open(int dirfd, const char *name, struct cb_reader *in, struct cb_reader *out,
		       struct cb_tsplit_rec **rec, cb_err *e);
/* The next `size` bytes read are the contents of the file at `path` (relative to the
 * layer tree): only a reference is recorded. */
void cb_tsplit_rec_file(struct cb_tsplit_rec *rec, const char *path, uint64_t size);
/* Write the end record, flush and fsync. */
int cb_tsplit_rec_finish(struct cb_tsplit_rec *rec, cb_err *e);
void cb_tsplit_rec_free(struct cb_tsplit_rec *rec);

/* ---- replaying ---- */
enum cb_tsplit_kind { CB_TSPLIT_BYTES = 'M', CB_TSPLIT_FILE = 'F', CB_TSPLIT_END = 'E' };

struct cb_tsplit_item {
	enum cb_tsplit_kind kind;
	const unsigned char *data; /* BYTES: the verbatim bytes */
	uint64_t len;              /* BYTES: their count; FILE: the contents' size; END: the stream's size */
	const char *path;          /* FILE: relative to the layer tree */
};

struct cb_tsplit_play;

/* Open dirfd/name (-ENOENT when the layer has none). */
int cb_tsplit_play_open(int dirfd, const char *name, struct cb_tsplit_play **p, cb_err *e);
/* 1 with *it filled (valid until the next call), 0 after the END item, or -errno. */
int cb_tsplit_play_next(struct cb_tsplit_play *p, struct cb_tsplit_item *it, cb_err *e);
void cb_tsplit_play_free(struct cb_tsplit_play *p);

#endif
