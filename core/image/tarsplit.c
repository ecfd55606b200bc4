/* tarsplit.c - record and replay a layer's tar stream without its file contents.
 *
 * The record (layers/<chain>/tar-split) is a gzip stream (plain when the build has no
 * save applet) of:
 *
 *   "cbox-tar-split 1\n"
 *   'M' LEN BYTES       LEN bytes of the stream, verbatim: headers, pax/GNU extension
 *                       blocks, padding, contents not taken from a file, and everything
 *                       after the last entry (zero blocks, trailing bytes up to EOF)
 *   'F' SIZE PLEN PATH  SIZE bytes of contents: the file PATH (PLEN bytes, no NUL,
 *                       relative to the layer's diff/, resolved inside it)
 *   'E' TOTAL           the end; TOTAL is the size of the whole stream
 *
 * M and F records alternate in stream order; numbers are unsigned LEB128 varints. An
 * M record holds at most CB_TSPLIT_CHUNK bytes. The recorder is a reader stacked on the
 * uncompressed layer stream, so it sees exactly the bytes the tar reader consumes and
 * then the drained rest; the unpacker tells it where a file's contents begin. Memory is
 * fixed: one chunk buffer and deflate's state (~128 KiB with the parameters below). */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "decompress.h"
#include "tar.h"
#include "tarsplit.h"

#define MAGIC "cbox-tar-split 1\n"
#define CHUNK (64 * 1024) /* largest M record */
#define OBUF (16 * 1024)
/* Only a build that can save wants small records; one without save (tiny) still records,
 * plainly, for a full cbox on the same store, and leaves deflate out (~20 KiB). The
 * player takes either. */
#define TSPLIT_GZIP (CFG_GZIP && CFG_APPLET_SAVE)

struct cb_tsplit_rec {
	struct cb_reader *in;
	int fd;
	int err;          /* sticky: writing the record failed (negative errno, message in emsg) */
	cb_err emsg;
	uint64_t total;   /* stream bytes passed through */
	uint64_t content; /* bytes of the announced file's contents still to come */
	size_t mlen;      /* verbatim bytes waiting in mbuf */
	z_stream z;
	int z_live;
	size_t olen;      /* uncompressed builds: bytes waiting in obuf */
	unsigned char mbuf[CHUNK];
	unsigned char obuf[OBUF];
};

static int write_all(struct cb_tsplit_rec *r, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = write(r->fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return r->err = cb_fail_errno(&r->emsg, errno, "writing %s", CB_TSPLIT_NAME);
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Deflate (or buffer) len bytes of record; flush = Z_FINISH ends the stream. */
static int emit(struct cb_tsplit_rec *r, const void *data, size_t len, int flush)
{
	if (r->err)
		return r->err;
	if (!TSPLIT_GZIP) {
		if (r->olen + len > OBUF || flush == Z_FINISH) {
			if (write_all(r, r->obuf, r->olen) < 0)
				return r->err;
			r->olen = 0;
		}
		if (len > OBUF)
			return write_all(r, data, len);
		memcpy(r->obuf + r->olen, data, len);
		r->olen += len;
		if (flush == Z_FINISH && write_all(r, r->obuf, r->olen) == 0)
			r->olen = 0;
		return r->err;
	}
	r->z.next_in = (unsigned char *)data;
	r->z.avail_in = (uInt)len;
	for (;;) {
		r->z.next_out = r->obuf;
		r->z.avail_out = OBUF;
		int zr = deflate(&r->z, flush);
		if (zr == Z_STREAM_ERROR)
			return r->err = cb_fail(&r->emsg, EIO, "compressing %s", CB_TSPLIT_NAME);
		if (OBUF - r->z.avail_out && write_all(r, r->obuf, OBUF - r->z.avail_out) < 0)
			return r->err;
		if (flush == Z_FINISH ? zr == Z_STREAM_END : r->z.avail_in == 0 && r->z.avail_out)
			return 0;
	}
}

static size_t put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;
	for (; v >= 0x80; v >>= 7)
		p[n++] = (unsigned char)(v | 0x80);
	p[n++] = (unsigned char)v;
	return n;
}

static int flush_bytes(struct cb_tsplit_rec *r)
{
	unsigned char h[11] = { 'M' };
	if (!r->mlen)
		return r->err;
	size_t n = 1 + put_varint(h + 1, r->mlen);
	emit(r, h, n, Z_NO_FLUSH);
	emit(r, r->mbuf, r->mlen, Z_NO_FLUSH);
	r->mlen = 0;
	return r->err;
}

static int add_bytes(struct cb_tsplit_rec *r, const unsigned char *p, size_t len)
{
	while (len && !r->err) {
		size_t k = CHUNK - r->mlen < len ? CHUNK - r->mlen : len;
		memcpy(r->mbuf + r->mlen, p, k);
		r->mlen += k;
		p += k;
		len -= k;
		if (r->mlen == CHUNK)
			flush_bytes(r);
	}
	return r->err;
}

static ssize_t rec_read(void *ctx, void *buf, size_t len, cb_err *e)
{
	struct cb_tsplit_rec *r = ctx;
	if (r->err) {
		*e = r->emsg;
		return r->err;
	}
	ssize_t n = cb_read(r->in, buf, len, e);
	if (n <= 0)
		return n;
	size_t c = r->content < (uint64_t)n ? (size_t)r->content : (size_t)n;
	r->content -= c;
	r->total += (uint64_t)n;
	if ((size_t)n > c && add_bytes(r, (unsigned char *)buf + c, (size_t)n - c) < 0) {
		*e = r->emsg;
		return r->err;
	}
	return n;
}

int cb_tsplit_rec_open(int dirfd, const char *name, struct cb_reader *in, struct cb_reader *out,
		       struct cb_tsplit_rec **rp, cb_err *e)
{
	struct cb_tsplit_rec *r = calloc(1, sizeof(*r));
	if (!r)
		return cb_fail(e, ENOMEM, "%s: out of memory", name);
	r->in = in;
	r->fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (r->fd < 0) {
		free(r);
		return cb_fail_errno(e, errno, "creating %s", name);
	}
	/* Small window: headers repeat within a few KiB; this keeps deflate near 128 KiB.
	 * Level 1: the record is written on the unpacking thread, in the pull's critical path. */
	if (TSPLIT_GZIP) {
		if (deflateInit2(&r->z, 1, Z_DEFLATED, 16 + 14, 7, Z_DEFAULT_STRATEGY) != Z_OK) {
			cb_tsplit_rec_free(r);
			return cb_fail(e, ENOMEM, "%s: cannot start deflate", name);
		}
		r->z_live = 1;
	}
	if (emit(r, MAGIC, strlen(MAGIC), Z_NO_FLUSH) < 0) {
		*e = r->emsg;
		int err = r->err;
		cb_tsplit_rec_free(r);
		return err;
	}
	*out = (struct cb_reader){ rec_read, r };
	*rp = r;
	return 0;
}

void cb_tsplit_rec_file(struct cb_tsplit_rec *r, const char *path, uint64_t size)
{
	unsigned char h[24] = { 'F' };
	size_t plen = strlen(path);
	if (!size || r->err)
		return; /* nothing to take from a file: the (empty) contents are just absent */
	if (r->content) { /* the unpacker read less than it announced: the record would lie */
		r->err = cb_fail(&r->emsg, EPROTO, "%s: contents of the previous file not read", CB_TSPLIT_NAME);
		return;
	}
	flush_bytes(r);
	size_t n = 1 + put_varint(h + 1, size);
	n += put_varint(h + n, plen);
	emit(r, h, n, Z_NO_FLUSH);
	emit(r, path, plen, Z_NO_FLUSH);
	r->content = size;
}

int cb_tsplit_rec_finish(struct cb_tsplit_rec *r, cb_err *e)
{
	unsigned char h[11] = { 'E' };
	if (!r->err && r->content)
		r->err = cb_fail(&r->emsg, EPROTO, "%s: stream ended inside a file's contents", CB_TSPLIT_NAME);
	flush_bytes(r);
	emit(r, h, 1 + put_varint(h + 1, r->total), Z_FINISH);
	if (!r->err && fsync(r->fd) < 0)
		r->err = cb_fail_errno(&r->emsg, errno, "fsync %s", CB_TSPLIT_NAME);
	if (r->err)
		*e = r->emsg;
	return r->err;
}

void cb_tsplit_rec_free(struct cb_tsplit_rec *r)
{
	if (!r)
		return;
	if (TSPLIT_GZIP && r->z_live)
		deflateEnd(&r->z);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

/* ---- replay ---- */

struct cb_tsplit_play {
	int fd;
	struct cb_reader fdr, in;
	struct cb_decompressor *dz;
	int ended;
	size_t pos, len; /* unread decompressed bytes in ibuf[pos..len) */
	unsigned char ibuf[OBUF];
	unsigned char data[CHUNK];
	char path[CB_TAR_NAME_MAX + 1];
};

/* Exactly n bytes of the record into dst. */
static int get(struct cb_tsplit_play *p, void *dst, size_t n, cb_err *e)
{
	unsigned char *d = dst;
	while (n) {
		if (p->pos == p->len) {
			ssize_t k = cb_read(&p->in, p->ibuf, sizeof(p->ibuf), e);
			if (k < 0)
				return (int)k;
			if (k == 0)
				return cb_fail(e, EBADMSG, "%s: truncated", CB_TSPLIT_NAME);
			p->pos = 0;
			p->len = (size_t)k;
		}
		size_t k = p->len - p->pos < n ? p->len - p->pos : n;
		memcpy(d, p->ibuf + p->pos, k);
		p->pos += k;
		d += k;
		n -= k;
	}
	return 0;
}

static int get_varint(struct cb_tsplit_play *p, uint64_t *v, cb_err *e)
{
	*v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		unsigned char b;
		int r = get(p, &b, 1, e);
		if (r < 0)
			return r;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return cb_fail(e, EBADMSG, "%s: bad number", CB_TSPLIT_NAME);
}

int cb_tsplit_play_open(int dirfd, const char *name, struct cb_tsplit_play **pp, cb_err *e)
{
	struct cb_tsplit_play *p = calloc(1, sizeof(*p));
	char magic[sizeof(MAGIC) - 1];
	if (!p)
		return cb_fail(e, ENOMEM, "%s: out of memory", name);
	p->fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (p->fd < 0) {
		int err = errno;
		free(p);
		return cb_fail_errno(e, err, "%s", name);
	}
	p->fdr = cb_fd_reader(&p->fd);
	int r = cb_decompress_open(&p->fdr, CB_COMP_AUTO, &p->in, &p->dz, e);
	if (r == 0)
		r = get(p, magic, sizeof(magic), e);
	if (r == 0 && memcmp(magic, MAGIC, sizeof(magic)))
		r = cb_fail(e, EBADMSG, "%s: not a cbox tar-split record", name);
	if (r < 0) {
		cb_tsplit_play_free(p);
		return r;
	}
	*pp = p;
	return 0;
}

int cb_tsplit_play_next(struct cb_tsplit_play *p, struct cb_tsplit_item *it, cb_err *e)
{
	unsigned char kind;
	uint64_t plen;
	int r;
	if (p->ended)
		return 0;
	if ((r = get(p, &kind, 1, e)) < 0 || (r = get_varint(p, &it->len, e)) < 0)
		return r;
	it->kind = (enum cb_tsplit_kind)kind;
	it->data = NULL;
	it->path = NULL;
	switch (kind) {
	case 'M':
		if (it->len == 0 || it->len > CHUNK)
			return cb_fail(e, EBADMSG, "%s: bad chunk of %" PRIu64 " bytes", CB_TSPLIT_NAME, it->len);
		it->data = p->data;
		return (r = get(p, p->data, (size_t)it->len, e)) < 0 ? r : 1;
	case 'F':
		if ((r = get_varint(p, &plen, e)) < 0)
			return r;
		if (plen == 0 || plen > CB_TAR_NAME_MAX)
			return cb_fail(e, EBADMSG, "%s: bad path length %" PRIu64, CB_TSPLIT_NAME, plen);
		if ((r = get(p, p->path, (size_t)plen, e)) < 0)
			return r;
		p->path[plen] = '\0';
		if (strlen(p->path) != plen || p->path[0] == '/')
			return cb_fail(e, EBADMSG, "%s: bad path", CB_TSPLIT_NAME);
		it->path = p->path;
		return 1;
	case 'E':
		p->ended = 1;
		return 1;
	default:
		return cb_fail(e, EBADMSG, "%s: unknown record '%c'", CB_TSPLIT_NAME, kind >= 0x20 && kind < 0x7f ? kind : '?');
	}
}

void cb_tsplit_play_free(struct cb_tsplit_play *p)
{
	if (!p)
		return;
	cb_decompress_free(p->dz);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}
