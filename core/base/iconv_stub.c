/* iconv_stub.c - glib (linked for libslirp) reaches musl's iconv through its message
 * and charset code, which would bring ~130 KB of CJK tables into the binary. musl's
 * locale is always UTF-8, so glib never needs a conversion: these stand-ins say "no
 * such conversion" and keep the tables out. Nothing else in cbox uses iconv. */
#include <errno.h>
#include <iconv.h>

iconv_t iconv_open(const char *to, const char *from)
{
	errno = EINVAL;
	return (iconv_t)-1;
}

size_t iconv(iconv_t cd, char **in, size_t *inleft, char **out, size_t *outleft)
{
	errno = EBADF;
	return (size_t)-1;
}

int iconv_close(iconv_t cd)
{
	return 0;
}
