/* http.c - HTTP/1.1 client: URLs, connections (plain, TLS, through a proxy), a pool of
 * idle keep-alive connections, request framing, response heads and bodies, redirects. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "cbox.h"
#include "http.h"

#define CB_HTTP_LINE_MAX 8192      /* one status or header line */
#define CB_HTTP_HEAD_MAX 65536     /* all headers of one response */
#define CB_HTTP_HEADERS_MAX 128
#define CB_HTTP_IDLE_MAX 8         /* idle connections kept by a client */
#define CB_HTTP_DRAIN_MAX 65536    /* unread body we still read to keep a connection */
#define CB_HTTP_TIMEOUT_MS 30000

/* ---- URLs ---- */

void cb_url_free(struct cb_url *u)
{
	free(u->path);
	u->path = NULL;
}

int cb_url_parse(struct cb_url *u, const char *s, cb_err *e)
{
	memset(u, 0, sizeof(*u));
	const char *p;
	if (strncasecmp(s, "https://", 8) == 0)
		u->https = 1, p = s + 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		p = s + 7;
	else
		return cb_fail(e, EINVAL, "URL '%s': only http:// and https:// are supported", s);
	size_t alen = strcspn(p, "/?#");
	const char *auth = p, *aend = p + alen;
	const char *at = NULL;
	for (const char *q = auth; q < aend; q++)
		if (*q == '@')
			at = q;
	if (at) {
		if ((size_t)(at - auth) >= sizeof(u->userinfo))
			return cb_fail(e, EINVAL, "URL '%s': user information too long", s);
		memcpy(u->userinfo, auth, at - auth);
		auth = at + 1;
	}
	const char *hend, *colon = NULL;
	if (*auth == '[') {
		const char *rb = memchr(auth, ']', aend - auth);
		if (!rb)
			return cb_fail(e, EINVAL, "URL '%s': unterminated [IPv6] host", s);
		auth++;
		hend = rb;
		if (rb + 1 < aend) {
			if (rb[1] != ':')
				return cb_fail(e, EINVAL, "URL '%s': junk after [IPv6] host", s);
			colon = rb + 1;
		}
	} else {
		colon = memchr(auth, ':', aend - auth);
		hend = colon ? colon : aend;
	}
	if (hend == auth || (size_t)(hend - auth) >= sizeof(u->host))
		return cb_fail(e, EINVAL, "URL '%s': bad host", s);
	memcpy(u->host, auth, hend - auth);
	u->port = u->https ? 443 : 80;
	if (colon && colon + 1 < aend) {
		unsigned long port = 0;
		for (const char *q = colon + 1; q < aend; q++) {
			if (*q < '0' || *q > '9' || (port = port * 10 + (*q - '0')) > 65535)
				return cb_fail(e, EINVAL, "URL '%s': bad port", s);
		}
		if (port == 0)
			return cb_fail(e, EINVAL, "URL '%s': bad port", s);
		u->port = port;
	}
	size_t plen = strcspn(aend, "#");
	u->path = malloc(plen + 2);
	if (!u->path)
		return cb_fail(e, ENOMEM, "URL '%s': out of memory", s);
	/* "http://h?q" has an empty path: the request target is "/?q". */
	snprintf(u->path, plen + 2, "%s%.*s", *aend == '/' ? "" : "/", (int)plen, aend);
	return 0;
}

/* "host:port", brackets around IPv6 literals. */
static void host_port(char *buf, size_t n, const char *host, unsigned port)
{
	snprintf(buf, n, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
}

char *cb_url_resolve(const char *base, const char *ref)
{
	char *out = NULL;
	if (strncasecmp(ref, "http://", 7) == 0 || strncasecmp(ref, "https://", 8) == 0)
		return strdup(ref);
	const char *sch = strstr(base, "://");
	if (!sch)
		return NULL;
	if (ref[0] == '/' && ref[1] == '/') {
		if (asprintf(&out, "%.*s:%s", (int)(sch - base), base, ref) < 0)
			return NULL;
		return out;
	}
	const char *path = sch + 3 + strcspn(sch + 3, "/?#");
	size_t plen = strcspn(path, "?#");
	int r;
	if (ref[0] == '/')
		r = asprintf(&out, "%.*s%s", (int)(path - base), base, ref);
	else if (ref[0] == '?')
		r = asprintf(&out, "%.*s%s", (int)(path - base + plen), base, ref);
	else {
		/* Relative: replace the last path segment. */
		size_t dir = plen;
		while (dir > 0 && path[dir - 1] != '/')
			dir--;
		r = asprintf(&out, "%.*s%s%s", (int)(path - base + dir), base, dir ? "" : "/", ref);
	}
	return r < 0 ? NULL : out;
}

/* ---- pace: a response's total limit and stall floor ---- */

struct pace {
	long long deadline;        /* monotonic ms; 0: none */
	int total_s, stall_s, rate;
	long long waited;          /* ms spent waiting on the network in this stall window */
	unsigned long long bytes;  /* received in this stall window */
};

/* Before a read: its timeout within the limits, or the limit that has passed. Only
 * time spent waiting on the network counts towards a stall (a slow consumer is not). */
static int pace_check(struct pace *p, int *timeout_ms, cb_err *e)
{
	long long now = cb_now_ms(), window = p->stall_s * 1000LL;
	if (p->deadline && now >= p->deadline)
		return cb_fail(e, ETIMEDOUT, "no complete answer within %d s (CBOX_REGISTRY_TIMEOUT)", p->total_s);
	if (p->stall_s && p->waited >= window) {
		if (p->bytes < (unsigned long long)p->stall_s * p->rate)
			return cb_fail(e, ETIMEDOUT, "transfer stalled: %llu bytes in %d s, under %d bytes/s "
				       "(CBOX_STALL_TIMEOUT, CBOX_STALL_RATE)", p->bytes, p->stall_s, p->rate);
		p->waited = 0, p->bytes = 0;
	}
	if (p->stall_s && window - p->waited < *timeout_ms)
		*timeout_ms = (int)(window - p->waited);
	if (p->deadline && p->deadline - now < *timeout_ms)
		*timeout_ms = (int)(p->deadline - now);
	return 0;
}

/* ---- connections ---- */

struct cb_http_conn {
	struct cb_http_conn *next;
	char *key;                /* pool key: what this connection may be reused for */
	int fd;
	struct cb_tls *tls;       /* NULL for plain http */
	size_t pos, len;          /* unread bytes in buf */
	unsigned long long got;   /* bytes received since the last request went out */
	char peer[300];           /* "host:port" for messages */
	struct pace *pace;        /* the limits of the response being read, or NULL */
	unsigned char buf[16384];
};

struct cb_http_client {
	struct cb_http_conn *idle;
};

static void conn_free(struct cb_http_conn *k)
{
	if (!k)
		return;
	cb_tls_free(k->tls);
	if (k->fd >= 0)
		close(k->fd);
	free(k->key);
	free(k);
}

static ssize_t recv_once(struct cb_http_conn *k, void *buf, size_t len, int timeout_ms, cb_err *e);

/* Receive within the response's limits: a wait cut short by one of them is resumed when
 * that limit still holds, until timeout_ms. */
static ssize_t conn_recv(struct cb_http_conn *k, void *buf, size_t len, int timeout_ms, cb_err *e)
{
	struct pace *p = k->pace;
	if (!p)
		return recv_once(k, buf, len, timeout_ms, e);
	long long end = cb_now_ms() + timeout_ms;
	for (;;) {
		long long t0 = cb_now_ms();
		int t = (int)(end - t0), r = t > 0 ? pace_check(p, &t, e) : 0;
		if (t <= 0)
			return cb_fail(e, ETIMEDOUT, "read from %s: timed out after %d ms", k->peer, timeout_ms);
		if (r)
			return r;
		ssize_t n = recv_once(k, buf, len, t, e);
		p->waited += cb_now_ms() - t0;
		if (n > 0)
			p->bytes += (unsigned long long)n;
		if (n != -ETIMEDOUT || cb_now_ms() >= end)
			return n; /* a timeout of the read itself keeps its own message */
	}
}

static ssize_t recv_once(struct cb_http_conn *k, void *buf, size_t len, int timeout_ms, cb_err *e)
{
	ssize_t n;
	if (k->tls)
		n = cb_tls_read(k->tls, buf, len, timeout_ms, e);
	else
		for (;;) {
			n = recv(k->fd, buf, len, 0);
			if (n >= 0)
				break;
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return cb_fail_errno(e, errno, "receive from %s", k->peer);
			int r = cb_poll_fd(k->fd, POLLIN, timeout_ms, "read", e);
			if (r)
				return r;
		}
	if (n > 0)
		k->got += n;
	return n;
}

static int conn_send(struct cb_http_conn *k, const void *buf, size_t len, int timeout_ms, cb_err *e)
{
	if (k->tls)
		return cb_tls_write(k->tls, buf, len, timeout_ms, e);
	const char *p = buf;
	while (len > 0) {
		ssize_t n = send(k->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			int r = cb_poll_fd(k->fd, POLLOUT, timeout_ms, "write", e);
			if (r)
				return r;
			continue;
		}
		if (n < 0)
			return cb_fail_errno(e, errno, "send to %s", k->peer);
		p += n;
		len -= n;
	}
	return 0;
}

/* Up to len body bytes: what is buffered first, then straight from the connection. */
static ssize_t conn_read(struct cb_http_conn *k, void *buf, size_t len, int timeout_ms, cb_err *e)
{
	if (k->pos < k->len) {
		size_t n = k->len - k->pos < len ? k->len - k->pos : len;
		memcpy(buf, k->buf + k->pos, n);
		k->pos += n;
		return n;
	}
	return conn_recv(k, buf, len, timeout_ms, e);
}

/* One line without its CRLF; what names it in errors. */
static int conn_line(struct cb_http_conn *k, char *out, size_t max, int timeout_ms, const char *what, cb_err *e)
{
	size_t n = 0;
	for (;;) {
		if (k->pos == k->len) {
			k->pos = k->len = 0;
			ssize_t r = conn_recv(k, k->buf, sizeof(k->buf), timeout_ms, e);
			if (r < 0)
				return r;
			if (r == 0)
				return cb_fail(e, ECONNRESET, "%s closed the connection before the %s", k->peer, what);
			k->len = r;
		}
		unsigned char *start = k->buf + k->pos, *nl = memchr(start, '\n', k->len - k->pos);
		size_t take = nl ? (size_t)(nl - start) : k->len - k->pos;
		if (n + take >= max)
			return cb_fail(e, EMSGSIZE, "%s: %s longer than %zu bytes", k->peer, what, max - 1);
		memcpy(out + n, start, take);
		n += take;
		k->pos += take;
		if (nl) {
			k->pos++;
			if (n && out[n - 1] == '\r')
				n--;
			out[n] = '\0';
			return 0;
		}
	}
}

static int tcp_connect(const char *host, unsigned port, int timeout_ms, int *out, cb_err *e)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
	char ps[8], hp[300];
	snprintf(ps, sizeof(ps), "%u", port);
	host_port(hp, sizeof(hp), host, port);
	int g = getaddrinfo(host, ps, &hints, &res);
	if (g)
		return cb_fail(e, g == EAI_SYSTEM ? errno : EHOSTUNREACH, "resolve %s: %s", host,
			       g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
	int err = EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
			err = errno;
			close(fd);
			continue;
		}
		struct pollfd pf = { .fd = fd, .events = POLLOUT };
		int n;
		while ((n = poll(&pf, 1, timeout_ms)) < 0 && errno == EINTR)
			;
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (n == 0)
			soerr = ETIMEDOUT;
		else if (n < 0)
			soerr = errno;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			soerr = errno;
		if (soerr) {
			err = soerr;
			close(fd);
			continue;
		}
		int one = 1; /* requests are small writes we want out now */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		freeaddrinfo(res);
		*out = fd;
		return 0;
	}
	freeaddrinfo(res);
	if (err == ETIMEDOUT)
		return cb_fail(e, ETIMEDOUT, "connect to %s: timed out after %d ms", hp, timeout_ms);
	return cb_fail_errno(e, err, "connect to %s", hp);
}

/* ---- proxies ---- */

static int is_loopback(const char *host)
{
	unsigned char a[16];
	size_t n = strlen(host);
	if (strcasecmp(host, "localhost") == 0 || (n > 10 && strcasecmp(host + n - 10, ".localhost") == 0))
		return 1;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	return strcmp(host, "::1") == 0;
}

/* NO_PROXY: comma-separated names (a name covers its subdomains; a leading "." or "*."
 * is the same), IP literals, optional ":port", or "*" for everything. */
static int no_proxy_match(const char *list, const char *host, unsigned port)
{
	char item[300];
	while (list && *list) {
		size_t n = strcspn(list, ",");
		const char *next = list[n] ? list + n + 1 : list + n;
		while (n && (*list == ' ' || *list == '\t'))
			list++, n--;
		while (n && (list[n - 1] == ' ' || list[n - 1] == '\t'))
			n--;
		if (n && n < sizeof(item)) {
			memcpy(item, list, n);
			item[n] = '\0';
			char *name = item;
			if (strcmp(name, "*") == 0)
				return 1;
			char *c = strrchr(name, ':');
			if (c && name[0] != '[' && strchr(name, ':') == c) { /* host:port, not IPv6 */
				*c = '\0';
				if ((unsigned)atoi(c + 1) != port)
					goto next;
			}
			if (name[0] == '*' && name[1] == '.')
				name++;
			if (name[0] == '.')
				name++;
			size_t hl = strlen(host), nl = strlen(name);
			if (strcasecmp(host, name) == 0 ||
			    (hl > nl && host[hl - nl - 1] == '.' && strcasecmp(host + hl - nl, name) == 0))
				return 1;
		}
	next:
		list = next;
	}
	return 0;
}

static const char *env2(const char *a, const char *b)
{
	const char *v = getenv(a);
	return v && *v ? v : (v = getenv(b)) && *v ? v : NULL;
}

/* The proxy for u, if the environment names one: 1 with *proxy filled, 0 for none. */
static int pick_proxy(const struct cb_url *u, struct cb_url *proxy, cb_err *e)
{
	/* Like Go's net/http (podman): loopback is never proxied. */
	if (is_loopback(u->host))
		return 0;
	const char *v = u->https ? env2("HTTPS_PROXY", "https_proxy") : env2("HTTP_PROXY", "http_proxy");
	if (!v || no_proxy_match(env2("NO_PROXY", "no_proxy"), u->host, u->port))
		return 0;
	CB_AUTOFREE char *full = NULL;
	if (!strstr(v, "://")) { /* "proxy:3128" means http:// */
		if (asprintf(&full, "http://%s", v) < 0)
			return cb_fail(e, ENOMEM, "proxy: out of memory");
		v = full;
	}
	int r = cb_url_parse(proxy, v, e);
	if (r)
		return cb_err_prefix(e, "proxy from the environment");
	if (proxy->https) {
		cb_url_free(proxy);
		return cb_fail(e, ENOTSUP, "proxy %s: only http:// proxies are supported", proxy->host);
	}
	return 1;
}

int cb_http_proxy_for(const char *url, struct cb_url *proxy, cb_err *e)
{
	struct cb_url u;
	int r = cb_url_parse(&u, url, e);
	if (r)
		return r;
	r = pick_proxy(&u, proxy, e);
	cb_url_free(&u);
	return r;
}

static void base64(char *out, const unsigned char *in, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (; n >= 3; in += 3, n -= 3) {
		*out++ = tab[in[0] >> 2];
		*out++ = tab[((in[0] & 3) << 4) | (in[1] >> 4)];
		*out++ = tab[((in[1] & 15) << 2) | (in[2] >> 6)];
		*out++ = tab[in[2] & 63];
	}
	if (n) {
		*out++ = tab[in[0] >> 2];
		*out++ = tab[((in[0] & 3) << 4) | (n > 1 ? in[1] >> 4 : 0)];
		*out++ = n > 1 ? tab[(in[1] & 15) << 2] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

static void proxy_auth(FILE *f, const struct cb_url *proxy)
{
	char b[sizeof(proxy->userinfo) * 4 / 3 + 8];
	if (!proxy->userinfo[0])
		return;
	base64(b, (const unsigned char *)proxy->userinfo, strlen(proxy->userinfo));
	fprintf(f, "Proxy-Authorization: Basic %s\r\n", b);
}

/* Open a CONNECT tunnel to u's host:port through the proxy connection k. */
static int proxy_connect(struct cb_http_conn *k, const struct cb_url *u, const struct cb_url *proxy,
			 int timeout_ms, cb_err *e)
{
	char hp[300], line[CB_HTTP_LINE_MAX];
	CB_AUTOFREE char *req = NULL;
	size_t len = 0;
	host_port(hp, sizeof(hp), u->host, u->port);
	FILE *f = open_memstream(&req, &len);
	if (!f)
		return cb_fail(e, ENOMEM, "proxy: out of memory");
	fprintf(f, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n", hp, hp);
	proxy_auth(f, proxy);
	fputs("\r\n", f);
	fclose(f);
	int r = conn_send(k, req, len, timeout_ms, e);
	if (!r)
		r = conn_line(k, line, sizeof(line), timeout_ms, "CONNECT status line", e);
	if (r)
		return cb_err_prefix(e, "proxy %s", k->peer);
	int status = strncmp(line, "HTTP/1.", 7) == 0 ? atoi(line + 9) : 0;
	do { /* skip the proxy's headers */
		char h[CB_HTTP_LINE_MAX];
		r = conn_line(k, h, sizeof(h), timeout_ms, "CONNECT response header", e);
		if (r)
			return cb_err_prefix(e, "proxy %s", k->peer);
		if (!h[0])
			break;
	} while (1);
	if (status < 200 || status > 299)
		return cb_fail(e, ECONNREFUSED, "proxy %s refused CONNECT to %s: %s", k->peer, hp, line);
	if (k->pos != k->len)
		return cb_fail(e, EPROTO, "proxy %s: data before the TLS handshake", k->peer);
	k->pos = k->len = 0;
	cb_debug("http: tunnel to %s through proxy %s", hp, k->peer);
	return 0;
}

/* ---- the pool ---- */

struct cb_http_client *cb_http_client_new(void)
{
	return calloc(1, sizeof(struct cb_http_client));
}

void cb_http_client_free(struct cb_http_client *c)
{
	if (!c)
		return;
	while (c->idle) {
		struct cb_http_conn *k = c->idle;
		c->idle = k->next;
		conn_free(k);
	}
	free(c);
}

/* An idle connection for key, or NULL. One the server has closed (readable while
 * idle: EOF or an alert) is dropped here rather than failing a request. */
static struct cb_http_conn *pool_take(struct cb_http_client *c, const char *key)
{
	for (struct cb_http_conn **pp = &c->idle; *pp;) {
		struct cb_http_conn *k = *pp;
		if (strcmp(k->key, key) != 0) {
			pp = &k->next;
			continue;
		}
		*pp = k->next;
		k->next = NULL;
		struct pollfd pf = { .fd = k->fd, .events = POLLIN };
		if (poll(&pf, 1, 0) == 0)
			return k;
		cb_debug("http: idle connection to %s was closed by the server", k->peer);
		conn_free(k);
	}
	return NULL;
}

static void pool_put(struct cb_http_client *c, struct cb_http_conn *k)
{
	k->next = c->idle;
	c->idle = k;
	int n = 0;
	for (struct cb_http_conn **pp = &c->idle; *pp; pp = &(*pp)->next) {
		if (++n > CB_HTTP_IDLE_MAX) {
			conn_free(*pp); /* the oldest */
			*pp = NULL;
			break;
		}
	}
}

/* ---- responses ---- */

enum { BODY_NONE, BODY_LENGTH, BODY_CHUNKED, BODY_CLOSE };

struct cb_http_priv {
	struct cb_http_conn *conn;
	char *what;          /* "GET URL" for messages */
	char *hdr;           /* "name\0value\0" pairs */
	size_t hdr_len, nhdr;
	int mode, done, failed, keep_alive, crlf, timeout_ms;
	struct pace pace;
	long long left;      /* BODY_LENGTH: bytes to go; BODY_CHUNKED: in this chunk */
	long long total;
};

const char *cb_http_header(const struct cb_http_response *r, const char *name)
{
	if (!r || !r->priv)
		return NULL;
	const char *p = r->priv->hdr;
	for (size_t i = 0; i < r->priv->nhdr; i++) {
		const char *v = p + strlen(p) + 1;
		if (strcasecmp(p, name) == 0)
			return v;
		p = v + strlen(v) + 1;
	}
	return NULL;
}

static int body_fail(struct cb_http_priv *p, cb_err *e)
{
	p->failed = 1;
	return cb_err_prefix(e, "%s", p->what);
}

static ssize_t body_read(void *ctx, void *buf, size_t len, cb_err *e)
{
	struct cb_http_priv *p = ctx;
	struct cb_http_conn *k = p->conn;
	char line[CB_HTTP_LINE_MAX];
	if (p->failed)
		return cb_fail(e, EIO, "%s: body read after an error", p->what);
	if (p->done || len == 0)
		return 0;
	if (p->mode == BODY_CHUNKED) {
		while (p->left == 0) {
			if (p->crlf) {
				if (conn_line(k, line, sizeof(line), p->timeout_ms, "chunk end", e))
					return body_fail(p, e);
				if (line[0])
					return body_fail(p, (cb_fail(e, EPROTO, "junk after a chunk"), e));
				p->crlf = 0;
			}
			if (conn_line(k, line, sizeof(line), p->timeout_ms, "chunk size", e))
				return body_fail(p, e);
			char *end;
			errno = 0;
			unsigned long long n = strtoull(line, &end, 16);
			if (end == line || errno || n > (1ULL << 62) || (*end && *end != ';' && *end != ' ' && *end != '\t'))
				return body_fail(p, (cb_fail(e, EPROTO, "bad chunk size '%.40s'", line), e));
			if (n == 0) { /* the last chunk, then trailers up to an empty line */
				size_t seen = 0;
				do {
					if (conn_line(k, line, sizeof(line), p->timeout_ms, "trailer", e))
						return body_fail(p, e);
					seen += strlen(line);
					if (seen > CB_HTTP_HEAD_MAX)
						return body_fail(p, (cb_fail(e, EMSGSIZE, "trailers too large"), e));
				} while (line[0]);
				p->done = 1;
				return 0;
			}
			p->left = n;
			p->crlf = 1;
		}
	}
	if (p->mode != BODY_CLOSE && (long long)len > p->left)
		len = p->left;
	ssize_t n = conn_read(k, buf, len, p->timeout_ms, e);
	if (n < 0)
		return body_fail(p, e);
	if (n == 0) {
		if (p->mode == BODY_CLOSE) {
			p->done = 1;
			return 0;
		}
		if (p->mode == BODY_LENGTH)
			cb_fail(e, EIO, "connection closed after %lld of %lld body bytes", p->total, p->total + p->left);
		else
			cb_fail(e, EIO, "connection closed inside a chunk after %lld body bytes", p->total);
		return body_fail(p, e);
	}
	p->total += n;
	if (p->mode != BODY_CLOSE) {
		p->left -= n;
		if (p->left == 0 && p->mode == BODY_LENGTH)
			p->done = 1;
	}
	return n;
}

/* Does the comma-separated header value list token (case-insensitive)? */
static int has_token(const char *v, const char *token)
{
	size_t tl = strlen(token);
	while (v && *v) {
		v += strspn(v, " \t,");
		size_t n = strcspn(v, ",");
		size_t m = n;
		while (m && (v[m - 1] == ' ' || v[m - 1] == '\t'))
			m--;
		if (m == tl && strncasecmp(v, token, tl) == 0)
			return 1;
		v += n;
	}
	return 0;
}

/* Status line and headers (skipping 1xx), then the body framing. */
static int read_head(struct cb_http_conn *k, const char *method, struct cb_http_response *rs, cb_err *e)
{
	struct cb_http_priv *p = rs->priv;
	char line[CB_HTTP_LINE_MAX];
	int minor;
	for (;;) {
		int r = conn_line(k, line, sizeof(line), p->timeout_ms, "response", e);
		if (r)
			return r;
		if (strncmp(line, "HTTP/1.", 7) != 0 || (line[7] != '0' && line[7] != '1') || line[8] != ' ' ||
		    line[9] < '1' || line[9] > '5' || line[10] < '0' || line[10] > '9' || line[11] < '0' ||
		    line[11] > '9' || (line[12] && line[12] != ' '))
			return cb_fail(e, EPROTO, "%s: not an HTTP/1.x response: '%.60s'", k->peer, line);
		minor = line[7] - '0';
		rs->status = atoi(line + 9);
		p->hdr_len = p->nhdr = 0;
		for (;;) {
			r = conn_line(k, line, sizeof(line), p->timeout_ms, "response header", e);
			if (r)
				return r;
			if (!line[0])
				break;
			if (line[0] == ' ' || line[0] == '\t')
				continue; /* obsolete folding: nothing we need spans lines */
			char *colon = strchr(line, ':');
			if (!colon || colon == line)
				return cb_fail(e, EPROTO, "%s: malformed header '%.60s'", k->peer, line);
			*colon = '\0';
			char *v = colon + 1;
			v += strspn(v, " \t");
			size_t vl = strlen(v);
			while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				v[--vl] = '\0';
			size_t need = (colon - line) + 1 + vl + 1;
			if (p->nhdr >= CB_HTTP_HEADERS_MAX || p->hdr_len + need > CB_HTTP_HEAD_MAX)
				return cb_fail(e, EMSGSIZE, "%s: response headers too large", k->peer);
			char *nh = realloc(p->hdr, p->hdr_len + need);
			if (!nh)
				return cb_fail(e, ENOMEM, "out of memory");
			p->hdr = nh;
			memcpy(p->hdr + p->hdr_len, line, colon - line + 1);
			memcpy(p->hdr + p->hdr_len + (colon - line) + 1, v, vl + 1);
			p->hdr_len += need;
			p->nhdr++;
		}
		if (rs->status >= 200 || rs->status == 101)
			break;
		cb_debug("http: %s: skipping %d", p->what, rs->status);
	}

	const char *cl = cb_http_header(rs, "Content-Length");
	const char *te = cb_http_header(rs, "Transfer-Encoding");
	const char *conn = cb_http_header(rs, "Connection");
	rs->content_length = -1;
	if (cl) {
		char *end;
		errno = 0;
		long long n = strtoll(cl, &end, 10);
		if (end == cl || *end || n < 0 || errno)
			return cb_fail(e, EPROTO, "%s: bad Content-Length '%.40s'", k->peer, cl);
		rs->content_length = n;
	}
	p->keep_alive = minor == 1 ? !has_token(conn, "close") : has_token(conn, "keep-alive");
	if (strcmp(method, "HEAD") == 0 || rs->status == 204 || rs->status == 304 || rs->status < 200) {
		p->mode = BODY_NONE; /* HEAD keeps content_length: the size a GET would send */
		p->done = 1;
	} else if (te && has_token(te, "chunked")) {
		p->mode = BODY_CHUNKED;
		rs->content_length = -1;
	} else if (te) {
		return cb_fail(e, EPROTO, "%s: unsupported Transfer-Encoding '%.40s'", k->peer, te);
	} else if (cl) {
		p->mode = BODY_LENGTH;
		p->left = rs->content_length;
		p->done = p->left == 0;
	} else {
		p->mode = BODY_CLOSE;
		p->keep_alive = 0;
	}
	return 0;
}

void cb_http_response_end(struct cb_http_client *c, struct cb_http_response *rs)
{
	struct cb_http_priv *p = rs->priv;
	if (p) {
		/* A small unread rest (an error page, a redirect body) is cheaper to read than
		 * a new connection and handshake. */
		if (p->conn && !p->done && !p->failed && p->keep_alive &&
		    ((p->mode == BODY_LENGTH && p->left <= CB_HTTP_DRAIN_MAX) || p->mode == BODY_CHUNKED)) {
			char scratch[4096];
			long long drained = 0;
			cb_err e;
			ssize_t n;
			while (drained <= CB_HTTP_DRAIN_MAX && (n = body_read(p, scratch, sizeof(scratch), &e)) > 0)
				drained += n;
		}
		struct cb_http_conn *k = p->conn;
		if (k)
			k->pace = NULL;
		if (k && c && p->done && !p->failed && p->keep_alive && k->pos == k->len && !cb_tls_pending(k->tls))
			pool_put(c, k);
		else
			conn_free(k);
		free(p->hdr);
		free(p->what);
		free(p);
	}
	free(rs->url);
	memset(rs, 0, sizeof(*rs));
}

/* ---- requests ---- */

static int header_is(const char *h, const char *name)
{
	size_t n = strlen(name);
	return strncasecmp(h, name, n) == 0 && h[n] == ':';
}

/* One request/response exchange on a pooled or new connection. */
static int exchange(struct cb_http_client *c, const char *method, const char *url, const struct cb_http_request *rq,
		    long long deadline, int drop_auth, const void *body, size_t body_len, struct cb_http_response *rs,
		    cb_err *e)
{
	struct cb_url u = { 0 }, proxy = { 0 };
	CB_AUTOFREE char *key = NULL, *head = NULL;
	size_t key_len = 0, head_len = 0;
	int timeout = rq->timeout_ms > 0 ? rq->timeout_ms : CB_HTTP_TIMEOUT_MS;
	struct pace pace = { .deadline = deadline, .total_s = rq->total_s, .stall_s = rq->stall_s,
			     .rate = rq->stall_rate };
	int r = pace_check(&pace, &timeout, e); /* connecting waits no longer than the deadline */
	if (r)
		return cb_err_prefix(e, "%s %s", method, url);
	r = cb_url_parse(&u, url, e);
	if (r)
		return r;
	if (u.https && !CFG_TLS) { /* say so before dialing anything */
		cb_url_free(&u);
		return cb_fail(e, ENOTSUP, "%s %s: https is not available: cbox was built without TLS (CONFIG_TLS)",
			       method, url);
	}
	int use_proxy = pick_proxy(&u, &proxy, e);
	if (use_proxy < 0) {
		cb_url_free(&u);
		return cb_err_prefix(e, "%s %s", method, url);
	}
	char hp[300], pp[300];
	host_port(hp, sizeof(hp), u.host, u.port);
	if (use_proxy)
		host_port(pp, sizeof(pp), proxy.host, proxy.port);
	int absolute = use_proxy && !u.https; /* plain http through a proxy: absolute-form */

	/* The pool key: a connection is reused only for the same origin, route and trust. */
	FILE *f = open_memstream(&key, &key_len);
	if (!f)
		goto oom;
	fprintf(f, "%s://%s", u.https ? "https" : "http", absolute ? "" : hp);
	if (use_proxy)
		fprintf(f, " via %s", pp);
	if (u.https && rq->tls && rq->tls->insecure)
		fputs(" insecure", f);
	for (const char *const *ca = u.https && rq->tls ? rq->tls->ca_files : NULL; ca && *ca; ca++)
		fprintf(f, " ca=%s", *ca);
	fclose(f);

	f = open_memstream(&head, &head_len);
	if (!f)
		goto oom;
	const char *dflt = u.https ? ":443" : ":80";
	size_t hl = strlen(hp), dl = strlen(dflt);
	int hlen = hl > dl && strcmp(hp + hl - dl, dflt) == 0 ? (int)(hl - dl) : (int)hl;
	if (absolute)
		fprintf(f, "%s http://%.*s%s HTTP/1.1\r\n", method, hlen, hp, u.path);
	else
		fprintf(f, "%s %s HTTP/1.1\r\n", method, u.path);
	fprintf(f, "Host: %.*s\r\nUser-Agent: cbox/%s\r\n", hlen, hp, CB_VERSION);
	for (const char *const *h = rq->headers; h && *h; h++) {
		if (strpbrk(*h, "\r\n") || !strchr(*h, ':')) {
			fclose(f);
			cb_url_free(&u);
			cb_url_free(&proxy);
			return cb_fail(e, EINVAL, "%s %s: bad request header '%.40s'", method, url, *h);
		}
		if (header_is(*h, "Host") || header_is(*h, "Content-Length") ||
		    (drop_auth && header_is(*h, "Authorization")))
			continue;
		fprintf(f, "%s\r\n", *h);
	}
	if (body_len || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0)
		fprintf(f, "Content-Length: %zu\r\n", body_len);
	if (absolute)
		proxy_auth(f, &proxy);
	fputs("\r\n", f);
	fclose(f);

	rs->priv = calloc(1, sizeof(*rs->priv));
	if (!rs->priv || asprintf(&rs->priv->what, "%s %s", method, url) < 0)
		goto oom;
	rs->priv->timeout_ms = timeout;
	rs->priv->pace = pace;
	for (int attempt = 0;; attempt++) {
		struct cb_http_conn *k = pool_take(c, key);
		int reused = k != NULL;
		if (!k) {
			k = calloc(1, sizeof(*k));
			if (!k || !(k->key = strdup(key))) {
				free(k);
				goto oom;
			}
			snprintf(k->peer, sizeof(k->peer), "%s", use_proxy ? pp : hp);
			r = tcp_connect(use_proxy ? proxy.host : u.host, use_proxy ? proxy.port : u.port, timeout, &k->fd, e);
			if (r)
				k->fd = -1;
			if (!r && use_proxy && u.https)
				r = proxy_connect(k, &u, &proxy, timeout, e);
			if (!r && u.https) {
				snprintf(k->peer, sizeof(k->peer), "%s", hp);
				r = cb_tls_open(&k->tls, k->fd, u.host, rq->tls, timeout, e);
			}
			if (r) {
				conn_free(k);
				break;
			}
			cb_debug("http: connected to %s%s%s", hp, use_proxy ? " through proxy " : "", use_proxy ? pp : "");
		}
		k->got = 0;
		k->pace = pace.deadline || pace.stall_s ? &rs->priv->pace : NULL;
		r = conn_send(k, head, head_len, timeout, e);
		if (!r && body_len)
			r = conn_send(k, body, body_len, timeout, e);
		if (!r)
			r = read_head(k, method, rs, e);
		if (!r) {
			rs->priv->conn = k;
			rs->body.read = body_read;
			rs->body.ctx = rs->priv;
			cb_debug("%s %s -> %d%s", method, url, rs->status, reused ? " (reused connection)" : "");
			break;
		}
		unsigned long long got = k->got;
		conn_free(k);
		/* The server may close an idle connection just as we reuse it: try once more. */
		if (!(reused && attempt == 0 && got == 0 && r != -ETIMEDOUT))
			break;
		cb_debug("http: %s %s: reused connection was closed (%s), retrying", method, url, e->msg);
	}
	cb_url_free(&u);
	cb_url_free(&proxy);
	if (r) {
		free(rs->priv->hdr);
		free(rs->priv->what);
		free(rs->priv);
		rs->priv = NULL;
		return cb_err_prefix(e, "%s %s", method, url);
	}
	return 0;
oom:
	cb_url_free(&u);
	cb_url_free(&proxy);
	if (rs->priv)
		free(rs->priv->what);
	free(rs->priv);
	rs->priv = NULL;
	return cb_fail(e, ENOMEM, "%s %s: out of memory", method, url);
}

static int is_https(const char *url)
{
	return strncasecmp(url, "https://", 8) == 0;
}

static int same_origin(const char *a, const char *b)
{
	struct cb_url ua, ub;
	cb_err e;
	if (cb_url_parse(&ua, a, &e))
		return 0;
	if (cb_url_parse(&ub, b, &e)) {
		cb_url_free(&ua);
		return 0;
	}
	int same = ua.https == ub.https && ua.port == ub.port && strcasecmp(ua.host, ub.host) == 0;
	cb_url_free(&ua);
	cb_url_free(&ub);
	return same;
}

int cb_http_do(struct cb_http_client *c, const struct cb_http_request *rq, struct cb_http_response *rs, cb_err *e)
{
	memset(rs, 0, sizeof(*rs));
	const char *method = rq->method ? rq->method : "GET";
	const void *body = rq->body;
	size_t body_len = rq->body_len;
	int drop_auth = 0;
	long long deadline = rq->total_s > 0 ? cb_now_ms() + rq->total_s * 1000LL : 0;
	char *url = strdup(rq->url);
	if (!url)
		return cb_fail(e, ENOMEM, "%s %s: out of memory", method, rq->url);
	for (int hop = 0;; hop++) {
		int r = exchange(c, method, url, rq, deadline, drop_auth, body, body_len, rs, e);
		if (r) {
			free(url);
			return r;
		}
		int s = rs->status;
		const char *loc = cb_http_header(rs, "Location");
		if ((s != 301 && s != 302 && s != 303 && s != 307 && s != 308) || !loc || !rq->max_redirects)
			break;
		char *next = cb_url_resolve(url, loc);
		struct cb_url nu;
		cb_err ignore;
		if (hop >= rq->max_redirects)
			r = cb_fail(e, ELOOP, "%s %s: too many redirects (over %d)", method, rq->url,
				    rq->max_redirects);
		else if (!next || cb_url_parse(&nu, next, &ignore))
			r = cb_fail(e, EPROTO, "%s %s: bad redirect Location '%.100s'", method, url, loc);
		else if (cb_url_free(&nu), !nu.https && is_https(url))
			/* What was asked for over TLS is not fetched in clear (nor are credentials sent). */
			r = cb_fail(e, EPROTO, "%s %s: redirect from https to plain http refused (%.100s)", method, url,
				    next);
		if (r) {
			free(next);
			free(url);
			cb_http_response_end(c, rs);
			return r;
		}
		/* Credentials stay with the origin they were meant for (a registry
		 * redirecting a blob to object storage must not leak its token). */
		if (!same_origin(url, next))
			drop_auth = 1;
		cb_debug("http: %d redirect to %s%s", s, next, drop_auth ? " (without Authorization)" : "");
		cb_http_response_end(c, rs);
		if ((s == 303 && strcmp(method, "HEAD") != 0) || ((s == 301 || s == 302) && strcmp(method, "POST") == 0)) {
			method = "GET";
			body = NULL;
			body_len = 0;
		}
		free(url);
		url = next;
	}
	rs->url = url;
	return 0;
}
