/* async.c - a reader that reads ahead on its own thread, so two stages of a pipeline run
 * on two cores (a pull: network + decompression on one, hashing + unpacking on the other).
 * A few fixed slots bound the memory. */
#include <pthread.h>
#include <string.h>

#include "async.h"

#define SLOTS 8
#define SLOT_SIZE (128 * 1024)

struct slot {
	char buf[SLOT_SIZE];
	ssize_t n; /* bytes, 0 at the end, < 0 an error (in err) */
};

struct cb_async {
	struct cb_reader *in;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct slot slots[SLOTS];
	unsigned head, tail; /* filled slots: [tail, head) */
	size_t off;          /* bytes of slots[tail] already handed out */
	int stop, done;
	cb_err err;
};

static void *produce(void *arg)
{
	struct cb_async *a = arg;
	for (;;) {
		pthread_mutex_lock(&a->mu);
		while (a->head - a->tail == SLOTS && !a->stop)
			pthread_cond_wait(&a->cond, &a->mu);
		int stop = a->stop;
		struct slot *s = &a->slots[a->head % SLOTS];
		pthread_mutex_unlock(&a->mu);
		if (stop)
			break;
		cb_err e;
		ssize_t n = cb_read(a->in, s->buf, SLOT_SIZE, &e);
		pthread_mutex_lock(&a->mu);
		s->n = n;
		if (n < 0)
			a->err = e;
		a->head++;
		a->done = n <= 0;
		pthread_cond_broadcast(&a->cond);
		pthread_mutex_unlock(&a->mu);
		if (n <= 0)
			break;
	}
	return NULL;
}

static ssize_t consume(void *ctx, void *buf, size_t len, cb_err *e)
{
	struct cb_async *a = ctx;
	pthread_mutex_lock(&a->mu);
	while (a->head == a->tail)
		pthread_cond_wait(&a->cond, &a->mu);
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
		pthread_cond_broadcast(&a->cond);
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
	pthread_cond_init(&a->cond, NULL);
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
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thread, NULL);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cond);
	free(a);
}
