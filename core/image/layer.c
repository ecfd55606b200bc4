/* layer.c - the layer pipeline shared by pull and load. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "async.h"
#include "decompress.h"
#include "idmap.h"
#include "image.h"
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
/* Read r to its end; an error that does not name the layer yet (the transport's, after
 * the last entry) is named once. */
static int drain(struct cb_reader *r, const char *label, cb_err *e)
{
	char sink[4096];
	ssize_t n;
	while ((n = cb_read(r, sink, sizeof(sink), e)) > 0)
		;
	if (n < 0 && strncmp(e->msg, label, strlen(label)) != 0)
		cb_err_prefix(e, "%s", label);
	return (int)n;
}

static void note_contents(void *ctx, const char *path, uint64_t size)
{
	cb_tsplit_rec_file(ctx, path, size);
}

/* The unpacked size a layer may reach: the free space of the store's filesystem when it
 * starts, less 5% of it (at least 1 MiB) for everything else; past it, the layer is
 * refused as a decompression bomb (cb_layer_store's second line of defence is ENOSPC,
 * for layers unpacked side by side). */
struct limit {
	struct cb_reader *in;
	uint64_t n, max, free;
	const char *root;
};

static ssize_t limit_read(void *ctx, void *buf, size_t len, cb_err *e)
{
	struct limit *l = ctx;
	ssize_t n = cb_read(l->in, buf, len, e);
	if (n > 0 && (l->n += (uint64_t)n) > l->max) {
		char max[32], free[32];
		cb_human_size((double)l->max, max, sizeof(max));
		cb_human_size((double)l->free, free, sizeof(free));
		return cb_fail(e, EFBIG, "unpacks to more than %s, the free space of %s (%s) less a margin: refused "
			       "(a decompression bomb?)", max, l->root, free);
	}
	return n;
}

static void limit_init(struct limit *l, struct cb_store *s, struct cb_reader *in)
{
	struct statvfs vfs;
	*l = (struct limit){ in, 0, UINT64_MAX, 0, s->root };
	/* No size at all (ramfs; an initramfs' rootfs without tmpfs): no limit to take. */
	if (fstatvfs(s->rootfd, &vfs) < 0 || vfs.f_blocks == 0)
		return;
	l->free = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	uint64_t margin = l->free / 20 > (1u << 20) ? l->free / 20 : 1u << 20;
	l->max = l->free > margin ? l->free - margin : 0;
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
	int dirfd = -1, lock = -1;
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
	struct limit lim;
	struct cb_reader lim_r = { limit_read, &lim };
	limit_init(&lim, s, &ahead_r);
	if (r == 0) {
		cb_digest_reader_init(&diff_d, &lim_r, l->diff_id, -1, diff_label, &diff_r);
		lock = r = cb_store_layer_begin(s, tmpname, sizeof(tmpname), &dirfd, e);
		r = r < 0 ? r : 0;
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
		r = drain(&split_r, label, e);
	if (r == 0)
		r = cb_tsplit_rec_finish(rec, e);
	cb_async_close(ahead);
	if (r == 0)
		r = drain(&fetch_r, label, e);
	cb_async_close(fetch);
	cb_tsplit_rec_free(rec);
	if (dirfd >= 0)
		close(dirfd);
	cb_decompress_free(dz);
	if (r == 0)
		r = cb_store_layer_commit(s, tmpname, l->chain_id, e);
	if (r < 0 && lock >= 0)
		cb_store_discard(s, tmpname);
	if (lock >= 0)
		close(lock);
	if (r < 0)
		return r;
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
