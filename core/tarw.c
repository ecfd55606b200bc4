/* tarw.c - streaming tar writer. Output is deterministic (mtime 0, owner 0:0) so the
 * same images always make the same archive. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tarw.h"

#define BLOCK 512

void cb_tarw_init(struct cb_tarw *w, int fd)
{
	w->fd = fd;
	w->off = w->left = 0;
	w->len = 0;
}

static int flush(struct cb_tarw *w, cb_err *e)
{
	for (size_t done = 0; done < w->len;) {
		ssize_t n = write(w->fd, w->buf + done, w->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cb_fail_errno(e, errno, "writing the archive");
		done += (size_t)n;
	}
	w->len = 0;
	return 0;
}

static int put(struct cb_tarw *w, const void *data, size_t len, cb_err *e)
{
	const unsigned char *p = data;
	while (len) {
		int r = w->len == sizeof(w->buf) ? flush(w, e) : 0;
		if (r < 0)
			return r;
		size_t k = sizeof(w->buf) - w->len < len ? sizeof(w->buf) - w->len : len;
		memcpy(w->buf + w->len, p, k);
		w->len += k;
		w->off += k;
		p += k;
		len -= k;
	}
	return 0;
}

/* Close the current entry: all of its contents written, then zeros to the block end. */
static int end_entry(struct cb_tarw *w, cb_err *e)
{
	static const unsigned char zero[BLOCK];
	if (w->left)
		return cb_fail(e, EPROTO, "archive entry %" PRIu64 " bytes short", w->left);
	return put(w, zero, (BLOCK - w->off % BLOCK) % BLOCK, e);
}

static void octal(unsigned char *f, size_t len, uint64_t v)
{
	snprintf((char *)f, len, "%0*" PRIo64, (int)len - 1, v);
}

int cb_tarw_header(struct cb_tarw *w, const char *name, uint64_t size, cb_err *e)
{
	unsigned char h[BLOCK] = { 0 };
	int dir = size == CB_TARW_DIR;
	size_t nl = strlen(name);
	int r = end_entry(w, e);
	if (r < 0)
		return r;
	if (nl == 0 || nl >= 100)
		return cb_fail(e, ENAMETOOLONG, "archive entry name '%.120s': too long", name);
	memcpy(h, name, nl);
	octal(h + 100, 8, dir ? 0755 : 0644);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	if (dir)
		size = 0;
	if (size < (1ULL << 33)) {
		octal(h + 124, 12, size);
	} else { /* GNU base-256: 0x80, then the size big-endian */
		h[124] = 0x80;
		for (int i = 0; i < 8; i++)
			h[135 - i] = (unsigned char)(size >> (8 * i));
	}
	octal(h + 136, 12, 0);
	h[156] = dir ? '5' : '0';
	memcpy(h + 257, "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < BLOCK; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum); /* six digits, NUL, then the space kept */
	if ((r = put(w, h, BLOCK, e)) < 0)
		return r;
	w->left = size;
	return 0;
}

int cb_tarw_write(struct cb_tarw *w, const void *data, size_t len, cb_err *e)
{
	if (len > w->left)
		return cb_fail(e, EPROTO, "archive entry longer than its header says");
	w->left -= len;
	return put(w, data, len, e);
}

int cb_tarw_file(struct cb_tarw *w, const char *name, const void *data, size_t len, cb_err *e)
{
	int r = cb_tarw_header(w, name, len, e);
	return r < 0 ? r : cb_tarw_write(w, data, len, e);
}

int cb_tarw_finish(struct cb_tarw *w, cb_err *e)
{
	static const unsigned char zero[2 * BLOCK];
	int r = end_entry(w, e);
	if (r == 0)
		r = put(w, zero, sizeof(zero), e);
	return r < 0 ? r : flush(w, e);
}
