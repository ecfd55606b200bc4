/* digest_test.c - SHA-256 on the CPU's instructions agrees with BearSSL's portable code
 * on every length and split; known answers; the verifying reader. */
#include <stdlib.h>

#include "digest.h"
#include "unit.h"

static void portable(const unsigned char *p, size_t n, char out[CB_DIGEST_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[32];
	br_sha256_context c;
	br_sha256_init(&c);
	br_sha256_update(&c, p, n);
	br_sha256_out(&c, raw);
	memcpy(out, "sha256:", 7);
	for (int i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[raw[i] >> 4];
		out[8 + 2 * i] = hex[raw[i] & 15];
	}
	out[CB_DIGEST_LEN] = '\0';
}

struct mem {
	const unsigned char *p;
	size_t n, chunk;
};
static ssize_t mem_read(void *ctx, void *buf, size_t len, cb_err *e)
{
	struct mem *m = ctx;
	size_t k = len < m->n ? len : m->n;
	if (k > m->chunk)
		k = m->chunk;
	memcpy(buf, m->p, k);
	m->p += k;
	m->n -= k;
	return (ssize_t)k;
}

int main(void)
{
	unit_name = "digest";
	printf("# sha256: %s\n", cb_sha256_hw() ? "CPU instructions" : "portable (no CPU support)");
	static unsigned char data[70000];
	srand(7);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)rand();
	char a[CB_DIGEST_LEN + 1], b[CB_DIGEST_LEN + 1];
	int bad = 0;
	for (size_t n = 0; n < 300; n++) {
		portable(data, n, a);
		cb_sha256_digest(data, n, b);
		bad += strcmp(a, b) != 0;
	}
	CHECK(bad == 0);
	/* Odd splits across block boundaries. */
	struct cb_sha256 h;
	cb_sha256_init(&h);
	for (size_t off = 0, step = 1; off < sizeof(data); off += step, step = step * 7 % 1031 + 1)
		cb_sha256_update(&h, data + off, off + step > sizeof(data) ? sizeof(data) - off : step);
	cb_sha256_final(&h, b);
	portable(data, sizeof(data), a);
	CHECK_STR(b, a);
	/* FIPS 180-2 vectors. */
	cb_sha256_digest("", 0, b);
	CHECK_STR(b, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	cb_sha256_digest(two, strlen(two), b);
	CHECK_STR(b, "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	static unsigned char million[1000000];
	memset(million, 'a', sizeof(million));
	cb_sha256_digest(million, sizeof(million), b);
	CHECK_STR(b, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

	/* The verifying reader: right data passes; a changed byte, a short or long stream fail. */
	char want[CB_DIGEST_LEN + 1], sink[4096];
	cb_sha256_digest(data, 5000, want);
	const struct {
		size_t n;
		int flip;
		long long size;
		int expect;
	} cases[] = { { 5000, 0, 5000, 0 }, { 5000, 1, 5000, -EBADMSG }, { 4999, 0, 5000, -EBADMSG },
		      { 5000, 0, 4000, -EBADMSG }, { 5000, 0, -1, 0 } };
	for (size_t c = 0; c < CB_ARRAY_SIZE(cases); c++) {
		static unsigned char copy[5000];
		memcpy(copy, data, sizeof(copy));
		copy[100] ^= (unsigned char)cases[c].flip;
		struct mem m = { copy, cases[c].n, 333 };
		struct cb_reader in = { mem_read, &m }, out;
		struct cb_digest_reader d;
		cb_err e;
		cb_digest_reader_init(&d, &in, want, cases[c].size, "blob", &out);
		ssize_t r;
		while ((r = cb_read(&out, sink, sizeof(sink), &e)) > 0)
			;
		CHECK(r == cases[c].expect);
	}
	return unit_end();
}
