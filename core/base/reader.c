/* reader.c - helpers over struct cb_reader streams. */
#include "cbox.h"

int cb_read_full(struct cb_reader *r, void *buf, size_t len, const char *what, cb_err *e)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = cb_read(r, (char *)buf + got, len - got, e);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return cb_fail(e, EIO, "unexpected end of %s", what);
		got += (size_t)n;
	}
	return 0;
}

static ssize_t fd_read(void *ctx, void *buf, size_t len, cb_err *e)
{
	for (;;) {
		ssize_t n = read(*(int *)ctx, buf, len);
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return cb_fail_errno(e, errno, "read");
	}
}

struct cb_reader cb_fd_reader(int *fd)
{
	return (struct cb_reader){ fd_read, fd };
}
