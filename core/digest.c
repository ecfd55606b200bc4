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

void cb_sha256_init(struct cb_sha256 *h) { br_sha256_init(&h->ctx); }

void cb_sha256_update(struct cb_sha256 *h, const void *data, size_t len)
{
	br_sha256_update(&h->ctx, data, len);
}

void cb_sha256_final(struct cb_sha256 *h, char out[CB_DIGEST_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[32];
	br_sha256_out(&h->ctx, raw);
	memcpy(out, "sha256:", 7);
	for (int i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[raw[i] >> 4];
		out[8 + 2 * i] = hex[raw[i] & 15];
	}
	out[CB_DIGEST_LEN] = '\0';
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
