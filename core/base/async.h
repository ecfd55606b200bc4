/* async.h - read ahead on another thread. */
#ifndef CB_ASYNC_H
#define CB_ASYNC_H

#include "cbox.h"

struct cb_async;
/* `out` reads what a thread reads from `in` (in order, errors included). `in` belongs
 * to that thread until cb_async_close, which stops and joins it. */
int cb_async_open(struct cb_reader *in, struct cb_reader *out, struct cb_async **a, cb_err *e);
void cb_async_close(struct cb_async *a);

#endif
