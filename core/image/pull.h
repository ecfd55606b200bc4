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

/* The registry options pull and run share, for their option tables. */
enum { CB_PULL_O_PLATFORM = 1000, CB_PULL_O_TLS, CB_PULL_O_CERTDIR, CB_PULL_O_CREDS };
#define CB_PULL_OPTIONS                                                   \
	{ "platform", 0, CB_OPT_ARG, CB_PULL_O_PLATFORM },                \
		{ "tls-verify", 0, CB_OPT_BOOL, CB_PULL_O_TLS },           \
		{ "cert-dir", 0, CB_OPT_ARG, CB_PULL_O_CERTDIR },          \
		{ "creds", 0, CB_OPT_ARG, CB_PULL_O_CREDS }
/* Take option id with its value into *o: 1 when it was one of those, 0 when not, a
 * negative errno with *e for a bad value. */
int cb_pull_opt(struct cb_pull_opts *o, int id, const char *arg, cb_err *e);

/* Pull arg (a reference as people type it) into the store; image_id gets the config
 * digest. Interrupted layers resume from tmp/ on the next attempt or the next run. */
int cb_pull(struct cb_store *s, const char *arg, const struct cb_pull_opts *o, char image_id[CB_DIGEST_LEN + 1],
	    cb_err *e);

#endif
