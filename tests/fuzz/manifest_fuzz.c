/* manifest_fuzz.c - manifest and index documents (core/image/manifest.c): classification
 * against a Content-Type the input's first byte picks, the platform choice of an index,
 * and a platform string. */
#include "fuzz.h"
#include "manifest.h"

static const char *const types[] = { NULL, CB_MT_OCI_INDEX, CB_MT_OCI_MANIFEST, CB_MT_DOCKER_LIST,
				     CB_MT_DOCKER_MANIFEST, "application/json", "" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char *doc = fz_str(data + 1, size - 1);
	const char *ct = types[data[0] % CB_ARRAY_SIZE(types)];
	struct cb_manifest m;
	cb_err e;
	if (cb_manifest_parse(doc, size - 1, ct, &m, &e) == 0) {
		if (m.kind == CB_MANIFEST_IMAGE && (m.nlayers < 0 || (m.nlayers && !m.layers)))
			abort();
		for (int i = 0; i < m.nlayers; i++)
			if (strlen(m.layers[i].digest) != CB_DIGEST_LEN)
				abort();
		cb_manifest_free(&m);
	}
	struct cb_platform want, got;
	cb_platform_host(&want);
	char digest[CB_DIGEST_LEN + 1], mt[128];
	if (cb_index_select(doc, &want, digest, mt, sizeof(mt), &e) == 0 && strlen(digest) != CB_DIGEST_LEN)
		abort();
	if (size < 200 && cb_platform_parse(doc, &got, &e) == 0)
		cb_platform_matches(&want, &got);
	free(doc);
	return 0;
}
