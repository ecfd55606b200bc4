/* decompress_test.c - gzip, zstd and plain streams against the gzip and zstd tools. */
#include "cbox.h"
#include "decompress.h"
#include "unit.h"
#include "fixture.h"

static int no_crc; /* call cb_decompress_no_crc, as the layer pipeline does */

/* Decompress fixture `name` with reads of up to `chunk` bytes in and `outchunk` out.
 * Returns the bytes (caller frees) or NULL with the error in *e. */
static char *inflate_file(const char *name, enum cb_compression c, size_t chunk, size_t outchunk, size_t *len,
			  enum cb_compression *kind, cb_err *e)
{
	struct fx_fd f;
	struct cb_reader in = fx_open(&f, name, chunk), out;
	struct cb_decompressor *d;
	if (cb_decompress_open(&in, c, &out, &d, e) < 0) {
		close(f.fd);
		return NULL;
	}
	if (kind)
		*kind = cb_decompress_kind(d);
	if (no_crc)
		cb_decompress_no_crc(d);
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (n + outchunk > cap)
			buf = realloc(buf, cap *= 2);
		ssize_t k = cb_read(&out, buf + n, outchunk, e);
		if (k < 0) {
			free(buf);
			buf = NULL;
			break;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	/* reading past the end stays at the end */
	if (buf && cb_read(&out, buf + n, 1, e) != 0) {
		free(buf);
		buf = NULL;
	}
	cb_decompress_free(d);
	close(f.fd);
	*len = n;
	return buf;
}

/* Decompresses to exactly the bytes of fixture `want`. */
static int same(const char *name, enum cb_compression c, size_t chunk, size_t outchunk, const char *want,
		enum cb_compression want_kind)
{
	size_t n = 0, wn = 0;
	cb_err e = { 0 };
	enum cb_compression kind = CB_COMP_AUTO;
	char *got = inflate_file(name, c, chunk, outchunk, &n, &kind, &e);
	char *exp = fx_slurp(want, &wn);
	int ok = got && exp && n == wn && memcmp(got, exp, n) == 0 && kind == want_kind;
	if (!ok)
		printf("  %s (%s, chunk %zu): got %zu bytes, want %zu; kind %s; %s\n", name,
		       cb_compression_name(c), chunk, got ? n : 0, wn, cb_compression_name(kind), got ? "" : e.msg);
	free(got);
	free(exp);
	return ok;
}

/* Fails, with a message that contains `pat`. */
static int fails(const char *name, enum cb_compression c, const char *pat)
{
	size_t n;
	cb_err e = { 0 };
	char *got = inflate_file(name, c, 4096, 65536, &n, NULL, &e);
	int ok = !got && strstr(e.msg, pat) != NULL;
	if (!ok)
		printf("  %s: want failure with '%s', got %s '%s'\n", name, pat, got ? "success" : "failure", e.msg);
	free(got);
	return ok;
}

int main(void)
{
	unit_name = "decompress";
	fx_init();
	/* ~1 MiB that compresses somewhat: text with a counter, plus random bytes */
	CHECK(fx_py("with open('plain', 'wb') as f:\n"
		    "    for i in range(20000): f.write(b'line %d of the layer\\n' % i)\n"
		    "    f.write(os.urandom(300000))\n") == 0);
	CHECK(fx_sh("gzip -c plain > plain.gz && zstd -q -c plain > plain.zst && cat plain plain > double && "
		    "cat plain.gz plain.gz > multi.gz && cat plain.zst plain.zst > multi.zst && "
		    "(cat plain.gz; head -c 1000 /dev/zero) > padded.gz && (cat plain.gz; echo junk) > trailing.gz && "
		    "head -c $(( $(stat -c %%s plain.gz) - 100 )) plain.gz > trunc.gz && "
		    "head -c $(( $(stat -c %%s plain.zst) - 100 )) plain.zst > trunc.zst && "
		    "cp plain.gz corrupt.gz && printf 'XXXXXXXX' | dd of=corrupt.gz bs=1 seek=5000 conv=notrunc 2>/dev/null && "
		    "cp plain.zst corrupt.zst && printf 'XXXXXXXX' | dd of=corrupt.zst bs=1 seek=5000 conv=notrunc 2>/dev/null && "
		    ": > empty && printf 'ab' > tiny && "
		    "cat plain | zstd -q --long=28 -c > bigwindow.zst && "
		    "cp plain.gz badcrc.gz && printf 'X' | dd of=badcrc.gz bs=1 seek=$(( $(stat -c %%s plain.gz) - 8 )) conv=notrunc 2>/dev/null && "
		    "cp plain.gz badsize.gz && printf 'X' | dd of=badsize.gz bs=1 seek=$(( $(stat -c %%s plain.gz) - 4 )) conv=notrunc 2>/dev/null && "
		    "cat plain.gz badsize.gz > multibad.gz") == 0);

	/* round trips, explicit and sniffed, with ragged input chunks and output sizes */
	CHECK(same("plain.gz", CB_COMP_GZIP, 4096, 65536, "plain", CB_COMP_GZIP));
	CHECK(same("plain.gz", CB_COMP_AUTO, 777, 1000, "plain", CB_COMP_GZIP));
	CHECK(same("plain.gz", CB_COMP_AUTO, 1, 3, "plain", CB_COMP_GZIP));
	CHECK(same("plain.zst", CB_COMP_ZSTD, 4096, 65536, "plain", CB_COMP_ZSTD));
	CHECK(same("plain.zst", CB_COMP_AUTO, 3, 513, "plain", CB_COMP_ZSTD));
	CHECK(same("plain", CB_COMP_NONE, 4096, 65536, "plain", CB_COMP_NONE));
	CHECK(same("plain", CB_COMP_AUTO, 100, 7, "plain", CB_COMP_NONE));
	CHECK(same("tiny", CB_COMP_AUTO, 1, 1, "tiny", CB_COMP_NONE));
	CHECK(same("empty", CB_COMP_AUTO, 1, 1, "empty", CB_COMP_NONE));
	/* several members / frames in a row, and gzip's zero padding */
	CHECK(same("multi.gz", CB_COMP_AUTO, 5000, 4096, "double", CB_COMP_GZIP));
	CHECK(same("multi.zst", CB_COMP_AUTO, 5000, 4096, "double", CB_COMP_ZSTD));
	CHECK(same("padded.gz", CB_COMP_GZIP, 4096, 65536, "plain", CB_COMP_GZIP));

	/* broken streams say what is wrong */
	CHECK(fails("trunc.gz", CB_COMP_AUTO, "gzip: unexpected end"));
	CHECK(fails("trunc.zst", CB_COMP_AUTO, "zstd: unexpected end"));
	CHECK(fails("corrupt.gz", CB_COMP_AUTO, "gzip: corrupt data"));
	CHECK(fails("corrupt.zst", CB_COMP_AUTO, "zstd: corrupt data"));
	CHECK(fails("trailing.gz", CB_COMP_AUTO, "trailing garbage"));
	CHECK(fails("empty", CB_COMP_GZIP, "gzip: unexpected end"));
	CHECK(fails("empty", CB_COMP_ZSTD, "zstd: unexpected end"));
	CHECK(fails("plain", CB_COMP_GZIP, "gzip: corrupt data"));
	CHECK(fails("plain", CB_COMP_ZSTD, "zstd: corrupt data"));
	CHECK(fails("plain.zst", CB_COMP_GZIP, "gzip: corrupt data"));
	/* a frame asking for a 256 MiB window is refused, not allocated */
	CHECK(fails("bigwindow.zst", CB_COMP_AUTO, "window larger than the 128 MiB limit"));

	/* without the CRC (the caller checks a digest): same bytes, the length still checked,
	 * also when the trailer straddles input reads */
	CHECK(fails("badcrc.gz", CB_COMP_AUTO, "incorrect data check"));
	no_crc = 1;
	CHECK(same("plain.gz", CB_COMP_AUTO, 4096, 65536, "plain", CB_COMP_GZIP));
	CHECK(same("multi.gz", CB_COMP_AUTO, 1, 3, "double", CB_COMP_GZIP));
	CHECK(same("multi.gz", CB_COMP_AUTO, 5, 70000, "double", CB_COMP_GZIP));
	CHECK(same("badcrc.gz", CB_COMP_AUTO, 4096, 65536, "plain", CB_COMP_GZIP));
	CHECK(fails("badsize.gz", CB_COMP_AUTO, "incorrect length check"));
	CHECK(fails("multibad.gz", CB_COMP_AUTO, "incorrect length check"));
	CHECK(fails("corrupt.gz", CB_COMP_AUTO, "gzip: corrupt data"));
	CHECK(fails("trunc.gz", CB_COMP_AUTO, "gzip: unexpected end"));
	CHECK(same("plain.zst", CB_COMP_AUTO, 4096, 65536, "plain", CB_COMP_ZSTD));
	no_crc = 0;

	/* an error from the underlying reader comes through unchanged */
	{
		struct fx_fd f = { .fd = -1 };
		struct cb_reader in = { fx_fd_read, &f }, out;
		struct cb_decompressor *d;
		cb_err e = { 0 };
		char b[16];
		CHECK(cb_decompress_open(&in, CB_COMP_GZIP, &out, &d, &e) == 0);
		CHECK(cb_read(&out, b, sizeof(b), &e) == -EBADF);
		CHECK_STR(e.msg, "read: Bad file descriptor");
		cb_decompress_free(d);
	}
	fx_cleanup();
	return unit_end();
}
