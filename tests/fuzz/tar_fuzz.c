/* tar_fuzz.c - the streaming tar reader (core/image/tar.c): every entry's fields are read and
 * its contents drained, in chunks of a size the input's first byte picks. */
#include "fuzz.h"
#include "tar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct fz_mem m;
	struct cb_reader in = fz_reader(&m, data + 1, size - 1, data[0] ? data[0] * 7u : 0);
	struct cb_tar *t;
	const struct cb_tar_entry *en;
	cb_err e;
	if (cb_tar_open(&in, &t, &e) < 0)
		return 0;
	while (cb_tar_next(t, &en, &e) > 0) {
		size_t sum = strlen(en->path) + strlen(en->linkpath);
		for (size_t i = 0; i < en->nxattrs; i++)
			sum += strlen(en->xattrs[i].name) + en->xattrs[i].len;
		if (sum > 64 * 1024 * 1024 || en->mode > 07777 || en->type > CB_TAR_BLOCK)
			abort();
		/* Alternate entries are skipped unread, as unpack skips some. */
		if (sum & 1) {
			struct cb_reader c = cb_tar_contents(t);
			if (fz_drain(&c, 1 << 20, &e) < 0)
				break;
		}
	}
	cb_tar_free(t);
	return 0;
}
