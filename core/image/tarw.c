/* tarw.c - streaming tar writer. Output is deterministic (mtime 0, owner 0:0) so the
 * same images always make the same archive. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tar.h"
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

/* name=value records of a pax extended header: "LEN name=value\n", LEN counting itself. */
static size_t pax_record(char *buf, size_t n, const char *key, const char *val)
{
	size_t body = strlen(key) + strlen(val) + 3, len = body + 1;
	while (len != body + (size_t)snprintf(NULL, 0, "%zu", len))
		len = body + (size_t)snprintf(NULL, 0, "%zu", len);
	return (size_t)snprintf(buf, n, "%zu %s=%s\n", len, key, val);
}

static int header(struct cb_tarw *w, const struct cb_tar_entry *en, char type, cb_err *e);

/* What ustar cannot hold (names of 100 bytes and more, ids past 7 octal digits) goes in
 * a pax header before the entry. */
static int pax_header(struct cb_tarw *w, const struct cb_tar_entry *en, cb_err *e)
{
	char *buf = malloc(3 * CB_TAR_NAME_MAX), id[24];
	size_t len = 0, n = 3 * CB_TAR_NAME_MAX;
	if (!buf)
		return cb_fail(e, ENOMEM, "out of memory");
	if (strlen(en->path) >= 100)
		len += pax_record(buf + len, n - len, "path", en->path);
	if (strlen(en->linkpath) >= 100)
		len += pax_record(buf + len, n - len, "linkpath", en->linkpath);
	for (int g = 0; g < 2; g++)
		if ((g ? en->gid : en->uid) > 07777777) {
			snprintf(id, sizeof(id), "%" PRIu32, g ? en->gid : en->uid);
			len += pax_record(buf + len, n - len, g ? "gid" : "uid", id);
		}
	int r = 0;
	if (len) {
		struct cb_tar_entry x = { .path = "PaxHeaders/entry", .linkpath = "", .mode = 0644, .size = len };
		r = header(w, &x, 'x', e);
		if (r == 0)
			r = cb_tarw_write(w, buf, len, e);
	}
	free(buf);
	return r;
}

static void cut(unsigned char *f, size_t n, const char *s)
{
	size_t l = strlen(s);
	memcpy(f, s, l < n ? l : n);
}

static int header(struct cb_tarw *w, const struct cb_tar_entry *en, char type, cb_err *e)
{
	unsigned char h[BLOCK] = { 0 };
	int r = end_entry(w, e);
	if (r == 0 && type != 'x')
		r = pax_header(w, en, e);
	if (r < 0)
		return r;
	if (!en->path[0])
		return cb_fail(e, EINVAL, "archive entry without a name");
	uint64_t size = en->size;
	cut(h, 100, en->path);
	octal(h + 100, 8, en->mode & 07777);
	octal(h + 108, 8, en->uid > 07777777 ? 0 : en->uid);
	octal(h + 116, 8, en->gid > 07777777 ? 0 : en->gid);
	if (size < (1ULL << 33)) {
		octal(h + 124, 12, size);
	} else { /* GNU base-256: 0x80, then the size big-endian */
		h[124] = 0x80;
		for (int i = 0; i < 8; i++)
			h[135 - i] = (unsigned char)(size >> (8 * i));
	}
	octal(h + 136, 12, en->mtime > 0 && en->mtime < 077777777777LL ? (uint64_t)en->mtime : 0);
	h[156] = (unsigned char)type;
	cut(h + 157, 100, en->linkpath);
	memcpy(h + 257, "ustar\0" "00", 8);
	if (type == '3' || type == '4') {
		octal(h + 329, 8, en->devmajor);
		octal(h + 337, 8, en->devminor);
	}
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

int cb_tarw_entry(struct cb_tarw *w, const struct cb_tar_entry *en, cb_err *e)
{
	static const char types[] = { [CB_TAR_REG] = '0', [CB_TAR_DIR] = '5', [CB_TAR_SYMLINK] = '2',
				       [CB_TAR_HARDLINK] = '1', [CB_TAR_FIFO] = '6', [CB_TAR_CHAR] = '3',
				       [CB_TAR_BLOCK] = '4' };
	struct cb_tar_entry x = *en;
	if (en->type != CB_TAR_REG)
		x.size = 0;
	return header(w, &x, types[en->type], e);
}

int cb_tarw_header(struct cb_tarw *w, const char *name, uint64_t size, cb_err *e)
{
	int dir = size == CB_TARW_DIR;
	if (strlen(name) >= 100)
		return cb_fail(e, ENAMETOOLONG, "archive entry name '%.120s': too long", name);
	struct cb_tar_entry en = { .type = dir ? CB_TAR_DIR : CB_TAR_REG, .path = name, .linkpath = "",
				   .mode = dir ? 0755 : 0644, .size = dir ? 0 : size };
	return cb_tarw_entry(w, &en, e);
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
