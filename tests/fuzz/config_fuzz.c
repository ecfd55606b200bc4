/* config_fuzz.c - an image config blob: its diff_ids and chain IDs (cb_config_apply, for
 * a manifest of 0-7 layers as the input's first byte says), then the process spec run
 * builds from it (cb_proc_build: Entrypoint, Cmd, Env, WorkingDir, User). */
#include "fuzz.h"
#include "manifest.h"
#include "proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char *config = fz_str(data + 1, size - 1);
	struct cb_manifest m = { .kind = CB_MANIFEST_IMAGE, .nlayers = data[0] & 7 };
	struct cb_platform got;
	cb_err e;
	m.layers = calloc((size_t)m.nlayers + 1, sizeof(*m.layers));
	strcpy(m.config_digest, "sha256:0000000000000000000000000000000000000000000000000000000000000000");
	if (cb_config_apply(&m, config, data[0] & 8 ? &got : NULL, &e) == 0)
		for (int i = 0; i < m.nlayers; i++)
			if (strlen(m.layers[i].chain_id) != CB_DIGEST_LEN)
				abort();
	cb_manifest_free(&m);

	cJSON *j = cJSON_Parse(config);
	char *cmd[] = { "sh", "-c", "true" };
	const char *env[] = { "A=1", "HOME" };
	struct cb_proc_opts o = { 0 };
	if (data[0] & 16)
		o.cmd = cmd, o.ncmd = 3;
	if (data[0] & 32)
		o.env = env, o.nenv = 2;
	if (data[0] & 64)
		o.entrypoint = "[\"/bin/x\",\"y\"]";
	if (data[0] & 128)
		o.user = "1:1", o.workdir = "/w";
	struct cb_proc p;
	if (cb_proc_build(&p, j, &o, &e) == 0 && (!p.argv || !p.argv[0] || !p.env || p.cwd[0] != '/'))
		abort();
	cb_proc_free(&p);
	cJSON_Delete(j);
	free(config);
	return 0;
}
