/* fuzz.h - what the libFuzzer harnesses share: a cb_reader over the input handed out in
 * chunks the input chooses, a scratch directory, and a bounded drain of a reader.
 * Each harness defines LLVMFuzzerTestOneInput; `./build.sh fuzz NAME` builds and runs it. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a stream: each read returns at most `chunk` bytes, so that readers meet
 * records split across reads as they do on a socket. */
struct fz_mem {
	const uint8_t *p;
	size_t left, chunk;
};

static ssize_t fz_mem_read(void *ctx, void *buf, size_t len, cb_err *e)
{
	struct fz_mem *m = ctx;
	(void)e;
	if (len > m->left)
		len = m->left;
	if (m->chunk && len > m->chunk)
		len = m->chunk;
	memcpy(buf, m->p, len);
	m->p += len;
	m->left -= len;
	return (ssize_t)len;
}

static __attribute__((unused)) struct cb_reader fz_reader(struct fz_mem *m, const uint8_t *data, size_t size,
							   size_t chunk)
{
	*m = (struct fz_mem){ data, size, chunk };
	return (struct cb_reader){ fz_mem_read, m };
}

/* Read r to its end or its error, at most max bytes; returns the count or -errno. */
static __attribute__((unused)) long long fz_drain(struct cb_reader *r, long long max, cb_err *e)
{
	static char buf[65536];
	long long total = 0;
	for (;;) {
		ssize_t n = cb_read(r, buf, sizeof(buf), e);
		if (n <= 0)
			return n < 0 ? n : total;
		total += n;
		if (total > max)
			return total;
	}
}

static char fz_scratch_dir[64];
static void fz_scratch_rm(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fz_scratch_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", fz_scratch_dir);
}

/* A private scratch directory on tmpfs when there is one, made once per process and
 * removed at its exit. */
static __attribute__((unused)) const char *fz_scratch(void)
{
	char *dir = fz_scratch_dir;
	if (!dir[0]) {
		snprintf(dir, sizeof(fz_scratch_dir), "%s/cbox-fuzz.XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			abort();
		}
		atexit(fz_scratch_rm);
	}
	return dir;
}

/* Split the input at the first NUL: a C string, and the rest (size in *rest_len). */
static __attribute__((unused)) char *fz_split(const uint8_t *data, size_t size, const uint8_t **rest,
					      size_t *rest_len)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t n = nul ? (size_t)(nul - data) : size;
	char *s = malloc(n + 1);
	if (!s)
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	*rest = nul ? nul + 1 : data + size;
	*rest_len = nul ? size - n - 1 : 0;
	return s;
}

/* A NUL-terminated copy of the input. */
static __attribute__((unused)) char *fz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* For harnesses that include a core file whose parser opens a fixed path (/etc/group):
 * `#define fopen fz_fopen` before the include makes every fopen read fz_file instead. */
static const uint8_t *fz_file;
static size_t fz_file_len;
static __attribute__((unused)) FILE *fz_fopen(const char *path, const char *mode)
{
	(void)path, (void)mode;
	return fmemopen((void *)fz_file, fz_file_len, "r");
}
