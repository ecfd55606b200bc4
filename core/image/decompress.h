/* decompress.h - streaming layer decompression: gzip, zstd or plain, by name or by magic. */
#ifndef CB_DECOMPRESS_H
#define CB_DECOMPRESS_H

#include "cbox.h"

enum cb_compression { CB_COMP_AUTO, CB_COMP_NONE, CB_COMP_GZIP, CB_COMP_ZSTD };

struct cb_decompressor;

/* Wrap `in` in a reader of the decompressed bytes; free with cb_decompress_free.
 * CB_COMP_AUTO sniffs the first bytes (gzip and zstd magic, else pass-through).
 * A format left out of the build (CONFIG_GZIP, CONFIG_ZSTD) fails with -ENOTSUP.
 * Corrupt or truncated input makes the reader fail with -EIO (or -ENOMEM). */
int cb_decompress_open(struct cb_reader *in, enum cb_compression c, struct cb_reader *out,
		       struct cb_decompressor **d, cb_err *e);
/* The caller checks a digest of the compressed input: skip gzip's CRC-32 of the output
 * (a tenth of inflate's time; the trailer's length is still checked). */
void cb_decompress_no_crc(struct cb_decompressor *d);
/* The format in use (after sniffing). */
enum cb_compression cb_decompress_kind(const struct cb_decompressor *d);
void cb_decompress_free(struct cb_decompressor *d);
/* "gzip", "zstd", "none", "auto". */
const char *cb_compression_name(enum cb_compression c);

#endif
