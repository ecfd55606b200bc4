/* digest.h - sha256 digests: validation before use, streaming hashes, verifying readers. */
#ifndef CB_DIGEST_H
#define CB_DIGEST_H

#include <bearssl_hash.h>
#include <stdint.h>

#include "cbox.h"

#define CB_DIGEST_LEN 71 /* "sha256:" + 64 hex */

/* 1 when s is exactly "sha256:" + 64 lowercase hex: the only form that may become a path. */
int cb_digest_valid(const char *s);
/* Validate, naming `what` in the error: "manifest: invalid digest 'x'". */
int cb_digest_check(const char *s, const char *what, cb_err *e);
/* The 64 hex characters of a valid digest. */
static inline const char *cb_digest_hex(const char *digest) { return digest + 7; }

/* Hash whole 64-byte blocks into the state; NULL when the CPU has no SHA-256 instructions
 * (or CBOX_NO_SHA_HW is set), and BearSSL's portable code is used. */
typedef void (*cb_sha256_blocks_fn)(uint32_t state[8], const unsigned char *data, size_t nblocks);
cb_sha256_blocks_fn cb_sha256_hw(void);

struct cb_sha256 {
	cb_sha256_blocks_fn hw;
	br_sha256_context ctx; /* without hw */
	uint32_t h[8];         /* with hw */
	unsigned char buf[64];
	size_t buffered;
	uint64_t len;
};
void cb_sha256_init(struct cb_sha256 *h);
void cb_sha256_update(struct cb_sha256 *h, const void *data, size_t len);
/* Writes "sha256:<hex>" (CB_DIGEST_LEN + 1 bytes). */
void cb_sha256_final(struct cb_sha256 *h, char out[CB_DIGEST_LEN + 1]);
void cb_sha256_digest(const void *data, size_t len, char out[CB_DIGEST_LEN + 1]);

/* A reader that hashes what passes through and counts it. When `want` is set, reaching
 * the end with another digest (or more than `want_size` bytes, when >= 0) is an error
 * naming `what`, so nothing unverified is ever reported complete. */
struct cb_digest_reader {
	struct cb_reader *in;
	struct cb_sha256 h;
	const char *want;
	long long want_size;
	long long count;
	const char *what;
	char got[CB_DIGEST_LEN + 1];
	int done;
};
void cb_digest_reader_init(struct cb_digest_reader *d, struct cb_reader *in, const char *want,
			   long long want_size, const char *what, struct cb_reader *out);

#endif
