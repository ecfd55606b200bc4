/* decompress_fuzz.c - layer decompression (core/image/decompress.c): gzip (multi-member,
 * trailer checks), zstd and pass-through, named or sniffed, read to the end (at most
 * 16 MB of output), in chunks the input's first byte picks. */
#include "decompress.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct fz_mem m;
	struct cb_reader in = fz_reader(&m, data + 1, size - 1, (data[0] >> 3) * 61u), out;
	struct cb_decompressor *d;
	cb_err e;
	if (cb_decompress_open(&in, (enum cb_compression)(data[0] & 3), &out, &d, &e) < 0)
		return 0;
	if (data[0] & 4)
		cb_decompress_no_crc(d);
	cb_compression_name(cb_decompress_kind(d));
	fz_drain(&out, 16 << 20, &e);
	cb_decompress_free(d);
	return 0;
}
