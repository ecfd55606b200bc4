/* http_test.c - the HTTP client and TLS against real servers on 127.0.0.1: a fresh CA
 * and server certificates per run (tests/lib/certs.sh), tests/lib/httpd.py as the
 * HTTPS, plain HTTP and proxy servers. */
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "cbox.h"
#include "http.h"
#include "unit.h"

static char dir[64];
static pid_t pids[8];
static int npids;

/* Start tests/lib/httpd.py with args; its port, or 0. */
static unsigned start_server(const char *name, const char *a1, const char *a2, const char *a3)
{
	char portfile[128];
	snprintf(portfile, sizeof(portfile), "%s/%s.port", dir, name);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		execlp("python3", "python3", "tests/lib/httpd.py", portfile, a1, a2, a3, (char *)NULL);
		_exit(127);
	}
	pids[npids++] = pid;
	for (int i = 0; i < 500; i++) { /* up to 10 s */
		FILE *f = fopen(portfile, "r");
		unsigned port = 0;
		if (f) {
			if (fscanf(f, "%u", &port) != 1)
				port = 0;
			fclose(f);
			return port;
		}
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* The last request's outcome. */
static struct {
	int rc, status;
	long long clen;
	size_t len;
	char body[1 << 21];
	char err[1024], url[512], content_range[128], location[256];
} R;

static int req(struct cb_http_client *c, const char *method, const char *url, const char *const *hdrs,
	       int redirects, const struct cb_tls_opts *tls, int timeout_ms, int read_body)
{
	struct cb_http_request rq = { .method = method, .url = url, .headers = hdrs, .max_redirects = redirects,
				      .tls = tls, .timeout_ms = timeout_ms };
	struct cb_http_response rs;
	cb_err e = { 0 };
	memset(&R, 0, offsetof(typeof(R), body));
	R.rc = cb_http_do(c, &rq, &rs, &e);
	if (R.rc) {
		snprintf(R.err, sizeof(R.err), "%s", e.msg);
		return R.rc;
	}
	R.status = rs.status;
	R.clen = rs.content_length;
	snprintf(R.url, sizeof(R.url), "%s", rs.url);
	const char *h = cb_http_header(&rs, "content-range");
	snprintf(R.content_range, sizeof(R.content_range), "%s", h ? h : "");
	h = cb_http_header(&rs, "LOCATION");
	snprintf(R.location, sizeof(R.location), "%s", h ? h : "");
	while (read_body && R.len < sizeof(R.body) - 1) {
		ssize_t n = cb_read(&rs.body, R.body + R.len, sizeof(R.body) - 1 - R.len, &e);
		if (n < 0) {
			R.rc = (int)n;
			snprintf(R.err, sizeof(R.err), "%s", e.msg);
			break;
		}
		if (n == 0)
			break;
		R.len += n;
	}
	R.body[R.len] = '\0';
	cb_http_response_end(c, &rs);
	if (R.rc)
		printf("note: %s %s: %s\n", method, url, R.err);
	return R.rc;
}

static int has(const char *hay, const char *needle)
{
	int ok = strstr(hay, needle) != NULL;
	if (!ok)
		printf("note: '%s' lacks '%s'\n", hay, needle);
	return ok;
}

/* Connections the server has accepted (asked over the client c, so on a pooled one). */
static long conns(struct cb_http_client *c, const char *base, const struct cb_tls_opts *tls)
{
	char url[256];
	snprintf(url, sizeof(url), "%s/conns", base);
	if (req(c, "GET", url, NULL, 0, tls, 0, 1) || R.status != 200)
		return -1;
	return atol(R.body);
}

static void test_urls(void)
{
	struct cb_url u;
	cb_err e;
	CHECK(cb_url_parse(&u, "https://Reg.io:5000/v2/?x=1#frag", &e) == 0);
	CHECK(u.https == 1 && u.port == 5000);
	CHECK_STR(u.host, "Reg.io");
	CHECK_STR(u.path, "/v2/?x=1");
	cb_url_free(&u);
	CHECK(cb_url_parse(&u, "http://[::1]:8080", &e) == 0);
	CHECK_STR(u.host, "::1");
	CHECK(u.port == 8080 && u.https == 0);
	CHECK_STR(u.path, "/");
	cb_url_free(&u);
	CHECK(cb_url_parse(&u, "http://h?q", &e) == 0);
	CHECK_STR(u.path, "/?q");
	CHECK(u.port == 80);
	cb_url_free(&u);
	CHECK(cb_url_parse(&u, "https://user:pw@h/", &e) == 0);
	CHECK_STR(u.userinfo, "user:pw");
	CHECK(u.port == 443);
	cb_url_free(&u);
	CHECK(cb_url_parse(&u, "ftp://x/", &e) == -EINVAL);
	CHECK_STR(e.msg, "URL 'ftp://x/': only http:// and https:// are supported");
	CHECK(cb_url_parse(&u, "http://h:99999/", &e) == -EINVAL);
	CHECK(cb_url_parse(&u, "http://:80/", &e) == -EINVAL);

	char *s;
	CHECK_STR(s = cb_url_resolve("https://a/v2/x/y?q", "/z"), "https://a/z");
	free(s);
	CHECK_STR(s = cb_url_resolve("https://a/v2/x/y?q", "z?k"), "https://a/v2/x/z?k");
	free(s);
	CHECK_STR(s = cb_url_resolve("https://a/v2/x", "//b:1/c"), "https://b:1/c");
	free(s);
	CHECK_STR(s = cb_url_resolve("https://a/p", "http://c/d"), "http://c/d");
	free(s);
	CHECK_STR(s = cb_url_resolve("https://a/p?x", "?y"), "https://a/p?y");
	free(s);
	CHECK_STR(s = cb_url_resolve("https://a", "b"), "https://a/b");
	free(s);

	/* Proxy selection from the environment. */
	struct cb_url p;
	setenv("HTTPS_PROXY", "proxy.corp:3128", 1);
	setenv("HTTP_PROXY", "http://u:p@hp:8080", 1);
	setenv("NO_PROXY", "internal.corp, .skip.me,reg.io:5000", 1);
	CHECK(cb_http_proxy_for("https://quay.io/v2/", &p, &e) == 1);
	CHECK_STR(p.host, "proxy.corp");
	CHECK(p.port == 3128);
	cb_url_free(&p);
	CHECK(cb_http_proxy_for("http://quay.io/v2/", &p, &e) == 1);
	CHECK_STR(p.host, "hp");
	CHECK_STR(p.userinfo, "u:p");
	cb_url_free(&p);
	CHECK(cb_http_proxy_for("https://internal.corp/", &p, &e) == 0);
	CHECK(cb_http_proxy_for("https://a.Internal.corp/", &p, &e) == 0);
	CHECK(cb_http_proxy_for("https://notinternal.corp/", &p, &e) == 1);
	cb_url_free(&p);
	CHECK(cb_http_proxy_for("https://x.skip.me/", &p, &e) == 0);
	CHECK(cb_http_proxy_for("https://reg.io:5000/", &p, &e) == 0);
	CHECK(cb_http_proxy_for("https://reg.io/", &p, &e) == 1);
	cb_url_free(&p);
	CHECK(cb_http_proxy_for("https://127.0.0.1:5000/", &p, &e) == 0);
	CHECK(cb_http_proxy_for("https://localhost/", &p, &e) == 0);
	setenv("NO_PROXY", "*", 1);
	CHECK(cb_http_proxy_for("https://quay.io/", &p, &e) == 0);
	setenv("HTTPS_PROXY", "https://secure.proxy:443", 1);
	unsetenv("NO_PROXY");
	CHECK(cb_http_proxy_for("https://quay.io/", &p, &e) == -ENOTSUP);
	unsetenv("HTTPS_PROXY");
	unsetenv("HTTP_PROXY");
	CHECK(cb_http_proxy_for("https://quay.io/", &p, &e) == 0);
}

static void test_trust(void)
{
	char f[128];
	cb_err e;
	struct cb_tls_trust *t = cb_tls_trust_new();
	snprintf(f, sizeof(f), "%s/ca.crt", dir);
	CHECK(cb_tls_trust_add_file(t, f, &e) == 0);
	CHECK(cb_tls_trust_count(t) == 1);
	snprintf(f, sizeof(f), "%s/other-ca.crt", dir); /* EC P-384 */
	CHECK(cb_tls_trust_add_file(t, f, &e) == 0);
	CHECK(cb_tls_trust_count(t) == 2);
	CHECK(cb_tls_trust_add_pem(t, "junk\n", 5, "junk.pem", &e) == -EINVAL);
	CHECK_STR(e.msg, "junk.pem: no usable certificate");
	CHECK(cb_tls_trust_add_file(t, "/nonexistent.crt", &e) == -ENOENT);
	CHECK_STR(e.msg, "CA file /nonexistent.crt: No such file or directory");
	cb_tls_trust_free(t);
}

int main(void)
{
	unit_name = "http";
	signal(SIGPIPE, SIG_IGN);
	test_urls();
	if (system("command -v openssl >/dev/null && command -v python3 >/dev/null") != 0) {
		printf("SKIP unit/http: servers: openssl or python3 missing\n");
		return unit_end();
	}
	snprintf(dir, sizeof(dir), "/tmp/cbox-http.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("FAIL unit/http: mkdtemp\n");
		return 1;
	}
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "sh tests/lib/certs.sh %s", dir);
	CHECK(system(cmd) == 0);
	test_trust();

	char cert[128], key[128], wcert[128], wkey[128], ca[128], oca[128];
	snprintf(cert, sizeof(cert), "%s/server.crt", dir);
	snprintf(key, sizeof(key), "%s/server.key", dir);
	snprintf(wcert, sizeof(wcert), "%s/wrong.crt", dir);
	snprintf(wkey, sizeof(wkey), "%s/wrong.key", dir);
	snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
	snprintf(oca, sizeof(oca), "%s/other-ca.crt", dir);
	unsigned ps = start_server("tls", "--tls", cert, key);
	unsigned pw = start_server("wrong", "--tls", wcert, wkey);
	unsigned pp = start_server("plain", NULL, NULL, NULL);
	unsigned px = start_server("proxy", "--proxy", NULL, NULL);
	CHECK(ps && pw && pp && px);
	if (!(ps && pw && pp && px))
		goto out;

	const char *cas[] = { ca, NULL }, *ocas[] = { oca, NULL };
	struct cb_tls_opts tls = { .ca_files = cas }, wrong_ca = { .ca_files = ocas }, insecure = { .insecure = 1 };
	char base[64], wbase[64], pbase[64], url[512];
	snprintf(base, sizeof(base), "https://127.0.0.1:%u", ps);
	snprintf(wbase, sizeof(wbase), "https://127.0.0.1:%u", pw);
	snprintf(pbase, sizeof(pbase), "http://127.0.0.1:%u", pp);
	struct cb_http_client *c = cb_http_client_new();

	/* GET with Content-Length over TLS, trusting the test CA file. */
	snprintf(url, sizeof(url), "%s/hello", base);
	CHECK(req(c, "GET", url, NULL, 0, &tls, 0, 1) == 0);
	CHECK(R.status == 200 && R.clen == 12);
	CHECK_STR(R.body, "hello world\n");
	CHECK_STR(R.url, url);

	/* Keep-alive: a second request reuses the connection; a new client does not. */
	long n0 = conns(c, base, &tls);
	CHECK(req(c, "GET", url, NULL, 0, &tls, 0, 1) == 0 && R.status == 200);
	CHECK(n0 > 0 && conns(c, base, &tls) == n0);
	struct cb_http_client *c2 = cb_http_client_new();
	CHECK(conns(c2, base, &tls) == n0 + 1);
	cb_http_client_free(c2);
	/* A connection made with other trust options is not shared. */
	CHECK(conns(c, base, &insecure) == n0 + 2);

	/* Chunked body with extensions and a trailer; the connection stays usable. */
	snprintf(url, sizeof(url), "%s/chunked", base);
	n0 = conns(c, base, &tls);
	CHECK(req(c, "GET", url, NULL, 0, &tls, 0, 1) == 0);
	CHECK(R.status == 200 && R.clen == -1 && R.len == 5000 + 19);
	CHECK(strncmp(R.body, "one two three xxxxx", 19) == 0 && has(R.body + 5013, "x end\n"));
	CHECK(conns(c, base, &tls) == n0);

	/* HEAD: the size without a body, and the connection is reused. */
	snprintf(url, sizeof(url), "%s/hello", base);
	CHECK(req(c, "HEAD", url, NULL, 0, &tls, 0, 1) == 0);
	CHECK(R.status == 200 && R.clen == 12 && R.len == 0);
	CHECK(conns(c, base, &tls) == n0);

	/* 404, body left unread: drained, the connection is kept. */
	snprintf(url, sizeof(url), "%s/nope", base);
	CHECK(req(c, "GET", url, NULL, 0, &tls, 0, 0) == 0 && R.status == 404);
	CHECK(conns(c, base, &tls) == n0);

	/* Range: 206 and Content-Range for a resumed download. */
	snprintf(url, sizeof(url), "%s/hello", base);
	const char *range[] = { "Range: bytes=6-", NULL };
	CHECK(req(c, "GET", url, range, 0, &tls, 0, 1) == 0);
	CHECK(R.status == 206);
	CHECK_STR(R.body, "world\n");
	CHECK_STR(R.content_range, "bytes 6-11/12");

	/* 1xx responses are skipped. */
	snprintf(url, sizeof(url), "%s/continue", base);
	CHECK(req(c, "GET", url, NULL, 0, &tls, 0, 1) == 0 && R.status == 200);
	CHECK_STR(R.body, "after continue\n");

	/* A body larger than many TLS records. */
	snprintf(url, sizeof(url), "%s/big?n=1000000", base);
	CHECK(req(c, "GET", url, NULL, 0, &tls, 0, 1) == 0 && R.len == 1000000 && R.clen == 1000000);
	int pattern_ok = 1;
	for (size_t i = 0; i < R.len; i++)
		pattern_ok &= (unsigned char)R.body[i] == i % 251;
	CHECK(pattern_ok);

	/* POST with a body. */
	struct cb_http_request post = { .method = "POST", .url = url, .body = "abc", .body_len = 3, .tls = &tls };
	struct cb_http_response rs;
	cb_err e;
	snprintf(url, sizeof(url), "%s/upload", base);
	CHECK(cb_http_do(c, &post, &rs, &e) == 0 && rs.status == 200);
	CHECK(cb_read_full(&rs.body, R.body, 7, "body", &e) == 0 && memcmp(R.body, "got abc", 7) == 0);
	cb_http_response_end(c, &rs);

	/* The server closes a kept connection as the next request arrives: retried once. */
	snprintf(url, sizeof(url), "%s/drop-next", base);
	n0 = conns(c, base, &tls);
	CHECK(req(c, "GET", url, NULL, 0, &tls, 0, 1) == 0 && R.status == 200);
	snprintf(url, sizeof(url), "%s/hello", base);
	CHECK(req(c, "GET", url, NULL, 0, &tls, 0, 1) == 0 && R.status == 200);
	CHECK_STR(R.body, "hello world\n");
	CHECK(conns(c, base, &tls) == n0 + 1);

	/* Redirects on the same host: relative Location, followed; or not, when not asked. */
	const char *auth[] = { "Authorization: Bearer s3cret", "X-Keep: 1", NULL };
	snprintf(url, sizeof(url), "%s/redirect?to=/hello", base);
	CHECK(req(c, "GET", url, NULL, 3, &tls, 0, 1) == 0 && R.status == 200);
	CHECK_STR(R.body, "hello world\n");
	CHECK(has(R.url, "127.0.0.1") && has(R.url, "/hello") && !strstr(R.url, "redirect"));
	CHECK(req(c, "GET", url, NULL, 0, &tls, 0, 1) == 0 && R.status == 302);
	CHECK_STR(R.location, "/hello");
	snprintf(url, sizeof(url), "%s/redirect?to=headers&code=307", base);
	CHECK(req(c, "GET", url, auth, 3, &tls, 0, 1) == 0 && R.status == 200);
	CHECK(has(R.body, "authorization: Bearer s3cret") && has(R.body, "x-keep: 1"));
	/* ... to another host (127.0.0.1 -> localhost): Authorization is dropped. */
	snprintf(url, sizeof(url), "%s/redirect?to=https://localhost:%u/headers&code=301", base, ps);
	CHECK(req(c, "GET", url, auth, 3, &tls, 0, 1) == 0 && R.status == 200);
	CHECK(!strstr(R.body, "authorization") && has(R.body, "x-keep: 1") && has(R.body, "host: localhost:"));
	CHECK(strncmp(R.url, "https://localhost:", 18) == 0);
	/* ... and to plain http on the same host name: refused, nothing asked in clear. */
	snprintf(url, sizeof(url), "%s/redirect?to=http://127.0.0.1:%u/headers", base, pp);
	CHECK(req(c, "GET", url, auth, 3, &tls, 0, 1) == -EPROTO);
	CHECK(has(R.err, "redirect from https to plain http refused (http://127.0.0.1:"));
	/* Plain http to plain http is followed (an insecure registry's own redirects). */
	snprintf(url, sizeof(url), "%s/redirect?to=/headers", pbase);
	CHECK(req(c, "GET", url, auth, 3, NULL, 0, 1) == 0 && R.status == 200);
	CHECK(has(R.body, "authorization: Bearer s3cret"));
	/* A redirect loop: an error past max_redirects. */
	snprintf(url, sizeof(url), "%s/redirect?to=/redirect%%3Fto%%3D/hello", base);
	CHECK(req(c, "GET", url, NULL, 1, &tls, 0, 1) == -ELOOP);
	CHECK(has(R.err, "too many redirects (over 1)"));

	/* Trust failures name the host and the cause. */
	snprintf(url, sizeof(url), "%s/hello", base);
	CHECK(req(c, "GET", url, NULL, 0, &wrong_ca, 0, 1) == -EPERM);
	CHECK(has(R.err, "TLS handshake with 127.0.0.1: certificate signed by unknown authority"));
	CHECK(has(R.err, url));
	CHECK(req(c, "GET", url, NULL, 0, NULL, 0, 1) == -EPERM);
	CHECK(has(R.err, "certificate signed by unknown authority"));
	snprintf(url, sizeof(url), "%s/hello", wbase);
	CHECK(req(c, "GET", url, NULL, 0, &tls, 0, 1) == -EPERM);
	CHECK(has(R.err, "TLS handshake with 127.0.0.1: certificate is not valid for this host name"));
	snprintf(url, sizeof(url), "https://localhost:%u/hello", pw);
	CHECK(req(c, "GET", url, NULL, 0, &tls, 0, 1) == -EPERM);
	CHECK(has(R.err, "TLS handshake with localhost: certificate is not valid for this host name"));
	/* Insecure mode accepts both, still over TLS. */
	CHECK(req(c, "GET", url, NULL, 0, &insecure, 0, 1) == 0 && R.status == 200);
	CHECK_STR(R.body, "hello world\n");
	snprintf(url, sizeof(url), "%s/hello", base);
	CHECK(req(c, "GET", url, NULL, 0, &insecure, 0, 1) == 0 && R.status == 200);
	/* Plain http spoken to a TLS port fails cleanly rather than hanging. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/hello", ps);
	CHECK(req(c, "GET", url, NULL, 0, NULL, 2000, 1) < 0);

	/* Plain http: content-length, chunked, a body ended by close (not reused). */
	snprintf(url, sizeof(url), "%s/hello", pbase);
	CHECK(req(c, "GET", url, NULL, 0, NULL, 0, 1) == 0 && R.status == 200);
	CHECK_STR(R.body, "hello world\n");
	snprintf(url, sizeof(url), "%s/chunked", pbase);
	CHECK(req(c, "GET", url, NULL, 0, NULL, 0, 1) == 0 && R.len == 5019);
	n0 = conns(c, pbase, NULL);
	snprintf(url, sizeof(url), "%s/close", pbase);
	CHECK(req(c, "GET", url, NULL, 0, NULL, 0, 1) == 0 && R.clen == -1);
	CHECK_STR(R.body, "until the end\n");
	CHECK(conns(c, pbase, NULL) == n0 + 1);

	/* Connection refused: a port nobody listens on. */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	unsigned dead = 0;
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0 && getsockname(s, (struct sockaddr *)&sa, &sl) == 0)
		dead = ntohs(sa.sin_port);
	close(s);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/v2/", dead);
	CHECK(req(c, "GET", url, NULL, 0, &tls, 0, 1) == -ECONNREFUSED);
	char want[256];
	snprintf(want, sizeof(want), "GET %s: connect to 127.0.0.1:%u: Connection refused", url, dead);
	CHECK_STR(R.err, want);

	/* Read timeouts, over TLS and plain. */
	snprintf(url, sizeof(url), "%s/slow?ms=1500", base);
	CHECK(req(c, "GET", url, NULL, 0, &tls, 300, 1) == -ETIMEDOUT);
	CHECK(has(R.err, "timed out after 300 ms"));
	snprintf(url, sizeof(url), "%s/slow?ms=1500", pbase);
	CHECK(req(c, "GET", url, NULL, 0, NULL, 300, 1) == -ETIMEDOUT);
	CHECK(has(R.err, "read: timed out after 300 ms"));

	/* Proxies: a CONNECT tunnel for https (the proxy resolves the name), absolute-form
	 * for http, Basic proxy credentials from the proxy URL. */
	char pv[64], logurl[64];
	snprintf(pv, sizeof(pv), "http://user:pw@127.0.0.1:%u", px);
	snprintf(logurl, sizeof(logurl), "http://127.0.0.1:%u/log", px);
	setenv("HTTPS_PROXY", pv, 1);
	setenv("http_proxy", pv, 1);
	snprintf(url, sizeof(url), "https://registry.test:%u/hello", ps);
	CHECK(req(c, "GET", url, NULL, 0, &tls, 0, 1) == 0 && R.status == 200);
	CHECK_STR(R.body, "hello world\n");
	snprintf(url, sizeof(url), "http://registry.test:%u/x?y", pp);
	CHECK(req(c, "GET", url, NULL, 0, NULL, 0, 1) == 0 && R.status == 200);
	snprintf(want, sizeof(want), "proxied http://registry.test:%u/x?y", pp);
	CHECK_STR(R.body, want);
	CHECK(req(c, "GET", logurl, NULL, 0, NULL, 0, 1) == 0); /* loopback: direct */
	snprintf(want, sizeof(want), "CONNECT registry.test:%u auth=Basic dXNlcjpwdw==", ps);
	CHECK(has(R.body, want));
	snprintf(want, sizeof(want), "GET http://registry.test:%u/x?y auth=Basic dXNlcjpwdw==", pp);
	CHECK(has(R.body, want));
	unsetenv("HTTPS_PROXY");
	unsetenv("http_proxy");

	/* --log-level=debug shows each request and its status. */
	fflush(stderr);
	int saved = dup(2);
	char logf[128];
	snprintf(logf, sizeof(logf), "%s/debug.log", dir);
	int lf = open(logf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(lf, 2);
	cb_log_level = CB_LOG_DEBUG;
	snprintf(url, sizeof(url), "%s/nope", base);
	req(c, "GET", url, NULL, 0, &tls, 0, 1);
	cb_log_level = CB_LOG_WARN;
	dup2(saved, 2);
	close(lf);
	close(saved);
	FILE *f = fopen(logf, "r");
	size_t got = f ? fread(R.body, 1, sizeof(R.body) - 1, f) : 0;
	R.body[got] = '\0';
	if (f)
		fclose(f);
	snprintf(want, sizeof(want), "level=debug msg=\"GET %s -> 404\"", url);
	CHECK(has(R.body, want));

	cb_http_client_free(c);
out:
	for (int i = 0; i < npids; i++) {
		kill(pids[i], SIGTERM);
		waitpid(pids[i], NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("note: could not remove %s\n", dir);
	return unit_end();
}
