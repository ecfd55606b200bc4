/* tar.c - streaming tar reader.
 *
 * Understands ustar (name + prefix), pax extended headers ('x': path, linkpath, size,
 * uid, gid, mtime, SCHILY.xattr.*; 'g' is skipped), GNU long names and link targets
 * ('L', 'K'), old GNU and v7 headers, and GNU base-256 numbers. Every header's checksum
 * is verified; sizes of extension headers are capped so a hostile archive cannot make
 * us allocate much. Nothing is buffered beyond the current header. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tar.h"

#define BLOCK 512
#define MAX_EXT_HEADERS 16          /* extension headers in front of one entry */
#define XATTR_BYTES_MAX (1024 * 1024) /* all xattrs of one entry */

/* The pieces that extension headers set for the next real entry. */
struct pending {
	char *path, *link;
	int has_size, has_uid, has_gid, has_mtime;
	uint64_t size;
	uint32_t uid, gid;
	int64_t mtime;
	long mtime_nsec;
	struct cb_tar_xattr *xattrs;
	size_t nxattrs, xattr_bytes;
};

struct cb_tar {
	struct cb_reader *in;
	uint64_t offset;    /* bytes consumed from `in` */
	uint64_t remaining; /* unread contents of the current entry */
	unsigned pad;       /* padding after the contents */
	int ended;
	struct pending p;   /* extension data; owned by the current entry once it is returned */
	char *path, *link;  /* the current entry's strings */
	struct cb_tar_entry ent;
	unsigned char hdr[BLOCK];
	char scratch[4096];
};

int cb_tar_open(struct cb_reader *in, struct cb_tar **tp, cb_err *e)
{
	struct cb_tar *t = calloc(1, sizeof(*t));
	if (!t)
		return cb_fail(e, ENOMEM, "tar: out of memory");
	t->in = in;
	*tp = t;
	return 0;
}

static void pending_clear(struct pending *p)
{
	free(p->path);
	free(p->link);
	for (size_t i = 0; i < p->nxattrs; i++)
		free((void *)p->xattrs[i].name); /* name and value share one allocation */
	free(p->xattrs);
	memset(p, 0, sizeof(*p));
}

static void entry_clear(struct cb_tar *t)
{
	pending_clear(&t->p);
	free(t->path);
	free(t->link);
	t->path = t->link = NULL;
	memset(&t->ent, 0, sizeof(t->ent));
}

void cb_tar_free(struct cb_tar *t)
{
	if (!t)
		return;
	entry_clear(t);
	free(t);
}

/* Read exactly len bytes; returns 0, or 1 on a clean end before the first byte. */
static int read_exact(struct cb_tar *t, void *buf, size_t len, int eof_ok, cb_err *e)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = cb_read(t->in, (char *)buf + got, len - got, e);
		if (n < 0)
			return (int)n;
		if (n == 0) {
			if (got == 0 && eof_ok)
				return 1;
			return cb_fail(e, EBADMSG, "tar: unexpected end of archive at offset %" PRIu64, t->offset + got);
		}
		got += (size_t)n;
	}
	t->offset += len;
	return 0;
}

static int skip(struct cb_tar *t, uint64_t n, cb_err *e)
{
	while (n > 0) {
		size_t k = n < sizeof(t->scratch) ? (size_t)n : sizeof(t->scratch);
		int r = read_exact(t, t->scratch, k, 0, e);
		if (r < 0)
			return r;
		n -= k;
	}
	return 0;
}

static unsigned pad_of(uint64_t size)
{
	return (unsigned)((BLOCK - size % BLOCK) % BLOCK);
}

/* An octal field (leading spaces, digits, then NUL or space) or a GNU base-256 one
 * (first byte 0x80 positive, 0xff negative, big-endian two's complement). */
static int parse_num(const unsigned char *f, size_t len, int64_t *out)
{
	int64_t v = 0;
	if (f[0] & 0x80) {
		/* bit 7 marks base-256, bit 6 is the sign of the 7-bit first digit */
		int neg = (f[0] & 0x40) != 0;
		v = neg ? (int64_t)(f[0] & 0x7f) - 128 : (f[0] & 0x7f);
		for (size_t i = 1; i < len; i++) {
			if (neg ? v < INT64_MIN / 256 : v > (INT64_MAX - 255) / 256)
				return -1;
			v = v * 256 + f[i];
		}
		*out = v;
		return 0;
	}
	size_t i = 0;
	while (i < len && f[i] == ' ')
		i++;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v > (INT64_MAX >> 3))
			return -1;
		v = v * 8 + (f[i] - '0');
	}
	for (; i < len; i++) /* only terminators may follow */
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	*out = v;
	return 0;
}

/* Decimal, as pax writes it: digits only, no sign. */
static int parse_dec(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (max - (unsigned)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* pax mtime: [-]SECONDS[.FRACTION] */
static int parse_pax_time(const char *s, size_t len, int64_t *sec, long *nsec)
{
	int neg = len > 0 && s[0] == '-';
	size_t dot = neg;
	while (dot < len && s[dot] != '.')
		dot++;
	uint64_t v;
	if (parse_dec(s + neg, dot - neg, INT64_MAX, &v) < 0)
		return -1;
	long ns = 0;
	int digits = 0;
	for (size_t i = dot + 1; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (digits++ < 9)
			ns = ns * 10 + (s[i] - '0');
	}
	for (; digits < 9; digits++)
		ns *= 10;
	*sec = neg ? -(int64_t)v : (int64_t)v;
	*nsec = ns;
	if (neg && ns) { /* -1.5 is 1.5 s before the epoch: -2 s + 0.5 s */
		*sec -= 1;
		*nsec = 1000000000L - ns;
	}
	return 0;
}

static int checksum_ok(const unsigned char *h)
{
	int64_t want;
	if (parse_num(h + 148, 8, &want) < 0)
		return 0;
	uint64_t u = 0;
	int64_t s = 0;
	for (int i = 0; i < BLOCK; i++) {
		unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];
		u += c;
		s += (signed char)c; /* some old writers summed signed chars */
	}
	return (int64_t)u == want || s == want;
}

/* A string of exactly len bytes that must hold no NUL. */
static char *dup_str(const char *s, size_t len)
{
	if (memchr(s, '\0', len))
		return NULL;
	char *d = malloc(len + 1);
	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

static int set_str(char **slot, const char *s, size_t len, const char *what, cb_err *e)
{
	if (len > CB_TAR_NAME_MAX)
		return cb_fail(e, ENAMETOOLONG, "tar: %s longer than %d bytes", what, CB_TAR_NAME_MAX);
	char *d = dup_str(s, len);
	if (!d)
		return memchr(s, '\0', len) ? cb_fail(e, EINVAL, "tar: %s holds a NUL byte", what)
					    : cb_fail(e, ENOMEM, "tar: out of memory");
	free(*slot);
	*slot = d;
	return 0;
}

static int add_xattr(struct pending *p, const char *name, size_t nlen, const char *val, size_t vlen, cb_err *e)
{
	if (nlen == 0 || memchr(name, '\0', nlen) || nlen > 255)
		return cb_fail(e, EINVAL, "tar: bad xattr name in pax header");
	p->xattr_bytes += nlen + vlen;
	if (p->xattr_bytes > XATTR_BYTES_MAX)
		return cb_fail(e, E2BIG, "tar: xattrs of one entry exceed %d bytes", XATTR_BYTES_MAX);
	struct cb_tar_xattr *x = realloc(p->xattrs, (p->nxattrs + 1) * sizeof(*x));
	if (!x)
		return cb_fail(e, ENOMEM, "tar: out of memory");
	p->xattrs = x;
	char *buf = malloc(nlen + 1 + vlen + 1);
	if (!buf)
		return cb_fail(e, ENOMEM, "tar: out of memory");
	memcpy(buf, name, nlen);
	buf[nlen] = '\0';
	memcpy(buf + nlen + 1, val, vlen);
	buf[nlen + 1 + vlen] = '\0';
	x[p->nxattrs++] = (struct cb_tar_xattr){ buf, buf + nlen + 1, vlen };
	return 0;
}

static int pax_record(struct pending *p, const char *key, size_t klen, const char *val, size_t vlen, cb_err *e)
{
	uint64_t v;
#define KEY(s) (klen == sizeof(s) - 1 && memcmp(key, s, klen) == 0)
	static const char xp[] = "SCHILY.xattr.";
	if (klen > sizeof(xp) - 1 && memcmp(key, xp, sizeof(xp) - 1) == 0)
		return add_xattr(p, key + sizeof(xp) - 1, klen - (sizeof(xp) - 1), val, vlen, e);
	if (klen > 11 && memcmp(key, "GNU.sparse.", 11) == 0)
		return cb_fail(e, ENOTSUP, "tar: sparse files are not supported");
	if (vlen == 0) /* an empty value unsets the keyword: the ustar field applies */
		return 0;
	if (KEY("path"))
		return set_str(&p->path, val, vlen, "pax path", e);
	if (KEY("linkpath"))
		return set_str(&p->link, val, vlen, "pax linkpath", e);
	if (KEY("size")) {
		if (parse_dec(val, vlen, INT64_MAX, &v) < 0)
			return cb_fail(e, EINVAL, "tar: bad pax size '%.*s'", (int)(vlen > 32 ? 32 : vlen), val);
		p->size = v, p->has_size = 1;
	} else if (KEY("uid") || KEY("gid")) {
		if (parse_dec(val, vlen, UINT32_MAX - 1, &v) < 0)
			return cb_fail(e, EINVAL, "tar: bad pax %.*s '%.*s'", (int)klen, key, (int)(vlen > 32 ? 32 : vlen), val);
		if (key[0] == 'u')
			p->uid = (uint32_t)v, p->has_uid = 1;
		else
			p->gid = (uint32_t)v, p->has_gid = 1;
	} else if (KEY("mtime")) {
		if (parse_pax_time(val, vlen, &p->mtime, &p->mtime_nsec) < 0)
			return cb_fail(e, EINVAL, "tar: bad pax mtime '%.*s'", (int)(vlen > 32 ? 32 : vlen), val);
		p->has_mtime = 1;
	}
	/* others (atime, ctime, uname, gname, comment, charset, ...) do not matter here */
	return 0;
#undef KEY
}

/* Records are "LEN KEY=VALUE\n", LEN counting the whole record. */
static int parse_pax(struct pending *p, char *buf, size_t len, cb_err *e)
{
	size_t off = 0;
	while (off < len) {
		size_t i = off, n = 0;
		while (i < len && buf[i] >= '0' && buf[i] <= '9' && n < CB_TAR_PAX_MAX)
			n = n * 10 + (size_t)(buf[i++] - '0');
		if (i == off || i >= len || buf[i] != ' ' || n <= i - off + 1 || n > len - off || buf[off + n - 1] != '\n') {
			if (buf[off] == '\0') /* some writers pad the block with NULs */
				break;
			return cb_fail(e, EINVAL, "tar: malformed pax record at byte %zu", off);
		}
		char *key = buf + i + 1, *end = buf + off + n - 1;
		char *eq = memchr(key, '=', (size_t)(end - key));
		if (!eq || eq == key)
			return cb_fail(e, EINVAL, "tar: malformed pax record at byte %zu", off);
		int r = pax_record(p, key, (size_t)(eq - key), eq + 1, (size_t)(end - eq - 1), e);
		if (r < 0)
			return r;
		off += n;
	}
	return 0;
}

/* Contents of an extension header ('x', 'L', 'K') into a fresh NUL-terminated buffer. */
static int read_ext(struct cb_tar *t, uint64_t size, size_t max, char **out, cb_err *e)
{
	if (size > max)
		return cb_fail(e, E2BIG, "tar: extension header of %" PRIu64 " bytes at offset %" PRIu64 " exceeds %zu",
			       size, t->offset - BLOCK, max);
	char *buf = malloc((size_t)size + 1);
	if (!buf)
		return cb_fail(e, ENOMEM, "tar: out of memory");
	int r = read_exact(t, buf, (size_t)size, 0, e);
	if (r == 0)
		r = skip(t, pad_of(size), e);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[size] = '\0';
	*out = buf;
	return 0;
}

static int is_zero_block(const unsigned char *b)
{
	for (int i = 0; i < BLOCK; i++)
		if (b[i])
			return 0;
	return 1;
}

/* Fill t->ent from the ustar header in t->hdr and the pending extension data. */
static int build_entry(struct cb_tar *t, cb_err *e)
{
	const unsigned char *h = t->hdr;
	struct cb_tar_entry *en = &t->ent;
	struct pending *p = &t->p;
	int posix = memcmp(h + 257, "ustar\0", 6) == 0;
	char type = (char)h[156];
	int64_t mode, uid, gid, size, mtime, maj, min;
	int r;

	if (parse_num(h + 100, 8, &mode) < 0 || parse_num(h + 108, 8, &uid) < 0 || parse_num(h + 116, 8, &gid) < 0 ||
	    parse_num(h + 124, 12, &size) < 0 || parse_num(h + 136, 12, &mtime) < 0 ||
	    parse_num(h + 329, 8, &maj) < 0 || parse_num(h + 337, 8, &min) < 0)
		return cb_fail(e, EINVAL, "tar: bad numeric field in header at offset %" PRIu64, t->offset - BLOCK);

	/* name: GNU or pax long name, else ustar prefix "/" name */
	if (p->path) {
		t->path = p->path;
		p->path = NULL;
	} else {
		char name[256 + 1];
		size_t nl = strnlen((const char *)h, 100), pl = posix ? strnlen((const char *)h + 345, 155) : 0;
		size_t k = 0;
		if (pl) {
			memcpy(name, h + 345, pl);
			k = pl;
			name[k++] = '/';
		}
		memcpy(name + k, h, nl);
		k += nl;
		if ((r = set_str(&t->path, name, k, "name", e)) < 0)
			return r;
	}
	if (p->link) {
		t->link = p->link;
		p->link = NULL;
	} else if ((r = set_str(&t->link, (const char *)h + 157, strnlen((const char *)h + 157, 100), "link name", e)) < 0) {
		return r;
	}
	if (!t->path[0])
		return cb_fail(e, EINVAL, "tar: entry with an empty name at offset %" PRIu64, t->offset - BLOCK);

	switch (type) {
	case '0': case '\0': case '7':
		/* v7 archives mark directories with a trailing slash only */
		en->type = t->path[strlen(t->path) - 1] == '/' && type == '\0' ? CB_TAR_DIR : CB_TAR_REG;
		break;
	case '1': en->type = CB_TAR_HARDLINK; break;
	case '2': en->type = CB_TAR_SYMLINK; break;
	case '3': en->type = CB_TAR_CHAR; break;
	case '4': en->type = CB_TAR_BLOCK; break;
	case '5': en->type = CB_TAR_DIR; break;
	case '6': en->type = CB_TAR_FIFO; break;
	default:
		return cb_fail(e, ENOTSUP, "tar: entry '%.200s': unsupported type '%c'", t->path,
			       type >= 0x20 && type < 0x7f ? type : '?');
	}
	if ((en->type == CB_TAR_SYMLINK || en->type == CB_TAR_HARDLINK) && !t->link[0])
		return cb_fail(e, EINVAL, "tar: entry '%.200s': link without a target", t->path);

	if (p->has_size)
		size = (int64_t)p->size;
	if (p->has_uid)
		uid = p->uid;
	if (p->has_gid)
		gid = p->gid;
	if (size < 0 || uid < 0 || uid > UINT32_MAX - 1 || gid < 0 || gid > UINT32_MAX - 1 ||
	    maj < 0 || maj > UINT32_MAX || min < 0 || min > UINT32_MAX)
		return cb_fail(e, EINVAL, "tar: entry '%.200s': size, owner or device out of range", t->path);
	en->path = t->path;
	en->linkpath = t->link;
	en->mode = (unsigned)(mode & 07777);
	en->uid = (uint32_t)uid;
	en->gid = (uint32_t)gid;
	en->mtime = p->has_mtime ? p->mtime : mtime;
	en->mtime_nsec = p->has_mtime ? p->mtime_nsec : 0;
	en->devmajor = (unsigned)maj;
	en->devminor = (unsigned)min;
	en->xattrs = p->xattrs;
	en->nxattrs = p->nxattrs;
	/* Only regular files carry contents; for the others the size field says nothing
	 * about the stream (as in Go's archive/tar and GNU tar). */
	en->size = en->type == CB_TAR_REG ? (uint64_t)size : 0;
	t->remaining = en->size;
	t->pad = pad_of(en->size);
	return 0;
}

int cb_tar_next(struct cb_tar *t, const struct cb_tar_entry **ent, cb_err *e)
{
	int r, ext = 0;
	if (t->ended)
		return 0;
	if ((r = skip(t, t->remaining + t->pad, e)) < 0)
		return r;
	t->remaining = t->pad = 0;
	entry_clear(t);
	for (;;) {
		r = read_exact(t, t->hdr, BLOCK, 1, e);
		if (r < 0)
			return r;
		if (r == 1 || is_zero_block(t->hdr)) {
			/* End of archive. An archive cut right after a header boundary is
			 * accepted as GNU tar does; extension headers with nothing after are not. */
			if (ext)
				return cb_fail(e, EBADMSG, "tar: archive ends after an extension header");
			t->ended = 1;
			return 0;
		}
		if (!checksum_ok(t->hdr))
			return cb_fail(e, EBADMSG, "tar: bad header checksum at offset %" PRIu64 " (not a tar archive, or corrupt)",
				       t->offset - BLOCK);
		char type = (char)t->hdr[156];
		if (type != 'x' && type != 'g' && type != 'L' && type != 'K')
			break;
		if (++ext > MAX_EXT_HEADERS)
			return cb_fail(e, EINVAL, "tar: more than %d extension headers in a row", MAX_EXT_HEADERS);
		int64_t size;
		if (parse_num(t->hdr + 124, 12, &size) < 0 || size < 0)
			return cb_fail(e, EINVAL, "tar: bad size in header at offset %" PRIu64, t->offset - BLOCK);
		if (type == 'g') { /* global defaults: nothing we use, skipped */
			if (size > CB_TAR_PAX_MAX)
				return cb_fail(e, E2BIG, "tar: global pax header larger than %d bytes", CB_TAR_PAX_MAX);
			if ((r = skip(t, (uint64_t)size + pad_of((uint64_t)size), e)) < 0)
				return r;
			continue;
		}
		char *buf = NULL;
		r = read_ext(t, (uint64_t)size, type == 'x' ? CB_TAR_PAX_MAX : CB_TAR_NAME_MAX + 1, &buf, e);
		if (r < 0)
			return r;
		if (type == 'x')
			r = parse_pax(&t->p, buf, (size_t)size, e);
		else /* GNU 'L'/'K': the name, NUL-terminated within the contents */
			r = set_str(type == 'L' ? &t->p.path : &t->p.link, buf, strlen(buf),
				    type == 'L' ? "long name" : "long link name", e);
		free(buf);
		if (r < 0)
			return r;
	}
	if ((r = build_entry(t, e)) < 0)
		return r;
	*ent = &t->ent;
	return 1;
}

static ssize_t contents_read(void *ctx, void *buf, size_t len, cb_err *e)
{
	struct cb_tar *t = ctx;
	if (t->remaining == 0)
		return 0;
	if (len > t->remaining)
		len = (size_t)t->remaining;
	ssize_t n = cb_read(t->in, buf, len, e);
	if (n < 0)
		return n;
	if (n == 0)
		return cb_fail(e, EBADMSG, "tar: entry '%.200s': unexpected end of archive in its contents", t->path);
	t->remaining -= (uint64_t)n;
	t->offset += (uint64_t)n;
	return n;
}

struct cb_reader cb_tar_contents(struct cb_tar *t)
{
	return (struct cb_reader){ contents_read, t };
}
