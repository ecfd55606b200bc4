/* decompress.c - gzip (zlib) and zstd streams as cb_readers, with fixed small buffers.
 *
 * One input buffer of IN_SIZE bytes; output goes straight into the caller's buffer.
 * zlib needs ~40 KiB of state; zstd's window is what the frame asks for, capped at
 * 2^WINDOW_LOG_MAX so a hostile frame cannot make us allocate gigabytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "decompress.h"

#define IN_SIZE (32 * 1024)
#define WINDOW_LOG_MAX 27 /* 128 MiB: what zstd --long writes; default levels use far less */
#define OUT_MAX (1u << 30) /* zlib counts in uInt */

struct cb_decompressor {
	struct cb_reader *in;
	enum cb_compression kind;
	int in_eof;       /* `in` returned 0 */
	int done;         /* everything delivered */
	int member_end;   /* gzip: a member ended; another may follow */
	int frame_end;    /* zstd: the last call completed a frame */
	int started;      /* zstd: saw any input */
	int no_crc;       /* gzip: the caller checks a digest of the input instead */
	unsigned char tail[8]; /* gzip: the last 8 input bytes inflate took (a member's trailer) */
	z_stream z;
	int z_live;
	ZSTD_DStream *zs;
	size_t pos, len;  /* unread input is in[pos..len) */
	unsigned char in_buf[IN_SIZE];
};

const char *cb_compression_name(enum cb_compression c)
{
	switch (c) {
	case CB_COMP_NONE: return "none";
	case CB_COMP_GZIP: return "gzip";
	case CB_COMP_ZSTD: return "zstd";
	default: return "auto";
	}
}

/* Refill the input buffer once it is empty; sets in_eof at the end of `in`. */
static int refill(struct cb_decompressor *d, cb_err *e)
{
	if (d->pos < d->len || d->in_eof)
		return 0;
	ssize_t n = cb_read(d->in, d->in_buf, sizeof(d->in_buf), e);
	if (n < 0)
		return (int)n;
	d->pos = 0;
	d->len = (size_t)n;
	if (n == 0)
		d->in_eof = 1;
	return 0;
}

static ssize_t read_none(struct cb_decompressor *d, void *buf, size_t len, cb_err *e)
{
	if (d->pos < d->len) {
		size_t n = d->len - d->pos < len ? d->len - d->pos : len;
		memcpy(buf, d->in_buf + d->pos, n);
		d->pos += n;
		return (ssize_t)n;
	}
	return cb_read(d->in, buf, len, e);
}

/* Between gzip members: zero padding is tolerated (as gzip(1) does), anything else must
 * be the next member's magic. Returns 1 when a member follows, 0 at the end. */
static int gzip_next_member(struct cb_decompressor *d, cb_err *e)
{
	for (;;) {
		int r = refill(d, e);
		if (r < 0)
			return r;
		if (d->pos == d->len)
			return 0;
		unsigned char c = d->in_buf[d->pos];
		if (c == 0) {
			d->pos++;
			continue;
		}
		if (c != 0x1f)
			return cb_fail(e, EBADMSG, "gzip: trailing garbage after compressed data");
		if (inflateReset(&d->z) != Z_OK)
			return cb_fail(e, EIO, "gzip: cannot reset inflate state");
		return 1;
	}
}

/* Without zlib's check (inflateValidate 0) the trailer's ISIZE goes unchecked too: keep
 * the last input bytes so we can compare it ourselves. */
static void keep_tail(struct cb_decompressor *d, const unsigned char *p, size_t n)
{
	if (n >= sizeof(d->tail)) {
		memcpy(d->tail, p + n - sizeof(d->tail), sizeof(d->tail));
		return;
	}
	memmove(d->tail, d->tail + n, sizeof(d->tail) - n);
	memcpy(d->tail + sizeof(d->tail) - n, p, n);
}

static uint32_t isize(const unsigned char *t)
{
	return (uint32_t)t[4] | (uint32_t)t[5] << 8 | (uint32_t)t[6] << 16 | (uint32_t)t[7] << 24;
}

static ssize_t read_gzip(struct cb_decompressor *d, void *buf, size_t len, cb_err *e)
{
	for (;;) {
		int r;
		if (d->member_end) {
			r = gzip_next_member(d, e);
			if (r <= 0) {
				d->done = (r == 0);
				return r;
			}
			d->member_end = 0;
		}
		if ((r = refill(d, e)) < 0)
			return r;
		d->z.next_in = d->in_buf + d->pos;
		d->z.avail_in = (uInt)(d->len - d->pos);
		d->z.next_out = buf;
		d->z.avail_out = (uInt)len;
		r = inflate(&d->z, Z_NO_FLUSH);
		size_t took = d->len - d->z.avail_in - d->pos;
		if (d->no_crc)
			keep_tail(d, d->in_buf + d->pos, took);
		d->pos += took;
		size_t got = len - d->z.avail_out;
		if (r == Z_STREAM_END && d->no_crc && isize(d->tail) != (d->z.total_out & 0xffffffffu))
			return cb_fail(e, EBADMSG, "gzip: corrupt data: incorrect length check");
		if (r == Z_STREAM_END)
			d->member_end = 1;
		else if (r == Z_BUF_ERROR && d->in_eof && d->pos == d->len)
			return cb_fail(e, EBADMSG, "gzip: unexpected end of compressed data");
		else if (r != Z_OK && r != Z_BUF_ERROR)
			return cb_fail(e, r == Z_MEM_ERROR ? ENOMEM : EBADMSG, "gzip: corrupt data: %s",
				       d->z.msg ? d->z.msg : zError(r));
		if (got)
			return (ssize_t)got;
	}
}

static ssize_t read_zstd(struct cb_decompressor *d, void *buf, size_t len, cb_err *e)
{
	for (;;) {
		int r = refill(d, e);
		if (r < 0)
			return r;
		ZSTD_inBuffer ib = { d->in_buf, d->len, d->pos };
		ZSTD_outBuffer ob = { buf, len, 0 };
		if (ib.size > ib.pos)
			d->started = 1;
		size_t z = ZSTD_decompressStream(d->zs, &ob, &ib);
		int progress = ib.pos != d->pos || ob.pos;
		d->pos = ib.pos;
		if (ZSTD_isError(z)) {
			if (ZSTD_getErrorCode(z) == ZSTD_error_frameParameter_windowTooLarge)
				return cb_fail(e, EBADMSG, "zstd: frame window larger than the %u MiB limit",
					       (1u << WINDOW_LOG_MAX) >> 20);
			return cb_fail(e, ZSTD_getErrorCode(z) == ZSTD_error_memory_allocation ? ENOMEM : EBADMSG,
				       "zstd: corrupt data: %s", ZSTD_getErrorName(z));
		}
		/* 0 means a frame is complete; an idle call asks for the next frame instead */
		if (progress)
			d->frame_end = (z == 0);
		if (ob.pos)
			return (ssize_t)ob.pos;
		if (d->in_eof && d->pos == d->len) {
			if (d->frame_end && d->started) {
				d->done = 1;
				return 0;
			}
			return cb_fail(e, EIO, "zstd: unexpected end of compressed data");
		}
	}
}

static ssize_t dc_read(void *ctx, void *buf, size_t len, cb_err *e)
{
	struct cb_decompressor *d = ctx;
	if (d->done || len == 0)
		return 0;
	if (len > OUT_MAX)
		len = OUT_MAX;
	switch (d->kind) {
	case CB_COMP_GZIP:
		if (CFG_GZIP)
			return read_gzip(d, buf, len, e);
		break;
	case CB_COMP_ZSTD:
		if (CFG_ZSTD)
			return read_zstd(d, buf, len, e);
		break;
	default:
		return read_none(d, buf, len, e);
	}
	return cb_fail(e, ENOTSUP, "%s: not built in", cb_compression_name(d->kind));
}

/* Look at the first bytes without consuming them. */
static int sniff(struct cb_decompressor *d, enum cb_compression *c, cb_err *e)
{
	while (d->len < 4 && !d->in_eof) {
		ssize_t n = cb_read(d->in, d->in_buf + d->len, sizeof(d->in_buf) - d->len, e);
		if (n < 0)
			return (int)n;
		if (n == 0)
			d->in_eof = 1;
		d->len += (size_t)n;
	}
	const unsigned char *b = d->in_buf;
	unsigned magic = d->len >= 4 ? (unsigned)b[0] | b[1] << 8 | b[2] << 16 | (unsigned)b[3] << 24 : 0;
	if (d->len >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		*c = CB_COMP_GZIP;
	else if (magic == ZSTD_MAGICNUMBER || (magic & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START)
		*c = CB_COMP_ZSTD;
	else
		*c = CB_COMP_NONE;
	return 0;
}

int cb_decompress_open(struct cb_reader *in, enum cb_compression c, struct cb_reader *out,
		       struct cb_decompressor **dp, cb_err *e)
{
	struct cb_decompressor *d = calloc(1, sizeof(*d));
	int r;
	if (!d)
		return cb_fail(e, ENOMEM, "decompressor: out of memory");
	d->in = in;
	if (c == CB_COMP_AUTO && (r = sniff(d, &c, e)) < 0)
		goto fail;
	d->kind = c;
	if (c == CB_COMP_GZIP) {
		if (!CFG_GZIP) {
			r = cb_fail(e, ENOTSUP, "gzip-compressed data, but this cbox is built without gzip (CONFIG_GZIP)");
			goto fail;
		}
		/* 16 + MAX_WBITS: gzip wrapper only, so a zlib or raw stream is an error */
		if (inflateInit2(&d->z, 16 + MAX_WBITS) != Z_OK) {
			r = cb_fail(e, ENOMEM, "gzip: cannot set up inflate");
			goto fail;
		}
		d->z_live = 1;
	} else if (c == CB_COMP_ZSTD) {
		if (!CFG_ZSTD) {
			r = cb_fail(e, ENOTSUP, "zstd-compressed data, but this cbox is built without zstd (CONFIG_ZSTD)");
			goto fail;
		}
		d->zs = ZSTD_createDStream();
		if (!d->zs || ZSTD_isError(ZSTD_DCtx_setParameter(d->zs, ZSTD_d_windowLogMax, WINDOW_LOG_MAX))) {
			r = cb_fail(e, ENOMEM, "zstd: cannot set up the decompressor");
			goto fail;
		}
	} else if (c != CB_COMP_NONE) {
		r = cb_fail(e, EINVAL, "unknown compression %d", (int)c);
		goto fail;
	}
	out->read = dc_read;
	out->ctx = d;
	*dp = d;
	return 0;
fail:
	cb_decompress_free(d);
	return r;
}

void cb_decompress_no_crc(struct cb_decompressor *d)
{
	if (CFG_GZIP && d->z_live && inflateValidate(&d->z, 0) == Z_OK)
		d->no_crc = 1;
}

enum cb_compression cb_decompress_kind(const struct cb_decompressor *d)
{
	return d->kind;
}

void cb_decompress_free(struct cb_decompressor *d)
{
	if (!d)
		return;
	if (CFG_GZIP && d->z_live)
		inflateEnd(&d->z);
	if (CFG_ZSTD && d->zs)
		ZSTD_freeDStream(d->zs);
	free(d);
}
