/* wwwauth_fuzz.c - a registry's WWW-Authenticate challenge (core/image/registry.c): the realm,
 * service and scope parameters, quoted or not, as the token request reads them, and the
 * escaping that puts them in its URL. */
#include "fuzz.h"
#include "../../core/image/registry.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *h = fz_str(data, size);
	static const char *const keys[] = { "realm", "service", "scope", "error" };
	/* The sizes fetch_token gives them. */
	static const size_t sizes[] = { 1024, 256, 512, 16 };
	for (size_t i = 0; i < CB_ARRAY_SIZE(keys); i++) {
		char *out = malloc(sizes[i]), esc[600];
		if (challenge_param(h, keys[i], out, sizes[i])) {
			if (strlen(out) >= sizes[i])
				abort();
			url_escape(out, esc, sizeof(esc));
		}
		free(out);
	}
	free(h);
	return 0;
}
