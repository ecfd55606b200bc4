/* err.c - one-line error messages carried up to the applet that prints them. */
#include <stdio.h>
#include <string.h>

#include "cbox.h"

static int fill(cb_err *e, int errnum, int with_strerror, const char *fmt, va_list ap)
{
	int n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	if (n < 0)
		n = 0;
	if (with_strerror && errnum > 0 && (size_t)n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(errnum));
	e->errnum = errnum;
	return errnum > 0 ? -errnum : -EINVAL;
}

int cb_fail(cb_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = fill(e, errnum, 0, fmt, ap);
	va_end(ap);
	return r;
}

int cb_fail_errno(cb_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = fill(e, errnum, 1, fmt, ap);
	va_end(ap);
	return r;
}

int cb_err_prefix(cb_err *e, const char *fmt, ...)
{
	char head[512], old[sizeof(e->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	snprintf(e->msg, sizeof(e->msg), "%s: %s", head, old);
	return e->errnum > 0 ? -e->errnum : -EINVAL;
}
