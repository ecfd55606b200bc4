/* ref_fuzz.c - image references (core/image/ref.c): parse, qualify a short name, format, and
 * the formatted name must parse back to the same reference. */
#include "fuzz.h"
#include "ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size);
	struct cb_ref r, back;
	cb_err e;
	char full[1024];
	if (cb_ref_parse(s, &r, &e) == 0 && (r.registry[0] || cb_ref_qualify(&r, "docker.io", &e) == 0)) {
		cb_ref_format(&r, full, sizeof(full));
		cb_registry_host(r.registry);
		if (cb_ref_parse(full, &back, &e) != 0) {
			fprintf(stderr, "'%s' -> '%s' does not parse back: %s\n", s, full, e.msg);
			abort();
		}
		if (strcmp(back.registry, r.registry) || strcmp(back.repo, r.repo) || strcmp(back.tag, r.tag) ||
		    strcmp(back.digest, r.digest)) {
			fprintf(stderr, "'%s' -> '%s' parses back differently\n", s, full);
			abort();
		}
	}
	free(s);
	return 0;
}
