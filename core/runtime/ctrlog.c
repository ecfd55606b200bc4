/* ctrlog.c - a container's log in podman's k8s-file format: the copier that writes it,
 * the parser that reads it back, and the times logs --since/--until take. */
#include <ctype.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#include "attach.h"
#include "ctrlog.h"
#include "ns.h"

static const char *const drivers[] = { "k8s-file", "none", "passthrough" };

int cb_log_driver_parse(const char *name, int *driver, cb_err *e)
{
	for (int i = 0; i < (int)CB_ARRAY_SIZE(drivers); i++)
		if (!strcmp(name, drivers[i]))
			return *driver = i, 0;
	if (!strcmp(name, "journald"))
		return cb_fail(e, ENOTSUP, "the journald log driver needs journald, which cbox does not use: "
				   "use k8s-file, none or passthrough");
	return cb_fail(e, EINVAL, "invalid log driver: %s", name);
}

const char *cb_log_driver_name(int driver)
{
	return driver >= 0 && driver < (int)CB_ARRAY_SIZE(drivers) ? drivers[driver] : "k8s-file";
}

/* "2026-12-07T10:27:22.123456789+00:00" */
static size_t timestamp(char *buf, size_t n)
{
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	localtime_r(&now.tv_sec, &tm);
	size_t l = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
	long off = tm.tm_gmtoff / 60;
	return l + (size_t)snprintf(buf + l, n - l, ".%09ld%c%02ld:%02ld", now.tv_nsec, off < 0 ? '-' : '+',
				    labs(off) / 60, labs(off) % 60);
}

static long long log_max;
void cb_ctrlog_limit(long long max)
{
	log_max = max;
}

static void record(int logfd, int stream, const char *text, size_t n, int full)
{
	char head[96];
	size_t l = timestamp(head, sizeof(head) - 16);
	l += (size_t)snprintf(head + l, sizeof(head) - l, " %s %c ", stream == 2 ? "stderr" : "stdout", full ? 'F' : 'P');
	struct iovec iov[3] = { { head, l }, { (void *)text, n }, { "\n", 1 } };
	(void)!writev(logfd, iov, 3);
	if (log_max > 0 && lseek(logfd, 0, SEEK_END) > log_max && ftruncate(logfd, 0) == 0)
		lseek(logfd, 0, SEEK_SET);
}

struct stream {
	int fd, which, pass; /* pass: copy on to our own fd which (until that fails) */
	size_t n;
	char buf[16384];
};

/* The buffer's full lines as F records; with all (a full buffer, or the end) the rest as P. */
static void records(int logfd, struct stream *s, int all)
{
	size_t start = 0;
	for (char *nl; (nl = memchr(s->buf + start, '\n', s->n - start)); start = (size_t)(nl - s->buf) + 1)
		if (logfd >= 0)
			record(logfd, s->which, s->buf + start, (size_t)(nl - s->buf) - start, 1);
	if (all && start < s->n) {
		if (logfd >= 0)
			record(logfd, s->which, s->buf + start, s->n - start, 0);
		start = s->n;
	}
	memmove(s->buf, s->buf + start, s->n - start);
	s->n -= start;
}

static int exited(pid_t pid)
{
	siginfo_t si = { 0 };
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

void cb_ctrlog_copy(pid_t pid, int out, int err, int logfd, int passthrough, struct cb_attach *att)
{
	static struct stream st[2];
	st[0] = (struct stream){ .fd = out, .which = 1, .pass = passthrough >> 1 & 1 };
	st[1] = (struct stream){ .fd = err, .which = 2, .pass = passthrough >> 2 & 1 };
	/* A reader of ours that went (| head) ends the copy on, never the log: no SIGPIPE
	 * (the container has exec'd already: it keeps its own disposition). */
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		struct pollfd p[2 + CB_ATTACH_POLL];
		int idx[2], np = 0;
		for (int i = 0; i < 2; i++)
			if (st[i].fd >= 0) {
				p[np] = (struct pollfd){ .fd = st[i].fd, .events = POLLIN };
				idx[np++] = i;
			}
		if (!np)
			break;
		int na = CFG_APPLET_ATTACH ? cb_attach_pollfds(att, p + np) : 0;
		int r = poll(p, (nfds_t)(np + na), 1000);
		if (CFG_APPLET_ATTACH)
			cb_attach_events(att, p + np, na);
		if (r == 0 && exited(pid)) {
			/* Someone else holds a pipe open: take what is there, then stop. */
			for (int k = 0; k < np; k++) {
				fcntl(p[k].fd, F_SETFL, O_NONBLOCK);
				p[k].revents = POLLIN;
			}
		} else if (r <= 0) {
			continue;
		}
		for (int k = 0; k < np; k++) {
			struct stream *s = &st[idx[k]];
			if (!p[k].revents)
				continue;
			ssize_t n = read(s->fd, s->buf + s->n, sizeof(s->buf) - s->n);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				records(logfd, s, 1);
				close(s->fd);
				s->fd = -1;
				continue;
			}
			for (ssize_t o = 0, w; s->pass && o < n; o += w)
				if ((w = write(s->which, s->buf + s->n + o, (size_t)(n - o))) < 0 && errno != EINTR) {
					s->pass = 0;
					break;
				} else if (w < 0) {
					w = 0;
				}
			if (CFG_APPLET_ATTACH)
				cb_attach_out(att, s->which, s->buf + s->n, (size_t)n);
			s->n += (size_t)n;
			records(logfd, s, s->n == sizeof(s->buf));
		}
	}
}

void cb_ctrlog_parse(const char *line, size_t n, struct cb_logrec *r)
{
	const char *sp1 = memchr(line, ' ', n), *end = line + n;
	*r = (struct cb_logrec){ .stream = 1, .full = 1, .text = line, .len = n };
	if (!sp1 || end - sp1 < 10)
		return;
	int err = !memcmp(sp1 + 1, "stderr ", 7);
	if ((!err && memcmp(sp1 + 1, "stdout ", 7)) || (sp1[8] != 'F' && sp1[8] != 'P') || sp1[9] != ' ')
		return;
	char ts[64];
	snprintf(ts, sizeof(ts), "%.*s", (int)(sp1 - line), line);
	long long ns;
	if (cb_log_time_parse(ts, &ns) < 0 || !strchr(ts, 'T'))
		return;
	*r = (struct cb_logrec){ .ns = ns, .stream = err ? 2 : 1, .full = sp1[8] == 'F', .ts = line,
				 .tslen = (size_t)(sp1 - line), .text = sp1 + 10, .len = (size_t)(end - sp1 - 10) };
}

/* secs and ns in one (saturated: a far date is still later than any line) */
static long long ns_of(long long secs, long long frac)
{
	return secs > 9000000000LL ? 0x7fffffffffffffffLL : secs < -9000000000LL ? 0 : secs * 1000000000LL + frac;
}

/* "[.fraction]" at *p: nanoseconds, *p moved past it. */
static long long fraction(const char **p)
{
	long long ns = 0, scale = 100000000;
	if (**p != '.')
		return 0;
	for ((*p)++; isdigit((unsigned char)**p); (*p)++, scale /= 10)
		ns += (**p - '0') * scale;
	return ns;
}

/* Go's durations: 1h30m, 10s, 1.5m, 300ms. */
static int duration(const char *s, long long *ns)
{
	static const struct { const char *unit; long long ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000LL },
		{ "m", 60000000000LL }, { "h", 3600000000000LL },
	};
	long long total = 0;
	if (!*s)
		return -1;
	while (*s) {
		char *u;
		double v = strtod(s, &u);
		size_t i, l = 0;
		if (u == s || !(v >= 0 && v <= 1e6))
			return -1;
		for (i = 0; i < CB_ARRAY_SIZE(units); i++)
			if (!strncmp(u, units[i].unit, l = strlen(units[i].unit)))
				break;
		if (i == CB_ARRAY_SIZE(units))
			return -1;
		total += (long long)(v * (double)units[i].ns);
		s = u + l;
	}
	*ns = total;
	return 0;
}

int cb_log_time_parse(const char *s, long long *ns)
{
	struct tm tm = { 0 };
	const char *p = s;
	char *end;
	long long n = strtoll(s, &end, 10), d;
	if (end != s && (!*end || *end == '.') && isdigit((unsigned char)*s)) {
		p = end; /* seconds since the epoch */
		*ns = ns_of(n, fraction(&p));
		return *p ? -1 : 0;
	}
	if (duration(s, &d) == 0) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		*ns = (long long)now.tv_sec * 1000000000LL + now.tv_nsec - d;
		return 0;
	}
	int k = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &k) != 3 || k != 10)
		return -1;
	p = s + 10;
	if (*p == 'T' && (sscanf(p + 1, "%2d:%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &k) != 3 || k != 8))
		return -1;
	p += *p == 'T' ? 9 : 0;
	long long frac = fraction(&p);
	tm.tm_year -= 1900;
	tm.tm_mon--;
	tm.tm_isdst = -1;
	long long secs;
	if (!*p) {
		secs = (long long)mktime(&tm); /* no zone: local time */
	} else {
		int oh = 0, om = 0;
		secs = (long long)timegm(&tm);
		if (*p == 'Z' && !p[1])
			;
		else if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) == 2 && k == 5 && !p[6])
			secs -= (*p == '-' ? -1 : 1) * (oh * 3600LL + om * 60LL);
		else
			return -1;
	}
	*ns = ns_of(secs, frac);
	return 0;
}

/* The reader: rounds of new records from several logs, merged by time. */

struct item {
	struct cb_logrec r;
	struct cb_logsrc *src;
	size_t seq;
};

static int by_time(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	if (x->r.ns != y->r.ns)
		return x->r.ns < y->r.ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Append what the log has now to s->buf: -1 out of memory. */
static int fill(struct cb_logsrc *s)
{
	for (;;) {
		if (s->cap - s->n < 65536) {
			char *b = realloc(s->buf, s->cap + 65536 + s->cap / 2);
			if (!b)
				return -1;
			s->buf = b;
			s->cap += 65536 + s->cap / 2;
		}
		ssize_t k = read(s->fd, s->buf + s->n, s->cap - s->n);
		if (k <= 0)
			return 0;
		s->n += (size_t)k;
	}
}


/* One round: every source's new full lines, in time order; the lines printed are taken
 * from the buffers. 0, or -1 (out of memory, or a write failed). */
static int print_round(struct cb_logsrc *srcs, int n, const struct cb_logwant *w)
{
	struct item *items = NULL;
	size_t ni = 0, cap = 0;
	for (int i = 0; i < n; i++) {
		struct cb_logsrc *s = &srcs[i];
		size_t first = ni;
		if (s->fd < 0) /* not run yet when we began */
			s->fd = openat(s->dfd, "ctr.log", O_RDONLY | O_CLOEXEC);
		if (s->fd < 0 || fill(s) < 0)
			continue;
		for (size_t off = 0; off < s->n;) {
			char *nl = memchr(s->buf + off, '\n', s->n - off);
			if (!nl)
				break;
			if (ni == cap) {
				struct item *t = realloc(items, (cap = cap * 2 + 256) * sizeof(*items));
				if (!t)
					return free(items), -1;
				items = t;
			}
			items[ni] = (struct item){ .src = s, .seq = ni };
			cb_ctrlog_parse(s->buf + off, (size_t)(nl - s->buf) - off, &items[ni].r);
			ni++;
			off = (size_t)(nl - s->buf) + 1;
		}
		/* --tail: the last N lines (a line: P records up to an F one) of what was there. */
		if (s->first && w->tail >= 0) {
			size_t start = ni;
			for (int cnt = 0; cnt < w->tail && start > first;) {
				start--;
				cnt += start == first || items[start - 1].r.full;
			}
			memmove(items + first, items + start, (ni - start) * sizeof(*items));
			ni = first + (ni - start);
		}
		s->first = 0;
	}
	qsort(items, ni, sizeof(*items), by_time);
	int r = 0;
	for (size_t i = 0; i < ni && r == 0; i++) {
		struct cb_logrec *l = &items[i].r;
		if (l->ns && (l->ns < w->since || l->ns > w->until))
			continue;
		struct iovec iov[6];
		int k = 0;
		if (w->prefix)
			iov[k++] = (struct iovec){ items[i].src->label, strlen(items[i].src->label) },
			iov[k++] = (struct iovec){ " ", 1 };
		if (w->stamps && l->tslen)
			iov[k++] = (struct iovec){ (void *)l->ts, l->tslen }, iov[k++] = (struct iovec){ " ", 1 };
		iov[k++] = (struct iovec){ (void *)l->text, l->len };
		if (l->full)
			iov[k++] = (struct iovec){ "\n", 1 };
		if (writev(l->stream, iov, k) < 0)
			r = -1;
	}
	free(items);
	/* The full lines read are done with: keep an unterminated rest for the next round. */
	for (int i = 0; i < n; i++) {
		struct cb_logsrc *s = &srcs[i];
		char *last = s->n ? memrchr(s->buf, '\n', s->n) : NULL;
		size_t used = last ? (size_t)(last - s->buf) + 1 : 0;
		memmove(s->buf, s->buf + used, s->n - used);
		s->n -= used;
	}
	return r;
}

int cb_ctrlog_print(struct cb_logsrc *srcs, int n, const struct cb_logwant *w, int follow)
{
	for (;;) {
		int alive = 0;
		for (int i = 0; follow && i < n; i++) {
			cb_state_read(srcs[i].dfd, &srcs[i].cs);
			alive |= cb_state_monitor_alive(&srcs[i].cs);
		}
		if (print_round(srcs, n, w) < 0)
			return -1;
		if (!alive)
			return 0;
		struct timespec ts = { 0, 100 * 1000000 };
		nanosleep(&ts, NULL);
	}
}
