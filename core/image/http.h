/* http.h - an HTTP/1.1 client for the registry code: keep-alive pool, redirects,
 * proxies, chunked bodies, timeouts; https through tls.c. */
#ifndef CB_HTTP_H
#define CB_HTTP_H

#include "cbox.h"
#include "tls.h"

/* A client keeps idle keep-alive connections, one per scheme://host:port (and route and
 * trust options). It is not locked: use one client per thread. */
struct cb_http_client;
struct cb_http_client *cb_http_client_new(void);
void cb_http_client_free(struct cb_http_client *c);

struct cb_http_request {
	const char *method, *url;       /* http:// or https:// */
	const char *const *headers;     /* "Name: value", NULL-terminated, may be NULL */
	const void *body;
	size_t body_len;
	int max_redirects;              /* 0: none (the 3xx is the answer); more: an error; never
					 * Authorization to another origin, never https -> http */
	const struct cb_tls_opts *tls;  /* NULL: system trust only */
	int timeout_ms;                 /* connect and per-read; 0 = default 30 s */
	int total_s;                    /* the whole exchange, redirects and body included; 0: none */
	int stall_s, stall_rate;        /* fail when less than stall_rate bytes/s arrive over
					 * stall_s seconds of waiting on the network; 0: none */
};

struct cb_http_priv;
struct cb_http_response {
	int status;
	long long content_length; /* -1 when unknown */
	char *url;                /* final URL after redirects */
	struct cb_reader body;    /* chunked / content-length / until-close; 0 at the end */
	struct cb_http_priv *priv;
};

/* Case-insensitive; the first of repeated headers; NULL if absent. */
const char *cb_http_header(const struct cb_http_response *r, const char *name);
/* Send the request and read the response head. On success the caller reads rs->body and
 * then calls cb_http_response_end (whatever the status). */
int cb_http_do(struct cb_http_client *c, const struct cb_http_request *rq, struct cb_http_response *rs, cb_err *e);
/* Return the connection to the pool if the body was fully read (or is small enough to
 * drain) and keep-alive holds, else close it; frees the response. */
void cb_http_response_end(struct cb_http_client *c, struct cb_http_response *rs);

/* ---- URLs (exposed for tests and the registry code) ---- */
struct cb_url {
	int https;
	char host[256];     /* without [] for IPv6 */
	unsigned port;
	char userinfo[256]; /* "user:pass" or "" (proxies only) */
	char *path;         /* "/path?query", allocated; never empty */
};
int cb_url_parse(struct cb_url *u, const char *s, cb_err *e);
void cb_url_free(struct cb_url *u);
/* Location header ref against base: a new allocated absolute URL, or NULL. */
char *cb_url_resolve(const char *base, const char *ref);

/* The proxy the environment names for url (HTTPS_PROXY, HTTP_PROXY, NO_PROXY; loopback
 * never): 1 with *proxy filled (cb_url_free it), 0 for a direct connection, or <0. */
int cb_http_proxy_for(const char *url, struct cb_url *proxy, cb_err *e);

#endif
