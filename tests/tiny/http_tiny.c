/* http_tiny.c - built by tests/http.test against a tiny_defconfig tree (no TLS): https
 * must fail with a clear message, plain http must still be tried. Prints one line each. */
#include <stdio.h>
#include <string.h>

#include "cbox.h"
#include "http.h"

int main(int argc, char **argv)
{
	struct cb_http_client *c = cb_http_client_new();
	struct cb_http_response rs;
	cb_err e;
	for (int i = 1; i < argc; i++) {
		struct cb_http_request rq = { .method = "GET", .url = argv[i] };
		int r = cb_http_do(c, &rq, &rs, &e);
		if (r == 0) {
			printf("%s -> %d\n", argv[i], rs.status);
			cb_http_response_end(c, &rs);
		} else {
			printf("%s\n", e.msg);
		}
	}
	cb_http_client_free(c);
	return 0;
}
