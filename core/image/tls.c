/* tls.c - BearSSL TLS 1.2 client: trust anchors from PEM, a verifying (or, on request,
 * a trusting) X.509 engine, and an engine loop that waits with poll() and timeouts. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <bearssl.h>

#include "cbox.h"
#include "tls.h"
#include "embedded_ca.h"

long long cb_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int cb_poll_fd(int fd, short events, int timeout_ms, const char *what, cb_err *e)
{
	struct pollfd p = { .fd = fd, .events = events };
	for (;;) {
		int n = poll(&p, 1, timeout_ms);
		if (n > 0)
			return 0; /* ready, or an error the next read/write reports */
		if (n == 0)
			return cb_fail(e, ETIMEDOUT, "%s: timed out after %d ms", what, timeout_ms);
		if (errno != EINTR)
			return cb_fail_errno(e, errno, "%s: poll", what);
	}
}

static int no_tls(cb_err *e)
{
	return cb_fail(e, ENOTSUP, "https is not available: cbox was built without TLS (CONFIG_TLS)");
}

/* ---- trust anchors ---- */

struct cb_tls_trust {
	br_x509_trust_anchor *ta; /* each ta[i].dn.data heads one allocation with the key */
	size_t n, cap;
};

struct cb_tls_trust *cb_tls_trust_new(void)
{
	return calloc(1, sizeof(struct cb_tls_trust));
}

void cb_tls_trust_free(struct cb_tls_trust *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->ta[i].dn.data);
	free(t->ta);
	free(t);
}

size_t cb_tls_trust_count(const struct cb_tls_trust *t)
{
	return t ? t->n : 0;
}

/* A growing byte buffer that BearSSL decoders write into. */
struct cb_bytes {
	unsigned char *p;
	size_t len, cap;
	int oom;
};

static void bytes_append(void *ctx, const void *buf, size_t len)
{
	struct cb_bytes *b = ctx;
	if (b->oom)
		return;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		while (cap < b->len + len)
			cap *= 2;
		unsigned char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, buf, len);
	b->len += len;
}

/* Decode one DER certificate into a trust anchor (DN and key in one allocation). */
static int add_der(struct cb_tls_trust *t, const unsigned char *der, size_t len)
{
	struct cb_bytes dn = { 0 };
	br_x509_decoder_context dc;
	br_x509_decoder_init(&dc, bytes_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
	int err = pk ? 0 : br_x509_decoder_last_error(&dc);
	if (!pk || dn.oom) {
		free(dn.p);
		return dn.oom ? -ENOMEM : -(err ? err : EINVAL);
	}
	size_t klen = pk->key_type == BR_KEYTYPE_RSA ? pk->key.rsa.nlen + pk->key.rsa.elen : pk->key.ec.qlen;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		br_x509_trust_anchor *ta = realloc(t->ta, cap * sizeof(*ta));
		if (!ta) {
			free(dn.p);
			return -ENOMEM;
		}
		t->ta = ta;
		t->cap = cap;
	}
	unsigned char *mem = malloc(dn.len + klen + 1);
	if (!mem) {
		free(dn.p);
		return -ENOMEM;
	}
	memcpy(mem, dn.p, dn.len);
	free(dn.p);
	br_x509_trust_anchor *a = &t->ta[t->n];
	memset(a, 0, sizeof(*a));
	a->dn.data = mem;
	a->dn.len = dn.len;
	/* A non-CA anchor is trusted as the server's own certificate (self-signed). */
	a->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	a->pkey.key_type = pk->key_type;
	unsigned char *k = mem + dn.len;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		memcpy(k, pk->key.rsa.n, pk->key.rsa.nlen);
		memcpy(k + pk->key.rsa.nlen, pk->key.rsa.e, pk->key.rsa.elen);
		a->pkey.key.rsa.n = k;
		a->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		a->pkey.key.rsa.e = k + pk->key.rsa.nlen;
		a->pkey.key.rsa.elen = pk->key.rsa.elen;
	} else {
		memcpy(k, pk->key.ec.q, pk->key.ec.qlen);
		a->pkey.key.ec.curve = pk->key.ec.curve;
		a->pkey.key.ec.q = k;
		a->pkey.key.ec.qlen = pk->key.ec.qlen;
	}
	t->n++;
	return 0;
}

int cb_tls_trust_add_pem(struct cb_tls_trust *t, const void *pem, size_t len, const char *what, cb_err *e)
{
	if (!CFG_TLS)
		return no_tls(e);
	br_pem_decoder_context pc;
	struct cb_bytes der = { 0 };
	const unsigned char *p = pem;
	size_t added = 0, skipped = 0;
	int in_cert = 0, r = 0;
	br_pem_decoder_init(&pc);
	/* The trailing newline lets the decoder finish an object whose END line lacks one. */
	for (int pass = 0; pass < 2 && r == 0; pass++) {
		const unsigned char *q = pass ? (const unsigned char *)"\n" : p;
		size_t left = pass ? 1 : len;
		while (left > 0 && r == 0) {
			size_t n = br_pem_decoder_push(&pc, q, left);
			q += n;
			left -= n;
			switch (br_pem_decoder_event(&pc)) {
			case BR_PEM_BEGIN_OBJ:
				in_cert = strcmp(br_pem_decoder_name(&pc), "CERTIFICATE") == 0 ||
					  strcmp(br_pem_decoder_name(&pc), "X509 CERTIFICATE") == 0;
				der.len = 0;
				br_pem_decoder_setdest(&pc, in_cert ? bytes_append : NULL, in_cert ? &der : NULL);
				break;
			case BR_PEM_END_OBJ:
				if (!in_cert)
					break;
				in_cert = 0;
				if (der.oom) {
					r = cb_fail(e, ENOMEM, "%s: out of memory", what);
					break;
				}
				int a = add_der(t, der.p, der.len);
				if (a == -ENOMEM)
					r = cb_fail(e, ENOMEM, "%s: out of memory", what);
				else if (a < 0)
					skipped++; /* e.g. a DSA or unsupported key: unusable, not fatal */
				else
					added++;
				break;
			case BR_PEM_ERROR:
				r = cb_fail(e, EINVAL, "%s: malformed PEM", what);
				break;
			}
		}
	}
	free(der.p);
	if (r == 0 && added == 0)
		r = cb_fail(e, EINVAL, "%s: no usable certificate%s", what, skipped ? " (unsupported keys)" : "");
	return r;
}

int cb_tls_trust_add_file(struct cb_tls_trust *t, const char *path, cb_err *e)
{
	CB_AUTOCLOSE int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return cb_fail_errno(e, errno, "CA file %s", path);
	if (fstat(fd, &st) < 0)
		return cb_fail_errno(e, errno, "CA file %s", path);
	if (st.st_size > (64 << 20))
		return cb_fail(e, EFBIG, "CA file %s: too large", path);
	CB_AUTOFREE char *buf = malloc(st.st_size + 1);
	if (!buf)
		return cb_fail(e, ENOMEM, "CA file %s: out of memory", path);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cb_fail_errno(e, errno, "CA file %s", path);
		if (n == 0)
			break;
		got += n;
	}
	char what[512];
	snprintf(what, sizeof(what), "CA file %s", path);
	return cb_tls_trust_add_pem(t, buf, got, what, e);
}

static struct cb_tls_trust *system_trust;
static const char *system_trust_path;
static pthread_once_t system_once = PTHREAD_ONCE_INIT;

static void load_system_trust(void)
{
	static const char *const paths[] = {
		"/etc/ssl/certs/ca-certificates.crt", /* Debian, Alpine, Arch */
		"/etc/pki/tls/certs/ca-bundle.crt",   /* Fedora, RHEL */
		"/etc/ssl/cert.pem",                  /* BSD-style, some busybox images */
		"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
	};
	system_trust = cb_tls_trust_new();
	if (!system_trust)
		return;
	const char *env = getenv("SSL_CERT_FILE");
	for (size_t i = 0; i <= CB_ARRAY_SIZE(paths); i++) {
		const char *p = i == 0 ? env : paths[i - 1];
		cb_err e;
		if (!p || !*p || access(p, R_OK) != 0)
			continue;
		if (cb_tls_trust_add_file(system_trust, p, &e) == 0) {
			system_trust_path = p;
			cb_debug("tls: %zu CA certificates from %s", system_trust->n, p);
			return;
		}
		cb_debug("tls: %s", e.msg);
	}
	if (CFG_EMBEDDED_CA) {
		cb_err e;
		if (cb_tls_trust_add_pem(system_trust, cb_embedded_ca, sizeof(cb_embedded_ca) - 1, "the embedded CA bundle",
					 &e) == 0) {
			system_trust_path = "the embedded CA bundle";
			cb_debug("tls: %zu CA certificates from the embedded bundle", system_trust->n);
			return;
		}
		cb_debug("tls: %s", e.msg);
	}
	cb_debug("tls: no system CA bundle found");
}

const char *cb_tls_system_trust_source(void)
{
	cb_tls_system_trust();
	return system_trust_path;
}

const struct cb_tls_trust *cb_tls_system_trust(void)
{
	static const struct cb_tls_trust empty;
	if (!CFG_TLS)
		return &empty;
	pthread_once(&system_once, load_system_trust);
	return system_trust ? system_trust : &empty;
}

/* ---- the X.509 engine we hand to the SSL engine ----
 * It wraps BearSSL's minimal engine (chain to a trust anchor, validity dates, DNS names)
 * and adds what it lacks: IP-address hosts (matched against the certificate's iPAddress
 * names) and insecure mode (no checks at all, but the server key is still decoded so the
 * handshake proceeds and the session is still encrypted). */
struct cb_x509 {
	const br_x509_class *vtable;
	br_x509_minimal_context mini;
	int insecure;
	unsigned char ip[16];
	size_t iplen;           /* 4 or 16 when the host is an IP literal, else 0 */
	unsigned depth;         /* index of the certificate being received */
	struct cb_bytes ee;     /* the server's certificate, for the iPAddress check */
	br_x509_decoder_context dec; /* insecure: the server's key */
};

static int der_read(const unsigned char **p, const unsigned char *end, unsigned *tag,
		    const unsigned char **val, size_t *len)
{
	const unsigned char *q = *p;
	if (end - q < 2)
		return -1;
	*tag = *q++;
	size_t l = *q++;
	if (l & 0x80) {
		unsigned nb = l & 0x7f;
		if (nb == 0 || nb > 3 || (size_t)(end - q) < nb)
			return -1;
		for (l = 0; nb--;)
			l = (l << 8) | *q++;
	}
	if ((size_t)(end - q) < l)
		return -1;
	*val = q;
	*len = l;
	*p = q + l;
	return 0;
}

/* Does the DER certificate carry iPAddress ip in its subjectAltName? */
static int cert_has_ip(const unsigned char *der, size_t dlen, const unsigned char *ip, size_t iplen)
{
	static const unsigned char san_oid[] = { 0x55, 0x1d, 0x11 }; /* 2.5.29.17 */
	const unsigned char *p = der, *end = der + dlen, *v;
	unsigned tag;
	size_t l;
	/* Certificate SEQUENCE -> tbsCertificate SEQUENCE -> [3] extensions */
	if (der_read(&p, end, &tag, &v, &l) || tag != 0x30)
		return 0;
	p = v, end = v + l;
	if (der_read(&p, end, &tag, &v, &l) || tag != 0x30)
		return 0;
	p = v, end = v + l;
	while (p < end) {
		if (der_read(&p, end, &tag, &v, &l))
			return 0;
		if (tag != 0xa3)
			continue;
		const unsigned char *x = v, *xend = v + l;
		if (der_read(&x, xend, &tag, &v, &l) || tag != 0x30)
			return 0;
		x = v, xend = v + l;
		while (x < xend) { /* Extension SEQUENCE { OID, [critical BOOLEAN], OCTET STRING } */
			const unsigned char *f, *fend;
			if (der_read(&x, xend, &tag, &v, &l) || tag != 0x30)
				return 0;
			f = v, fend = v + l;
			if (der_read(&f, fend, &tag, &v, &l) || tag != 0x06)
				return 0;
			if (l != sizeof(san_oid) || memcmp(v, san_oid, l) != 0)
				continue;
			if (der_read(&f, fend, &tag, &v, &l))
				return 0;
			if (tag == 0x01 && der_read(&f, fend, &tag, &v, &l))
				return 0;
			if (tag != 0x04)
				return 0;
			f = v, fend = v + l;
			if (der_read(&f, fend, &tag, &v, &l) || tag != 0x30)
				return 0;
			f = v, fend = v + l;
			while (f < fend) {
				if (der_read(&f, fend, &tag, &v, &l))
					return 0;
				if (tag == 0x87 && l == iplen && memcmp(v, ip, iplen) == 0)
					return 1; /* [7] iPAddress */
			}
			return 0;
		}
	}
	return 0;
}

static void x_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct cb_x509 *x = (struct cb_x509 *)ctx;
	x->depth = 0;
	x->ee.len = 0;
	if (!x->insecure)
		x->mini.vtable->start_chain(&x->mini.vtable, server_name);
}

static void x_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct cb_x509 *x = (struct cb_x509 *)ctx;
	if (x->depth == 0 && x->insecure)
		br_x509_decoder_init(&x->dec, NULL, NULL);
	if (!x->insecure)
		x->mini.vtable->start_cert(&x->mini.vtable, length);
}

static void x_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct cb_x509 *x = (struct cb_x509 *)ctx;
	if (x->depth == 0 && x->insecure)
		br_x509_decoder_push(&x->dec, buf, len);
	if (x->depth == 0 && x->iplen && !x->insecure)
		bytes_append(&x->ee, buf, len);
	if (!x->insecure)
		x->mini.vtable->append(&x->mini.vtable, buf, len);
}

static void x_end_cert(const br_x509_class **ctx)
{
	struct cb_x509 *x = (struct cb_x509 *)ctx;
	if (!x->insecure)
		x->mini.vtable->end_cert(&x->mini.vtable);
	x->depth++;
}

static unsigned x_end_chain(const br_x509_class **ctx)
{
	struct cb_x509 *x = (struct cb_x509 *)ctx;
	if (x->insecure) {
		if (x->depth == 0)
			return BR_ERR_X509_EMPTY_CHAIN;
		return br_x509_decoder_get_pkey(&x->dec) ? 0 : (unsigned)br_x509_decoder_last_error(&x->dec);
	}
	unsigned r = x->mini.vtable->end_chain(&x->mini.vtable);
	if (r == 0 && x->iplen && (x->ee.oom || !cert_has_ip(x->ee.p, x->ee.len, x->ip, x->iplen)))
		r = BR_ERR_X509_BAD_SERVER_NAME;
	return r;
}

static const br_x509_pkey *x_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	struct cb_x509 *x = (struct cb_x509 *)ctx;
	if (!x->insecure)
		return x->mini.vtable->get_pkey(&x->mini.vtable, usages);
	if (usages)
		*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
	return br_x509_decoder_get_pkey(&x->dec);
}

static const br_x509_class cb_x509_vtable = {
	sizeof(struct cb_x509), x_start_chain, x_start_cert, x_append, x_end_cert, x_end_chain, x_get_pkey,
};

/* ---- sessions ---- */

struct cb_tls {
	br_ssl_client_context cc;
	struct cb_x509 x;
	br_x509_trust_anchor *ta; /* system + extra anchors (shallow copies) */
	struct cb_tls_trust *extra;
	int fd;
	int eof;
	const char *sys_path; /* for the unknown-authority hint */
	char host[256];
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

/* Only what registries need, strongest first: forward secrecy and AEAD. */
static const uint16_t cb_suites[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};

static const char *x509_cause(int err)
{
	switch (err) {
	case BR_ERR_X509_NOT_TRUSTED: return "certificate signed by unknown authority";
	case BR_ERR_X509_BAD_SERVER_NAME: return "certificate is not valid for this host name";
	case BR_ERR_X509_EXPIRED: return "certificate has expired or is not yet valid";
	case BR_ERR_X509_TIME_UNKNOWN: return "certificate validity cannot be checked (no clock)";
	case BR_ERR_X509_BAD_SIGNATURE: return "certificate signature is invalid";
	case BR_ERR_X509_NOT_CA: return "certificate issuer is not a CA";
	case BR_ERR_X509_FORBIDDEN_KEY_USAGE: return "certificate key usage forbids TLS";
	case BR_ERR_X509_WEAK_PUBLIC_KEY: return "certificate key is too weak";
	case BR_ERR_X509_CRITICAL_EXTENSION: return "certificate has an unsupported critical extension";
	case BR_ERR_X509_UNSUPPORTED: return "certificate uses an unsupported algorithm";
	case BR_ERR_X509_LIMIT_EXCEEDED: return "certificate chain is too long";
	case BR_ERR_X509_EMPTY_CHAIN: return "server sent no certificate";
	case BR_ERR_X509_DN_MISMATCH: return "certificate chain is out of order";
	case BR_ERR_X509_WRONG_KEY_TYPE: return "certificate key type does not match the cipher suite";
	}
	return err >= BR_ERR_X509_OK && err < 64 ? "malformed certificate" : NULL;
}

static int tls_fail(struct cb_tls *t, int err, cb_err *e)
{
	const char *cause = x509_cause(err);
	if (err == BR_ERR_X509_NOT_TRUSTED && !t->x.insecure)
		return cb_fail(e, EPERM, "TLS handshake with %s: %s (%s)", t->host, cause,
			       t->sys_path ? "not in the system CA bundle nor the given CA files" :
					     "no system CA bundle found; give the CA with --cert-dir or SSL_CERT_FILE");
	if (cause)
		return cb_fail(e, EPERM, "TLS handshake with %s: %s", t->host, cause);
	if (err >= BR_ERR_SEND_FATAL_ALERT)
		return cb_fail(e, EPROTO, "TLS with %s: sent alert %d", t->host, err - BR_ERR_SEND_FATAL_ALERT);
	if (err >= BR_ERR_RECV_FATAL_ALERT)
		return cb_fail(e, EPROTO, "TLS with %s: server sent alert %d%s", t->host, err - BR_ERR_RECV_FATAL_ALERT,
			       err - BR_ERR_RECV_FATAL_ALERT == 40 ? " (handshake failure: no common cipher suite or curve?)" :
			       err - BR_ERR_RECV_FATAL_ALERT == 70 ? " (protocol version: server lacks TLS 1.2?)" : "");
	switch (err) {
	case BR_ERR_UNSUPPORTED_VERSION:
	case BR_ERR_BAD_VERSION:
		return cb_fail(e, EPROTO, "TLS with %s: server does not speak TLS 1.2", t->host);
	case BR_ERR_BAD_CIPHER_SUITE:
	case BR_ERR_INVALID_ALGORITHM:
		return cb_fail(e, EPROTO, "TLS with %s: server chose an unsupported cipher suite or algorithm", t->host);
	case BR_ERR_BAD_MAC:
		return cb_fail(e, EPROTO, "TLS with %s: record authentication failed (corrupted stream)", t->host);
	case BR_ERR_BAD_SIGNATURE:
		return cb_fail(e, EPERM, "TLS handshake with %s: bad server key exchange signature", t->host);
	}
	return cb_fail(e, EPROTO, "TLS with %s: protocol error (BearSSL error %d)", t->host, err);
}

/* Wait for the socket until the call's end (a monotonic time in ms). */
static int tls_wait(struct cb_tls *t, short events, long long end, int timeout_ms, cb_err *e)
{
	long long left = end - cb_now_ms();
	int r = left > 0 ? cb_poll_fd(t->fd, events, (int)left, t->host, e) : -ETIMEDOUT;
	return r == -ETIMEDOUT ? cb_fail(e, ETIMEDOUT, "%s: timed out after %d ms", t->host, timeout_ms) : r;
}

/* Drive the engine until a state in want is reached. 1: closed cleanly (or the peer
 * hung up after the handshake); 0: reached; <0: error. */
static int run_until(struct cb_tls *t, unsigned want, int timeout_ms, cb_err *e)
{
	br_ssl_engine_context *eng = &t->cc.eng;
	/* The timeout bounds the whole call, not each wait: a peer trickling a record one
	 * byte at a time does not hold a read forever. */
	long long end = cb_now_ms() + timeout_ms;
	for (;;) {
		unsigned st = br_ssl_engine_current_state(eng);
		if (st & BR_SSL_CLOSED) {
			int err = br_ssl_engine_last_error(eng);
			return err == BR_ERR_OK ? 1 : tls_fail(t, err, e);
		}
		if (st & BR_SSL_SENDREC) {
			size_t len;
			unsigned char *buf = br_ssl_engine_sendrec_buf(eng, &len);
			ssize_t n = send(t->fd, buf, len, MSG_NOSIGNAL);
			if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
				int r = tls_wait(t, POLLOUT, end, timeout_ms, e);
				if (r)
					return r;
				continue;
			}
			if (n < 0)
				return cb_fail_errno(e, errno, "TLS with %s: send", t->host);
			br_ssl_engine_sendrec_ack(eng, n);
			continue;
		}
		if (st & want)
			return 0;
		if (st & BR_SSL_RECVAPP) /* unread data blocks a write: a half-duplex misuse */
			return cb_fail(e, EPROTO, "TLS with %s: unexpected data from the server", t->host);
		if (st & BR_SSL_RECVREC) {
			size_t len;
			unsigned char *buf = br_ssl_engine_recvrec_buf(eng, &len);
			ssize_t n = recv(t->fd, buf, len, 0);
			if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
				int r = tls_wait(t, POLLIN, end, timeout_ms, e);
				if (r)
					return r;
				continue;
			}
			if (n < 0)
				return cb_fail_errno(e, errno, "TLS with %s: receive", t->host);
			if (n == 0) {
				/* Many servers hang up without close_notify; the HTTP framing
				 * above catches truncated bodies. */
				if (br_ssl_engine_current_state(eng) & (BR_SSL_SENDAPP | BR_SSL_RECVAPP) || t->eof)
					return 1;
				return cb_fail(e, ECONNRESET, "TLS handshake with %s: connection closed by the server", t->host);
			}
			br_ssl_engine_recvrec_ack(eng, n);
			continue;
		}
		br_ssl_engine_flush(eng, 0);
	}
}

static void client_setup(struct cb_tls *t)
{
	br_ssl_client_context *cc = &t->cc;
	br_ssl_engine_context *eng = &cc->eng;
	br_x509_minimal_context *xc = &t->x.mini;
	br_ssl_client_zero(cc);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(eng, cb_suites, CB_ARRAY_SIZE(cb_suites));
	br_ssl_engine_set_hash(eng, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_hash(eng, br_sha384_ID, &br_sha384_vtable);
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	br_ssl_engine_set_default_aes_gcm(eng);
	br_ssl_engine_set_default_chapol(eng);
	br_ssl_engine_set_default_ec(eng);
	br_ssl_engine_set_default_rsavrfy(eng);
	br_ssl_engine_set_default_ecdsa(eng);
	/* Chains are signed with SHA-256/384/512; SHA-1 signatures are refused. */
	br_x509_minimal_set_hash(xc, br_sha256_ID, &br_sha256_vtable);
	br_x509_minimal_set_hash(xc, br_sha384_ID, &br_sha384_vtable);
	br_x509_minimal_set_hash(xc, br_sha512_ID, &br_sha512_vtable);
	br_x509_minimal_set_rsa(xc, br_rsa_pkcs1_vrfy_get_default());
	br_x509_minimal_set_ecdsa(xc, br_ec_get_default(), br_ecdsa_vrfy_asn1_get_default());
	t->x.vtable = &cb_x509_vtable;
	br_ssl_engine_set_x509(eng, &t->x.vtable);
	br_ssl_engine_set_buffer(eng, t->iobuf, sizeof(t->iobuf), 1);
}

int cb_tls_open(struct cb_tls **out, int fd, const char *host, const struct cb_tls_opts *o,
		int timeout_ms, cb_err *e)
{
	*out = NULL;
	if (!CFG_TLS)
		return no_tls(e);
	struct cb_tls *t = calloc(1, sizeof(*t));
	if (!t)
		return cb_fail(e, ENOMEM, "TLS with %s: out of memory", host);
	t->fd = fd;
	snprintf(t->host, sizeof(t->host), "%s", host);
	t->x.insecure = o && o->insecure;

	/* Trust: the shared system set plus the caller's files, side by side. */
	const struct cb_tls_trust *sys = cb_tls_system_trust();
	t->sys_path = system_trust_path;
	int r = 0;
	if (!t->x.insecure && o && o->ca_files && o->ca_files[0]) {
		t->extra = cb_tls_trust_new();
		for (const char *const *f = o->ca_files; t->extra && *f && r == 0; f++)
			r = cb_tls_trust_add_file(t->extra, *f, e);
		if (!t->extra)
			r = cb_fail(e, ENOMEM, "TLS with %s: out of memory", host);
	}
	size_t n = sys->n + cb_tls_trust_count(t->extra);
	if (r == 0 && !(t->ta = malloc((n ? n : 1) * sizeof(*t->ta))))
		r = cb_fail(e, ENOMEM, "TLS with %s: out of memory", host);
	if (r) {
		cb_tls_free(t);
		return r;
	}
	if (sys->n)
		memcpy(t->ta, sys->ta, sys->n * sizeof(*t->ta));
	if (t->extra && t->extra->n)
		memcpy(t->ta + sys->n, t->extra->ta, t->extra->n * sizeof(*t->ta));

	br_x509_minimal_init(&t->x.mini, &br_sha256_vtable, t->ta, n);
	client_setup(t);
	/* An IP literal is not a valid SNI name; we match it against iPAddress names. */
	const char *sni = host;
	if (inet_pton(AF_INET, host, t->x.ip) == 1)
		t->x.iplen = 4, sni = NULL;
	else if (inet_pton(AF_INET6, host, t->x.ip) == 1)
		t->x.iplen = 16, sni = NULL;

	unsigned char seed[32];
	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
		cb_tls_free(t);
		return cb_fail_errno(e, errno, "TLS with %s: no system randomness", host);
	}
	br_ssl_engine_inject_entropy(&t->cc.eng, seed, sizeof(seed));
	if (!br_ssl_client_reset(&t->cc, sni, 0)) {
		r = tls_fail(t, br_ssl_engine_last_error(&t->cc.eng), e);
		cb_tls_free(t);
		return r;
	}
	r = run_until(t, BR_SSL_SENDAPP | BR_SSL_RECVAPP, timeout_ms, e);
	if (r == 1)
		r = cb_fail(e, ECONNRESET, "TLS handshake with %s: connection closed by the server", host);
	if (r) {
		cb_tls_free(t);
		return r;
	}
	cb_debug("tls: %s: TLS 1.2 suite 0x%04x%s", host, t->cc.eng.session.cipher_suite,
		 t->x.insecure ? " (certificate not verified)" : "");
	*out = t;
	return 0;
}

ssize_t cb_tls_read(struct cb_tls *t, void *buf, size_t len, int timeout_ms, cb_err *e)
{
	if (!CFG_TLS)
		return no_tls(e);
	if (t->eof)
		return 0;
	int r = run_until(t, BR_SSL_RECVAPP, timeout_ms, e);
	if (r == 1) {
		t->eof = 1;
		return 0;
	}
	if (r)
		return r;
	size_t have;
	unsigned char *p = br_ssl_engine_recvapp_buf(&t->cc.eng, &have);
	if (have > len)
		have = len;
	memcpy(buf, p, have);
	br_ssl_engine_recvapp_ack(&t->cc.eng, have);
	return (ssize_t)have;
}

int cb_tls_write(struct cb_tls *t, const void *buf, size_t len, int timeout_ms, cb_err *e)
{
	if (!CFG_TLS)
		return no_tls(e);
	const unsigned char *p = buf;
	while (len > 0) {
		int r = run_until(t, BR_SSL_SENDAPP, timeout_ms, e);
		if (r == 1)
			return cb_fail(e, EPIPE, "TLS with %s: connection closed by the server", t->host);
		if (r)
			return r;
		size_t room;
		unsigned char *q = br_ssl_engine_sendapp_buf(&t->cc.eng, &room);
		if (room > len)
			room = len;
		memcpy(q, p, room);
		br_ssl_engine_sendapp_ack(&t->cc.eng, room);
		p += room;
		len -= room;
	}
	br_ssl_engine_flush(&t->cc.eng, 0);
	int r = run_until(t, BR_SSL_SENDAPP | BR_SSL_RECVAPP, timeout_ms, e);
	return r == 1 ? cb_fail(e, EPIPE, "TLS with %s: connection closed by the server", t->host) : r;
}

size_t cb_tls_pending(struct cb_tls *t)
{
	size_t have = 0;
	if (CFG_TLS && t && (br_ssl_engine_current_state(&t->cc.eng) & BR_SSL_RECVAPP))
		br_ssl_engine_recvapp_buf(&t->cc.eng, &have);
	return have;
}

void cb_tls_free(struct cb_tls *t)
{
	if (!t)
		return;
	free(t->x.ee.p);
	free(t->ta);
	cb_tls_trust_free(t->extra);
	free(t);
}
