/* unpack_fuzz.c - layer extraction (core/image/unpack.c) into a scratch directory, in overlay
 * or delete (vfs) mode, rootless or not, as the input's first byte says. Afterwards
 * nothing may exist beside the layer directory: a sibling "outside" directory holds a
 * sentinel file and must stay as it was. Runs as whoever runs the harness (the
 * unprivileged-uid half of the review's setup is left to tests/hostile.test). */
#include <dirent.h>
#include <ftw.h>

#include "fuzz.h"
#include "unpack.h"

static int outside_clean(const char *base)
{
	char p[256];
	struct stat st;
	snprintf(p, sizeof(p), "%s/outside/sentinel", base);
	if (lstat(p, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != 2)
		return 0;
	/* The scratch dir holds exactly "layer" and "outside"; "outside" holds "sentinel". */
	int n = 0;
	DIR *d = opendir(base);
	struct dirent *de;
	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	snprintf(p, sizeof(p), "%s/outside", base);
	int k = 0;
	d = opendir(p);
	while (d && (de = readdir(d)))
		k += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return n == 2 && k == 1;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (flag == FTW_DP)
		chmod(path, 0700);
	return remove(path) < 0 && errno != ENOENT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *base = fz_scratch();
	char layer[128], p[256];
	snprintf(layer, sizeof(layer), "%s/layer", base);
	if (nftw(layer, rm_one, 32, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
		abort();
	snprintf(p, sizeof(p), "%s/outside", base);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/outside/sentinel", base);
	FILE *f = fopen(p, "w");
	if (!f || fputs("ok", f) < 0 || fclose(f))
		abort();
	if (mkdir(layer, 0755) < 0)
		abort();
	int dfd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		abort();
	struct cb_unpack_opts o = { .whiteouts = data[0] & 1 ? CB_WH_DELETE : CB_WH_OVERLAY, .rootless = !!(data[0] & 2) };
	cb_unpack_no_openat2 = !!(data[0] & 4);
	struct fz_mem m;
	struct cb_reader in = fz_reader(&m, data + 1, size - 1, (data[0] >> 3) * 97u);
	struct cb_unpack_stats st = { 0 };
	cb_err e;
	cb_unpack_tar(&in, dfd, "fuzz", &o, &st, &e);
	close(dfd);
	if (!outside_clean(base)) {
		fprintf(stderr, "unpack wrote outside its directory\n");
		abort();
	}
	return 0;
}
