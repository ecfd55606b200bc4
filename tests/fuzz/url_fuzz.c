/* url_fuzz.c - URLs (core/image/http.c): parsing, and resolving a Location header against a
 * base. The input is "BASE\0REF". */
#include "fuzz.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *rest;
	size_t rl;
	char *base = fz_split(data, size, &rest, &rl);
	char *ref = fz_str(rest, rl);
	struct cb_url u;
	cb_err e;
	if (cb_url_parse(&u, base, &e) == 0) {
		if (!u.path || u.path[0] != '/' || !u.host[0] || !u.port || u.port > 65535)
			abort();
		cb_url_free(&u);
	}
	char *abs = cb_url_resolve(base, ref);
	if (abs && cb_url_parse(&u, abs, &e) == 0)
		cb_url_free(&u);
	free(abs);
	free(base);
	free(ref);
	return 0;
}
