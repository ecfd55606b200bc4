/* ctrlog.h - a container's log (containers/<id>/ctr.log) in podman's k8s-file format:
 * one record a line, "TIMESTAMP STREAM F|P TEXT", TIMESTAMP RFC 3339 with nanoseconds
 * and the local offset, STREAM stdout or stderr, F a full line (TEXT ends it), P part of
 * one (a line longer than a record, or the output's unterminated end). */
#ifndef CB_CTRLOG_H
#define CB_CTRLOG_H

#include <sys/types.h>

#include "state.h"

/* The log drivers run --log-driver accepts: 0 if name is one, else -1 with *e. */
enum { CB_LOG_K8S_FILE, CB_LOG_NONE, CB_LOG_PASSTHROUGH };
int cb_log_driver_parse(const char *name, int *driver, cb_err *e);
const char *cb_log_driver_name(int driver);

/* Copy the container's stdout (out) and stderr (err), pipes, until both end and pid (our
 * child) has exited: into logfd as records (if >= 0) and, those passthrough names (1 << 1
 * stdout, 1 << 2 stderr), to our own as they come (the caller forwards signals if it
 * wants), and to att's clients (a detached one's monitor; else NULL). Closes out, err. */
struct cb_attach;
void cb_ctrlog_copy(pid_t pid, int out, int err, int logfd, int passthrough, struct cb_attach *att);
/* --log-opt max-size: a log grown past max bytes is emptied (as conmon's); 0: no limit. */
void cb_ctrlog_limit(long long max);

/* One record of a log: its time (ns since the epoch; 0 for a line not in the format,
 * which is all TEXT), stream (1 stdout, 2 stderr), full (F) or not, TEXT (len bytes). */
struct cb_logrec {
	long long ns;
	int stream, full;
	const char *ts, *text; /* into the line; ts is tslen bytes */
	size_t tslen, len;
};
void cb_ctrlog_parse(const char *line, size_t n, struct cb_logrec *r);

/* A time as logs --since/--until take it: seconds since the epoch (with a fraction),
 * RFC 3339 (with Z or an offset; a date alone), or a duration before now (10s, 5m,
 * 1h30m). 0 and the time in ns, else -1. */
int cb_log_time_parse(const char *s, long long *ns);

/* The reader, for logs and start --attach: a container's log (fd, at the offset to read
 * from; -1 when there is none yet: it is looked for in dfd again each round), its
 * directory and state, the label for --names/several containers. first is 1 at first. */
struct cb_logsrc {
	int fd, dfd, first;
	char label[129];
	struct cb_state cs;
	char *buf;
	size_t n, cap;
};
struct cb_logwant {
	long long since, until; /* ns */
	int tail;               /* the last N lines of each, or -1 */
	int stamps, prefix;     /* each line after its time; after its source's label */
};
/* Print the records of the n logs (stdout's to our stdout, stderr's to our stderr) in
 * time order; with follow, again every 0.1 s until no container's monitor is alive.
 * 0, or -1 when a write failed (or out of memory). */
int cb_ctrlog_print(struct cb_logsrc *srcs, int n, const struct cb_logwant *w, int follow);

#endif
