/* fixture.h - helpers shared by the layer tests: a scratch directory, shell and python
 * fixtures made at test time, and a cb_reader over a file that hands out small chunks. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char fx_dir[64];

/* A fresh scratch directory; removed by fx_cleanup. */
static __attribute__((unused)) const char *fx_init(void)
{
	strcpy(fx_dir, "/tmp/cbox-unit.XXXXXX");
	if (!mkdtemp(fx_dir)) {
		perror("mkdtemp");
		exit(1);
	}
	return fx_dir;
}

static __attribute__((unused)) void fx_cleanup(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", fx_dir);
}

/* Run a shell command inside the scratch directory; its exit status. */
__attribute__((format(printf, 1, 2), unused)) static int fx_sh(const char *fmt, ...)
{
	char cmd[8192];
	int n = snprintf(cmd, sizeof(cmd), "cd '%s' && ", fx_dir);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - n, fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Run a python3 script inside the scratch directory (tarfile makes our archives). */
static __attribute__((unused)) int fx_py(const char *script)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/fixture.py", fx_dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("import tarfile, io, os, sys\n", f);
	fputs(script, f);
	fclose(f);
	int r = fx_sh("python3 fixture.py");
	if (r)
		fprintf(stderr, "fixture script failed (%d):\n%s\n", r, script);
	return r;
}

static __attribute__((unused)) char *fx_path(const char *name)
{
	static char buf[4][512];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", fx_dir, name);
	return buf[i];
}

/* A whole file in memory. */
static __attribute__((unused)) char *fx_slurp(const char *name, size_t *len)
{
	FILE *f = fopen(fx_path(name), "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	size_t k;
	while (b && (k = fread(b + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap)
			b = realloc(b, cap *= 2);
	}
	fclose(f);
	*len = n;
	return b;
}

/* A reader over an fd that returns at most `chunk` bytes per call, varying the size so
 * that buffer boundaries fall everywhere. */
struct fx_fd {
	int fd;
	size_t chunk, turn;
};
static __attribute__((unused)) ssize_t fx_fd_read(void *ctx, void *buf, size_t len, cb_err *e)
{
	struct fx_fd *f = ctx;
	size_t want = f->chunk ? 1 + (f->turn++ * 7919) % f->chunk : len;
	if (want > len)
		want = len;
	ssize_t n = read(f->fd, buf, want);
	return n < 0 ? cb_fail_errno(e, errno, "read") : n;
}
static __attribute__((unused)) struct cb_reader fx_open(struct fx_fd *f, const char *name, size_t chunk)
{
	f->fd = open(fx_path(name), O_RDONLY | O_CLOEXEC);
	f->chunk = chunk;
	f->turn = 0;
	if (f->fd < 0)
		fprintf(stderr, "fixture %s missing\n", name);
	return (struct cb_reader){ fx_fd_read, f };
}
