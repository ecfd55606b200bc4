/* progress.h - per-item progress on stderr: bars redrawn in place on a terminal, one line
 * per finished item otherwise. Thread-safe (layers download in parallel). */
#ifndef CB_PROGRESS_H
#define CB_PROGRESS_H

#include "cbox.h"

struct cb_progress;
/* quiet: nothing at all. */
struct cb_progress *cb_progress_new(int quiet);
void cb_progress_free(struct cb_progress *p);
/* A new line "LABEL" of total bytes (< 0 unknown); returns its slot. */
int cb_progress_add(struct cb_progress *p, const char *label, long long total);
/* Bytes done so far (redrawn at most every 100 ms). */
void cb_progress_set(struct cb_progress *p, int slot, long long done);
/* Final word for the line ("done", "skipped: already exists", an error). */
void cb_progress_end(struct cb_progress *p, int slot, const char *how);
/* A plain message line (kept above the bars). */
void cb_progress_msg(struct cb_progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
