/* tls.h - a TLS 1.2 client (BearSSL) over a connected socket, and the trust anchors it
 * checks servers against.
 *
 * The engine is BearSSL's; the I/O is ours: every wait is a poll() with a timeout, so a
 * stalled registry fails with a message instead of hanging a pull. In builds without
 * CONFIG_TLS every entry point fails with "built without TLS". */
#ifndef CB_TLS_H
#define CB_TLS_H

#include "cbox.h"

struct cb_tls_opts {
	const char *const *ca_files; /* NULL-terminated extra CA PEM files, or NULL */
	int insecure;                /* accept any certificate (--tls-verify=false) */
};

/* ---- trust anchors ---- */
struct cb_tls_trust; /* a set of decoded CA certificates */
struct cb_tls_trust *cb_tls_trust_new(void);
void cb_tls_trust_free(struct cb_tls_trust *t);
size_t cb_tls_trust_count(const struct cb_tls_trust *t);
/* Add every certificate of a PEM text; what names it in errors. A text with no usable
 * certificate is an error. */
int cb_tls_trust_add_pem(struct cb_tls_trust *t, const void *pem, size_t len, const char *what, cb_err *e);
int cb_tls_trust_add_file(struct cb_tls_trust *t, const char *path, cb_err *e);
/* The system bundle ($SSL_CERT_FILE, else the first of the usual paths), loaded once per
 * process and shared; an empty set when there is none (initramfs). Never NULL. */
const struct cb_tls_trust *cb_tls_system_trust(void);
/* Where it came from (a path, or "the embedded CA bundle"); NULL when there is none. */
const char *cb_tls_system_trust_source(void);

/* ---- sessions ---- */
struct cb_tls; /* one TLS session; does not own the fd */
/* Handshake with host (a DNS name, sent as SNI and verified, or an IP literal, checked
 * against the certificate's IP addresses) over the connected socket fd. */
int cb_tls_open(struct cb_tls **out, int fd, const char *host, const struct cb_tls_opts *o,
		int timeout_ms, cb_err *e);
/* Bytes read (> 0), 0 at the end of the stream, or a negative errno. */
ssize_t cb_tls_read(struct cb_tls *t, void *buf, size_t len, int timeout_ms, cb_err *e);
/* Write all of buf and flush it to the socket. */
int cb_tls_write(struct cb_tls *t, const void *buf, size_t len, int timeout_ms, cb_err *e);
/* Bytes the engine holds decrypted but unread (so a poll on the fd would not show them). */
size_t cb_tls_pending(struct cb_tls *t);
void cb_tls_free(struct cb_tls *t);

/* Wait until fd is ready for events (POLLIN/POLLOUT) or timeout_ms passes (-ETIMEDOUT,
 * *e names what). Shared with http.c. */
int cb_poll_fd(int fd, short events, int timeout_ms, const char *what, cb_err *e);
/* CLOCK_MONOTONIC in milliseconds. */
long long cb_now_ms(void);

#endif
