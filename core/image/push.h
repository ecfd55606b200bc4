/* push.h - an image from the store to a registry (layers gzipped from their tar-split
 * records, config, manifest), podman push's registry half. */
#ifndef CB_PUSH_H
#define CB_PUSH_H

#include <cjson/cJSON.h>

#include "store.h"

enum cb_push_format { CB_PUSH_AUTO, CB_PUSH_OCI, CB_PUSH_V2S2 };

struct cb_push_opts {
	int tls_verify;       /* 0: --tls-verify=false */
	const char *cert_dir; /* --cert-dir */
	const char *creds;    /* --creds user[:pass], else the auth file */
	int quiet;
	enum cb_push_format format; /* AUTO: v2s2 for an image that came as v2s2, else OCI */
};

/* Push the image (its entry in the index) to dest ([docker://]registry/repo[:tag]);
 * digest gets the manifest's. */
int cb_push(struct cb_store *s, cJSON *img, const char *dest, const struct cb_push_opts *o,
	    char digest[CB_DIGEST_LEN + 1], cb_err *e);

#endif
