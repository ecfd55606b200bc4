/* layer.c - the layer pipeline shared by pull and load. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "async.h"
#include "decompress.h"
#include "idmap.h"
#include "layer.h"
#include "tarsplit.h"
#include "unpack.h"

int cb_layer_lock(struct cb_store *s, const struct cb_layer_desc *l, cb_err *e)
{
	char name[96];
	snprintf(name, sizeof(name), "layer-%s", cb_digest_hex(l->chain_id));
	return cb_store_lock_name(s, name, e);
}

/* Read a stream to its end: the digest readers check at EOF. */
static int drain(struct cb_reader *r, cb_err *e)
{
	char sink[4096];
	ssize_t n;
	while ((n = cb_read(r, sink, sizeof(sink), e)) > 0)
		;
	return (int)n;
}

static void note_contents(void *ctx, const char *path, uint64_t size)
{
	cb_tsplit_rec_file(ctx, path, size);
}

/* The tar-split recorder for a tmp/ tree: its record sits beside diff/. */
static int split_open(struct cb_store *s, const char *tmpname, struct cb_reader *in, struct cb_reader *out,
		      struct cb_tsplit_rec **rec, cb_err *e)
{
	int tfd CB_AUTOCLOSE = openat(s->rootfd, tmpname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0)
		return cb_fail_errno(e, errno, "%s/%s", s->root, tmpname);
	return cb_tsplit_rec_open(tfd, CB_TSPLIT_NAME, in, out, rec, e);
}

int cb_layer_store(struct cb_store *s, struct cb_reader *blob, const struct cb_layer_desc *l,
		   struct cb_unpack_stats *st, cb_err *e)
{
	struct cb_reader blob_r, fetch_r, tar_r, ahead_r, diff_r, split_r;
	struct cb_async *fetch = NULL, *ahead = NULL;
	struct cb_digest_reader blob_d, diff_d;
	struct cb_decompressor *dz = NULL;
	struct cb_tsplit_rec *rec = NULL;
	char label[100], diff_label[120], tmpname[256] = "";
	int dirfd = -1;
	snprintf(label, sizeof(label), "layer %s", l->digest);
	snprintf(diff_label, sizeof(diff_label), "layer %s: uncompressed", l->digest);
	cb_digest_reader_init(&blob_d, blob, l->digest, l->size, label, &blob_r);
	/* Three stages, each on a thread of its own: network, TLS and the blob's digest;
	 * decompression (the longest: nothing else on its thread); hashing and unpacking here. */
	int r = cb_async_open(&blob_r, &fetch_r, &fetch, e);
	if (r == 0)
		r = cb_decompress_open(&fetch_r, (enum cb_compression)l->compression, &tar_r, &dz, e);
	if (r == 0)
		cb_decompress_no_crc(dz); /* blob_d checks the sha256 of every compressed byte */
	if (r == 0)
		r = cb_async_open(&tar_r, &ahead_r, &ahead, e);
	if (r == 0) {
		cb_digest_reader_init(&diff_d, &ahead_r, l->diff_id, -1, diff_label, &diff_r);
		r = cb_store_layer_begin(s, tmpname, sizeof(tmpname), &dirfd, e);
	}
	/* Everything the unpacker reads also goes through the recorder, so save can give
	 * back the very same stream (and digest) later. */
	if (r == 0)
		r = split_open(s, tmpname, &diff_r, &split_r, &rec, e);
	struct cb_unpack_stats us = { 0 };
	if (r == 0) {
		/* Rootless (a user namespace, even as uid 0 inside): user.* xattrs, no devices. */
		struct cb_unpack_opts uo = { .whiteouts = CB_WH_OVERLAY, .rootless = cb_in_userns(),
					     .contents = note_contents, .contents_ctx = rec };
		r = cb_unpack_tar(&split_r, dirfd, l->digest, &uo, &us, e);
	}
	/* Past the tar's end-of-archive blocks (recorded too): both digests are checked at EOF. */
	if (r == 0)
		r = drain(&split_r, e);
	if (r == 0)
		r = cb_tsplit_rec_finish(rec, e);
	cb_async_close(ahead);
	if (r == 0)
		r = drain(&fetch_r, e);
	cb_async_close(fetch);
	cb_tsplit_rec_free(rec);
	if (dirfd >= 0)
		close(dirfd);
	cb_decompress_free(dz);
	if (r == 0)
		r = cb_store_layer_commit(s, tmpname, l->chain_id, e);
	if (r < 0) {
		if (tmpname[0])
			cb_store_discard(s, tmpname);
		return r;
	}
	st->entries += us.entries;
	st->squashed_ids += us.squashed_ids;
	st->skipped_devices += us.skipped_devices;
	st->unrecorded_ids += us.unrecorded_ids;
	return 0;
}

void cb_layer_report(const char *image, const struct cb_unpack_stats *st)
{
	unsigned long kept = st->squashed_ids - st->unrecorded_ids;
	if (kept)
		cb_warn("%s: %lu files are owned by ids outside this user namespace's mapping: stored as 0:0, "
			"the original ids kept in the user.rootlesscontainers xattr",
			image, kept);
	if (st->unrecorded_ids)
		cb_warn("%s: %lu files are owned by ids outside this user namespace's mapping: stored as 0:0; "
			"the store's filesystem takes no user.* xattrs, so their ids are not in user.rootlesscontainers "
			"(save still writes the original ids)",
			image, st->unrecorded_ids);
	if (st->skipped_devices)
		cb_info("%s: %lu device nodes skipped (rootless)", image, st->skipped_devices);
}
