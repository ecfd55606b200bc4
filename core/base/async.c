/* async.c - a reader that reads ahead on its own thread, so the stages of a pipeline run
 * on several cores (a pull: network, decompression, hashing + unpacking).
 * A few fixed slots bound the memory. A slot is filled before it is handed over, and a
 * side that had to wait sleeps until half the slots are ready for it: a hand-off per
 * slot would cost a futex wake and a context switch per 16 KiB TLS record. */
#include <pthread.h>
#include <string.h>

#include "async.h"

#define SLOTS 8
#define SLOT_SIZE (64 * 1024)
#define BATCH (SLOTS / 2) /* slots a waiting side waits for */

struct slot {
	char buf[SLOT_SIZE];
	ssize_t n; /* bytes, 0 at the end, < 0 an error (in err) */
};

struct cb_async {
	struct cb_reader *in;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t can_fill, can_take;
	struct slot slots[SLOTS];
	unsigned head, tail; /* filled slots: [tail, head) */
	size_t off;          /* bytes of slots[tail] already handed out */
	int stop, done;
	int pwait, cwait;    /* producer / consumer asleep */
	cb_err err;
};

static void *produce(void *arg)
{
	struct cb_async *a = arg;
	ssize_t end = 1; /* the read that ended the stream, once one did */
	cb_err e;
	for (;;) {
		pthread_mutex_lock(&a->mu);
		if (a->head - a->tail == SLOTS) {
			a->pwait = 1;
			while (SLOTS - (a->head - a->tail) < BATCH && !a->stop)
				pthread_cond_wait(&a->can_fill, &a->mu);
			a->pwait = 0;
		}
		int stop = a->stop;
		struct slot *s = &a->slots[a->head % SLOTS];
		pthread_mutex_unlock(&a->mu);
		if (stop)
			break;
		ssize_t got = 0;
		while (end > 0 && got < SLOT_SIZE) {
			ssize_t n = cb_read(a->in, s->buf + got, SLOT_SIZE - (size_t)got, &e);
			if (n <= 0)
				end = n;
			else
				got += n;
		}
		pthread_mutex_lock(&a->mu);
		s->n = got ? got : end; /* data first; the end or error in a slot of its own */
		if (!got && end < 0)
			a->err = e;
		a->head++;
		a->done = !got;
		if (a->cwait && (a->head - a->tail >= BATCH || a->done))
			pthread_cond_signal(&a->can_take);
		pthread_mutex_unlock(&a->mu);
		if (!got)
			break;
	}
	return NULL;
}

static ssize_t consume(void *ctx, void *buf, size_t len, cb_err *e)
{
	struct cb_async *a = ctx;
	pthread_mutex_lock(&a->mu);
	if (a->head == a->tail) {
		a->cwait = 1;
		while (a->head - a->tail < BATCH && !a->done)
			pthread_cond_wait(&a->can_take, &a->mu);
		a->cwait = 0;
	}
	struct slot *s = &a->slots[a->tail % SLOTS];
	ssize_t r = s->n;
	if (r < 0)
		*e = a->err;
	if (r <= 0) {
		pthread_mutex_unlock(&a->mu);
		return r; /* the end (or the error) stays: later reads see it again */
	}
	size_t k = (size_t)r - a->off < len ? (size_t)r - a->off : len;
	pthread_mutex_unlock(&a->mu);
	memcpy(buf, s->buf + a->off, k);
	pthread_mutex_lock(&a->mu);
	a->off += k;
	if (a->off == (size_t)s->n) {
		a->off = 0;
		a->tail++;
		if (a->pwait && SLOTS - (a->head - a->tail) >= BATCH)
			pthread_cond_signal(&a->can_fill);
	}
	pthread_mutex_unlock(&a->mu);
	return (ssize_t)k;
}
int cb_async_open(struct cb_reader *in, struct cb_reader *out, struct cb_async **ap, cb_err *e)
{
	struct cb_async *a = calloc(1, sizeof(*a));
	if (!a)
		return cb_fail(e, ENOMEM, "out of memory");
	a->in = in;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->can_fill, NULL);
	pthread_cond_init(&a->can_take, NULL);
	int r = pthread_create(&a->thread, NULL, produce, a);
	if (r != 0) {
		free(a);
		return cb_fail_errno(e, r, "cannot start a reader thread");
	}
	out->read = consume;
	out->ctx = a;
	*ap = a;
	return 0;
}

void cb_async_close(struct cb_async *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->mu);
	a->stop = 1;
	pthread_cond_signal(&a->can_fill);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thread, NULL);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->can_fill);
	pthread_cond_destroy(&a->can_take);
	free(a);
}
