/* log.c - leveled messages on stderr; --log-level=debug shows the journey. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cbox.h"

int cb_log_level = CB_LOG_WARN;

/* As logrus names them in its lines */
static const char *const level_names[] = { "error", "warning", "info", "debug", "trace" };

int cb_log_set_level(const char *name, cb_err *e)
{
	static const struct {
		const char *name;
		int level;
	} names[] = {
		{ "trace", CB_LOG_TRACE }, { "debug", CB_LOG_DEBUG }, { "info", CB_LOG_INFO }, { "warn", CB_LOG_WARN },
		{ "warning", CB_LOG_WARN }, { "error", CB_LOG_ERROR }, { "fatal", CB_LOG_ERROR }, { "panic", CB_LOG_ERROR },
	};
	size_t i = 0;
	while (i < CB_ARRAY_SIZE(names) && strcmp(name, names[i].name))
		i++;
	if (i == CB_ARRAY_SIZE(names)) /* podman's words */
		return cb_fail(e, EINVAL, "Log Level \"%s\" is not supported, choose from: "
				   "trace, debug, info, warn, warning, error, fatal, panic", name);
	cb_log_level = names[i].level;
	return 0;
}

void cb_log_announce(void)
{
	static int done;
	if (done || cb_log_level < CB_LOG_INFO)
		return;
	done = 1;
	cb_info("cbox filtering at log level %s", level_names[cb_log_level]);
	if (cb_log_level >= CB_LOG_DEBUG) {
		char line[1024];
		size_t o = 0;
		for (int k = 0; k < cb_main_argc && o < sizeof(line); k++)
			o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s", k ? " " : "", cb_main_argv[k]);
		cb_debug("called as: %s", line);
	}
	if (cb_log_level >= CB_LOG_TRACE)
		cb_log(CB_LOG_TRACE, "cbox %s, %s, pid %d", CB_VERSION, CB_ARCH, (int)getpid());
}

void cb_log(int level, const char *fmt, ...)
{
	if (level > cb_log_level)
		return;
	/* One write per line, so lines from parallel workers do not interleave. */
	/* logrus's text lines, as podman's: time="..." level=warning msg="..." */
	char msg[1536], line[2048];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	size_t n = strftime(line, sizeof(line), "time=\"%Y-%m-%dT%H:%M:%SZ\"", gmtime_r(&now, &tm));
	n += (size_t)snprintf(line + n, sizeof(line) - n, " level=%s msg=\"", level_names[level]);
	for (const char *p = msg; *p && n < sizeof(line) - 3; p++) {
		if (*p == '"' || *p == '\\')
			line[n++] = '\\';
		line[n++] = *p;
	}
	line[n++] = '"';
	line[n++] = '\n';
	(void)!write(2, line, n);
}
