/* http_fuzz.c - what a server sends back (core/image/http.c): the status line and headers
 * (1xx skipped), Content-Length, Transfer-Encoding, Connection, then the body by its
 * framing (length, chunked with trailers, until close), read to the end. The
 * connection's recv() is the input, handed out in chunks the first byte picks; the
 * second picks GET or HEAD. */
#include <sys/socket.h>

#include "fuzz.h"

static struct fz_mem wire;
static ssize_t fz_recv(int fd, void *buf, size_t len, int flags)
{
	cb_err e;
	(void)fd, (void)flags;
	return fz_mem_read(&wire, buf, len, &e);
}
#define recv fz_recv
#include "../../core/image/http.c"
#undef recv

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	wire = (struct fz_mem){ data + 2, size - 2, data[0] ? data[0] : 16384 };
	const char *method = data[1] & 1 ? "HEAD" : "GET";
	struct cb_http_conn *k = calloc(1, sizeof(*k));
	struct cb_http_response rs = { 0 };
	cb_err e;
	k->fd = -1;
	strcpy(k->peer, "fuzz:80");
	rs.priv = calloc(1, sizeof(*rs.priv));
	rs.priv->what = strdup("GET http://fuzz/");
	rs.priv->timeout_ms = 1000;
	if (read_head(k, method, &rs, &e) < 0) {
		free(rs.priv->hdr);
		free(rs.priv->what);
		free(rs.priv);
		conn_free(k);
		return 0;
	}
	rs.priv->conn = k;
	rs.body = (struct cb_reader){ body_read, rs.priv };
	cb_http_header(&rs, "WWW-Authenticate");
	cb_http_header(&rs, "Location");
	/* Half the time read the body, else leave it to response_end's drain. */
	if (data[1] & 2)
		fz_drain(&rs.body, 1 << 20, &e);
	cb_http_response_end(NULL, &rs);
	return 0;
}
