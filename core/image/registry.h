/* registry.h - the OCI distribution API client: endpoints, TLS trust per registry
 * (certs.d, --cert-dir), the bearer-token and basic auth flows, manifests and blobs. */
#ifndef CB_REGISTRY_H
#define CB_REGISTRY_H

#include "http.h"

struct cb_registry_opts {
	int tls_verify;       /* 1 verify (default), 0 --tls-verify=false */
	int insecure;         /* registries.conf insecure: unverified TLS, plain HTTP fallback */
	const char *cert_dir; /* --cert-dir: its *.crt replace the certs.d lookup */
	const char *creds;    /* --creds user[:pass], else auth.json */
	int timeout_ms;
};

struct cb_registry {
	struct cb_http_client *http;
	char name[256];    /* host[:port] as references spell it */
	char host[256];    /* where it is served (docker.io -> registry-1.docker.io) */
	int plain_http;    /* fell back to http:// (insecure registries only) */
	int insecure;
	struct cb_tls_opts tls;
	char *ca_files[33];
	char user[256], pass[512];
	int have_creds;
	int push;          /* tokens for pull,push (set before the first request) */
	char auth[8192];   /* the Authorization header for auth_scope */
	char auth_scope[512];
	int timeout_ms;
	int total_s;       /* a manifest, config or token request, whole ($CBOX_REGISTRY_TIMEOUT) */
	int stall_s, stall_rate; /* any transfer: bytes/s floor over seconds ($CBOX_STALL_*) */
};

int cb_registry_open(struct cb_registry *r, const char *name, const struct cb_registry_opts *o, cb_err *e);
/* Another connection set for a worker thread, sharing credentials and the token. */
int cb_registry_clone(struct cb_registry *dst, const struct cb_registry *src, cb_err *e);
void cb_registry_close(struct cb_registry *r);

/* GET /v2/<repo>/<what> ("manifests/<ref>", "blobs/<digest>") with auth handled. A 2xx
 * leaves the response open for the caller (who ends it). range_from > 0 asks for the rest
 * of a blob (the status tells whether the registry honoured it: 206). Errors: -ENOENT
 * (404), -EACCES (401/403), -EAGAIN (429, 5xx, connection reset: worth a retry), -EIO. */
int cb_registry_get(struct cb_registry *r, const char *repo, const char *what, const char *accept,
		    long long range_from, struct cb_http_response *rs, cb_err *e);
/* A whole manifest: its bytes, Content-Type and digest; a digest reference must match. */
int cb_registry_manifest(struct cb_registry *r, const char *repo, const char *ref, char **doc, size_t *len,
			 char *content_type, size_t ct_len, char *digest, cb_err *e);
/* A small blob (config), verified against its digest. */
int cb_registry_small_blob(struct cb_registry *r, const char *repo, const char *digest, long long size,
			   char **data, size_t *len, cb_err *e);
/* GET /v2/ with credentials: login's check. */
int cb_registry_ping(struct cb_registry *r, cb_err *e);

/* The push side (push set). HEAD blobs/<digest>: 1 there, 0 not. Refusals are worded as
 * podman words them ("...: unauthorized: authentication required"); 401/403: -EACCES. */
int cb_registry_blob_exists(struct cb_registry *r, const char *repo, const char *digest, cb_err *e);
/* A blob in one piece: POST blobs/uploads/, then PUT to its Location with ?digest=. */
int cb_registry_put_blob(struct cb_registry *r, const char *repo, const char *digest, const void *data, size_t len,
			 cb_err *e);
int cb_registry_put_manifest(struct cb_registry *r, const char *repo, const char *ref, const char *media_type,
			     const char *doc, size_t len, cb_err *e);

#endif
