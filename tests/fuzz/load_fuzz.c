/* load_fuzz.c - `cbox load` (core/image/load.c) on archives made of the input: docker-archive's
 * manifest.json and the OCI layout's index.json, the blobs and layers they name, through
 * spooling, link resolution, digest checks and the store. The input is a list of files,
 * each "--- PATH\n" then its contents up to the next "\n--- "; the harness writes them
 * as a tar (so the fuzzer spends its time on the index files, not on tar checksums) and
 * loads it into a fresh store. */
#include <ftw.h>
#include <sys/mman.h>

#include "fuzz.h"
#include "load.h"
#include "tarw.h"

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path) < 0 && errno != ENOENT;
}

static const uint8_t *find(const uint8_t *p, const uint8_t *end, const char *s)
{
	size_t n = strlen(s);
	for (; p + n <= end; p++)
		if (!memcmp(p, s, n))
			return p;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *end = data + size, *p = find(data, end, "--- ");
	static struct cb_tarw w;
	cb_err e;
	int fd = memfd_create("fuzz.tar", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	cb_tarw_init(&w, fd);
	while (p) {
		const uint8_t *name = p + 4, *nl = memchr(name, '\n', (size_t)(end - name));
		if (!nl)
			break;
		const uint8_t *next = find(nl, end, "\n--- ");
		/* An empty file's separator starts at its name's newline. */
		size_t len = next ? (next > nl ? (size_t)(next - nl - 1) : 0) : (size_t)(end - nl - 1);
		char path[100];
		if ((size_t)(nl - name) < sizeof(path) && nl > name) {
			memcpy(path, name, (size_t)(nl - name));
			path[nl - name] = '\0';
			if (!memchr(path, 0, (size_t)(nl - name)) && cb_tarw_file(&w, path, nl + 1, len, &e) < 0)
				abort();
		}
		p = next ? next + 1 : NULL;
	}
	if (cb_tarw_finish(&w, &e) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		abort();

	char root[128];
	snprintf(root, sizeof(root), "%s/store", fz_scratch());
	nftw(root, rm_one, 32, FTW_DEPTH | FTW_PHYS);
	struct cb_store s;
	if (cb_store_open(&s, root, &e) < 0) {
		fprintf(stderr, "store: %s\n", e.msg);
		abort();
	}
	struct cb_reader in = cb_fd_reader(&fd);
	char *loaded = NULL;
	cb_load(&s, &in, &loaded, &e);
	free(loaded);
	cb_store_close(&s);
	close(fd);
	return 0;
}
