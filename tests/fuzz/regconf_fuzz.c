/* regconf_fuzz.c - registries.conf (core/image/regconf.c): parse, then resolve a short name
 * and list the pull sources of a few references against what was parsed. */
#include "fuzz.h"
#include "regconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_str(data, size);
	struct cb_regconf c;
	cb_err e;
	memset(&c, 0, sizeof(c));
	if (cb_regconf_parse(&c, text, "fuzz.conf", &e) == 0) {
		static const char *const refs[] = { "alpine", "example.com/foo/bar:1", "docker.io/library/x",
						    "a.b.example.com/r@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" };
		for (size_t i = 0; i < CB_ARRAY_SIZE(refs); i++) {
			struct cb_ref r;
			struct cb_pull_source src[16];
			const char **search;
			int n;
			if (cb_ref_parse(refs[i], &r, &e) < 0)
				abort();
			if (!r.registry[0] && cb_regconf_resolve_short(&c, &r, &search, &n, &e) < 0)
				continue;
			if (!r.registry[0] && cb_ref_qualify(&r, n > 0 ? search[0] : "docker.io", &e) < 0)
				continue;
			int k = cb_regconf_sources(&c, &r, src, CB_ARRAY_SIZE(src), &e);
			if (k > (int)CB_ARRAY_SIZE(src))
				abort();
		}
	}
	cb_regconf_free(&c);
	free(text);
	return 0;
}
