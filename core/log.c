/* log.c - leveled messages on stderr; --log-level=debug shows the journey. */
#include <stdio.h>
#include <string.h>

#include "cbox.h"

int cb_log_level = CB_LOG_WARN;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

int cb_log_set_level(const char *name, cb_err *e)
{
	for (size_t i = 0; i < CB_ARRAY_SIZE(level_names); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			cb_log_level = (int)i;
			return 0;
		}
	}
	return cb_fail(e, EINVAL, "invalid log level '%s' (error, warn, info or debug)", name);
}

void cb_log(int level, const char *fmt, ...)
{
	if (level > cb_log_level)
		return;
	/* One write per line, so lines from parallel workers do not interleave. */
	char line[2048];
	int n = snprintf(line, sizeof(line), "cbox: %s: ", level_names[level]);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += (size_t)m < sizeof(line) - n - 1 ? m : (int)(sizeof(line) - n - 2);
	line[n++] = '\n';
	(void)!write(2, line, n);
}
