/* pull.h - pulling an image into the store: resolve, fetch, verify, unpack, index. */
#ifndef CB_PULL_H
#define CB_PULL_H

#include "manifest.h"
#include "store.h"

struct cb_pull_opts {
	struct cb_platform platform;
	int tls_verify;       /* 0 for --tls-verify=false */
	const char *cert_dir; /* --cert-dir */
	const char *creds;    /* --creds user:pass */
	int quiet;            /* no progress lines */
	int retries;          /* per layer, on cut connections and 5xx/429 */
	int retry_delay_ms;   /* first backoff; doubles */
	int jobs;             /* parallel layer downloads */
};
void cb_pull_opts_default(struct cb_pull_opts *o);

/* Pull arg (a reference as people type it) into the store; image_id gets the config
 * digest. Interrupted layers resume from tmp/ on the next attempt or the next run. */
int cb_pull(struct cb_store *s, const char *arg, const struct cb_pull_opts *o, char image_id[CB_DIGEST_LEN + 1],
	    cb_err *e);

#endif
