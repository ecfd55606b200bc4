/* inflate_fuzz.c - differential: zlib built as the vendor recipe builds it (our
 * vendor/zlib-inffast.c and its table sizes; every symbol z_-prefixed) against the host's
 * stock zlib. Both inflate the input with the same window, the same input and output
 * chunking; they must produce the same bytes, stop in the same state and give the same
 * error message. First byte: format (raw, zlib, gzip, auto) and chunk sizes. */
#define Z_PREFIX
#include <zlib.h>

#include "fuzz.h"

/* Stock zlib, unprefixed (the host's libz). */
#undef inflateInit2_
#undef inflate
#undef inflateEnd
int inflateInit2_(z_streamp strm, int windowBits, const char *version, int stream_size);
int inflate(z_streamp strm, int flush);
int inflateEnd(z_streamp strm);

#define OUT_MAX (8u << 20)

struct run {
	int ret;          /* the last inflate() return */
	char msg[128];    /* strm.msg at the end */
	unsigned char *out; /* a static buffer per zlib */
	size_t len;
};

static void run(int ours, int wbits, const uint8_t *in, size_t n, unsigned ichunk, unsigned ochunk, struct run *r)
{
	z_stream s;
	memset(&s, 0, sizeof(s));
	memset(r, 0, sizeof(*r));
	static unsigned char outs[2][OUT_MAX];
	r->out = outs[ours];
	if ((ours ? z_inflateInit2_(&s, wbits, ZLIB_VERSION, (int)sizeof(s))
		  : inflateInit2_(&s, wbits, ZLIB_VERSION, (int)sizeof(s))) != Z_OK)
		abort();
	size_t off = 0;
	for (;;) {
		s.next_in = (unsigned char *)in + off;
		s.avail_in = (unsigned)(n - off < ichunk ? n - off : ichunk);
		s.next_out = r->out + r->len;
		s.avail_out = (unsigned)(OUT_MAX - r->len < ochunk ? OUT_MAX - r->len : ochunk);
		unsigned ai = s.avail_in, ao = s.avail_out;
		r->ret = ours ? z_inflate(&s, Z_NO_FLUSH) : inflate(&s, Z_NO_FLUSH);
		off += ai - s.avail_in;
		r->len += ao - s.avail_out;
		if (r->ret != Z_OK || r->len == OUT_MAX || (off == n && ai == s.avail_in && ao == s.avail_out))
			break;
	}
	snprintf(r->msg, sizeof(r->msg), "%s", s.msg ? s.msg : "");
	if (ours)
		z_inflateEnd(&s);
	else
		inflateEnd(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	static const int wbits[] = { -15, 15, 31, 47 };
	static const unsigned chunks[] = { 1, 7, 64, 258, 1000, 4096, 65536, 1u << 30 };
	int wb = wbits[data[0] & 3];
	unsigned ichunk = chunks[(data[0] >> 2) & 7], ochunk = chunks[(data[1]) & 7];
	struct run a, b;
	run(0, wb, data + 2, size - 2, ichunk, ochunk, &a);
	run(1, wb, data + 2, size - 2, ichunk, ochunk, &b);
	if (a.ret != b.ret || strcmp(a.msg, b.msg) || a.len != b.len || memcmp(a.out, b.out, a.len)) {
		size_t at = 0;
		while (at < a.len && at < b.len && a.out[at] == b.out[at])
			at++;
		fprintf(stderr, "inflate differs: stock ret %d '%s' %zu bytes, ours ret %d '%s' %zu bytes, first difference at %zu\n",
			a.ret, a.msg, a.len, b.ret, b.msg, b.len, at);
		abort();
	}
	return 0;
}
