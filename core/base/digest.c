/* digest.c - sha256 (BearSSL's implementation, which the tiny build keeps without TLS). */
#include <stdio.h>
#include <string.h>

#include "digest.h"

int cb_digest_valid(const char *s)
{
	if (!s || strncmp(s, "sha256:", 7) != 0 || strlen(s) != CB_DIGEST_LEN)
		return 0;
	for (const char *p = s + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

int cb_digest_check(const char *s, const char *what, cb_err *e)
{
	if (cb_digest_valid(s))
		return 0;
	if (s && strchr(s, ':') && strncmp(s, "sha256:", 7) != 0)
		return cb_fail(e, EINVAL, "%s: unsupported digest algorithm in '%.80s' (only sha256)", what, s);
	return cb_fail(e, EINVAL, "%s: invalid digest '%.80s'", what, s ? s : "(none)");
}

static cb_sha256_blocks_fn hw_fn;
static int hw_probed;

void cb_sha256_init(struct cb_sha256 *h)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	if (!__atomic_load_n(&hw_probed, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&hw_fn, cb_sha256_hw(), __ATOMIC_RELAXED);
		__atomic_store_n(&hw_probed, 1, __ATOMIC_RELEASE);
	}
	h->hw = __atomic_load_n(&hw_fn, __ATOMIC_RELAXED);
	if (!h->hw) {
		br_sha256_init(&h->ctx);
		return;
	}
	memcpy(h->h, iv, sizeof(iv));
	h->buffered = 0;
	h->len = 0;
}

void cb_sha256_update(struct cb_sha256 *h, const void *data, size_t len)
{
	const unsigned char *p = data;
	if (!h->hw) {
		br_sha256_update(&h->ctx, data, len);
		return;
	}
	h->len += len;
	if (h->buffered) {
		size_t take = 64 - h->buffered < len ? 64 - h->buffered : len;
		memcpy(h->buf + h->buffered, p, take);
		h->buffered += take;
		p += take;
		len -= take;
		if (h->buffered < 64)
			return;
		h->hw(h->h, h->buf, 1);
		h->buffered = 0;
	}
	if (len >= 64) {
		h->hw(h->h, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	memcpy(h->buf, p, len);
	h->buffered = len;
}

static void to_hex(const unsigned char raw[32], char out[CB_DIGEST_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	memcpy(out, "sha256:", 7);
	for (int i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[raw[i] >> 4];
		out[8 + 2 * i] = hex[raw[i] & 15];
	}
	out[CB_DIGEST_LEN] = '\0';
}

void cb_sha256_final(struct cb_sha256 *h, char out[CB_DIGEST_LEN + 1])
{
	unsigned char raw[32];
	if (!h->hw) {
		br_sha256_out(&h->ctx, raw);
		to_hex(raw, out);
		return;
	}
	/* Padding: 0x80, zeros to 56 mod 64, the bit length big-endian. */
	uint64_t bits = h->len * 8;
	unsigned char pad[72] = { 0x80 };
	size_t padlen = (h->buffered < 56 ? 56 : 120) - h->buffered;
	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
	uint64_t keep = h->len;
	cb_sha256_update(h, pad, padlen + 8);
	h->len = keep;
	for (int i = 0; i < 8; i++) {
		raw[4 * i] = (unsigned char)(h->h[i] >> 24);
		raw[4 * i + 1] = (unsigned char)(h->h[i] >> 16);
		raw[4 * i + 2] = (unsigned char)(h->h[i] >> 8);
		raw[4 * i + 3] = (unsigned char)h->h[i];
	}
	to_hex(raw, out);
}

void cb_sha256_digest(const void *data, size_t len, char out[CB_DIGEST_LEN + 1])
{
	struct cb_sha256 h;
	cb_sha256_init(&h);
	cb_sha256_update(&h, data, len);
	cb_sha256_final(&h, out);
}

static ssize_t digest_read(void *ctx, void *buf, size_t len, cb_err *e)
{
	struct cb_digest_reader *d = ctx;
	if (d->done)
		return 0;
	ssize_t n = cb_read(d->in, buf, len, e);
	if (n < 0)
		return n;
	if (n > 0) {
		cb_sha256_update(&d->h, buf, (size_t)n);
		d->count += n;
		if (d->want_size >= 0 && d->count > d->want_size)
			return cb_fail(e, EBADMSG, "%s: more data than the %lld bytes announced", d->what, d->want_size);
		return n;
	}
	d->done = 1;
	cb_sha256_final(&d->h, d->got);
	/* A cut link is the transport's error; a clean end short of the size is bad content. */
	if (d->want_size >= 0 && d->count != d->want_size)
		return cb_fail(e, EBADMSG, "%s: size mismatch (got %lld bytes, want %lld)", d->what, d->count, d->want_size);
	if (d->want && strcmp(d->want, d->got) != 0)
		return cb_fail(e, EBADMSG, "%s: digest mismatch (got %s)", d->what, d->got);
	return 0;
}

void cb_digest_reader_init(struct cb_digest_reader *d, struct cb_reader *in, const char *want,
			   long long want_size, const char *what, struct cb_reader *out)
{
	memset(d, 0, sizeof(*d));
	d->in = in;
	d->want = want;
	d->want_size = want_size;
	d->what = what;
	cb_sha256_init(&d->h);
	out->read = digest_read;
	out->ctx = d;
}
