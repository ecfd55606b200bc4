/* progress.c - progress lines for pulls. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "progress.h"

#define MAX_SLOTS 64

struct slot {
	char label[96];
	long long total, done;
	const char *state; /* NULL while running */
	char how[96];
};

struct cb_progress {
	pthread_mutex_t mu;
	int quiet, tty, n;
	struct slot s[MAX_SLOTS];
	long long last_ms;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

struct cb_progress *cb_progress_new(int quiet)
{
	struct cb_progress *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	pthread_mutex_init(&p->mu, NULL);
	p->quiet = quiet;
	p->tty = isatty(2) && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0;
	return p;
}

void cb_progress_free(struct cb_progress *p)
{
	if (!p)
		return;
	pthread_mutex_destroy(&p->mu);
	free(p);
}

static void human(long long b, char *out, size_t n)
{
	if (b >= 1000000)
		snprintf(out, n, "%.1fMB", (double)b / 1e6);
	else
		snprintf(out, n, "%.1fkB", (double)b / 1e3);
}

static void format_line(const struct slot *s, char *out, size_t n)
{
	char done[32], total[32];
	if (s->state) {
		snprintf(out, n, "%s %s", s->label, s->how);
		return;
	}
	human(s->done, done, sizeof(done));
	if (s->total <= 0) {
		snprintf(out, n, "%s %s", s->label, done);
		return;
	}
	char bar[31];
	int fill = (int)(30 * (s->done > s->total ? s->total : s->done) / s->total);
	for (int i = 0; i < 30; i++)
		bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
	bar[30] = '\0';
	human(s->total, total, sizeof(total));
	snprintf(out, n, "%s [%s] %s / %s", s->label, bar, done, total);
}

/* Rewrite line `slot` in place: the cursor rests below the last line. */
static void redraw(struct cb_progress *p, int slot)
{
	char line[256], out[320];
	format_line(&p->s[slot], line, sizeof(line));
	int up = p->n - slot;
	int k = snprintf(out, sizeof(out), "\033[%dA\r%s\033[K\033[%dB\r", up, line, up);
	(void)!write(2, out, (size_t)k);
}

int cb_progress_add(struct cb_progress *p, const char *label, long long total)
{
	if (!p || p->quiet)
		return -1;
	pthread_mutex_lock(&p->mu);
	int slot = p->n < MAX_SLOTS ? p->n++ : -1;
	if (slot >= 0) {
		struct slot *s = &p->s[slot];
		snprintf(s->label, sizeof(s->label), "%s", label);
		s->total = total;
		s->done = 0;
		s->state = NULL;
		if (p->tty) {
			char line[256];
			format_line(s, line, sizeof(line));
			fprintf(stderr, "%s\n", line);
		}
	}
	pthread_mutex_unlock(&p->mu);
	return slot;
}

void cb_progress_set(struct cb_progress *p, int slot, long long done)
{
	if (!p || slot < 0 || !p->tty)
		return;
	pthread_mutex_lock(&p->mu);
	p->s[slot].done = done;
	long long t = now_ms();
	if (t - p->last_ms >= 100) {
		p->last_ms = t;
		redraw(p, slot);
	}
	pthread_mutex_unlock(&p->mu);
}

void cb_progress_end(struct cb_progress *p, int slot, const char *how)
{
	if (!p || slot < 0)
		return;
	pthread_mutex_lock(&p->mu);
	struct slot *s = &p->s[slot];
	snprintf(s->how, sizeof(s->how), "%s", how);
	s->state = s->how;
	if (p->tty) {
		redraw(p, slot);
	} else {
		char line[256];
		format_line(s, line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
	pthread_mutex_unlock(&p->mu);
}

void cb_progress_msg(struct cb_progress *p, const char *fmt, ...)
{
	if (!p || p->quiet)
		return;
	va_list ap;
	pthread_mutex_lock(&p->mu);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	/* On a terminal the bars are the last lines: draw them again below the message. */
	for (int i = 0; p->tty && i < p->n; i++) {
		char line[256];
		format_line(&p->s[i], line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
	pthread_mutex_unlock(&p->mu);
}
