//config:config APPLET_INSPECT
//config:	bool "inspect: image manifest and config as JSON"
//config:	default y
//applet:CB_APPLET(inspect, inspect_main, CB_NOSUID)
//usage:Usage: cbox inspect IMAGE [IMAGE...]
//usage:
//usage:Print a JSON array describing each image: ID, names, digests, platform, the
//usage:config (entrypoint, command, environment...), the layers and the manifest.
/* inspect.c - cbox inspect */
#include <stdio.h>
#include <string.h>

#include "image.h"
#include "json.h"

static cJSON *blob_json(struct cb_store *s, const char *digest, cb_err *e)
{
	char *text;
	if (!digest || cb_store_get_blob(s, digest, &text, NULL, e) < 0)
		return NULL;
	cJSON *j = cJSON_Parse(text);
	free(text);
	return j;
}

int inspect_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { "type", 0, CB_OPT_ARG, 1 }, { 0 } };
	struct cb_opt_state st;
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		;
	if (st.ind >= argc) {
		fprintf(stderr, "cbox: inspect: name at least one image\nSee 'cbox inspect --help'.\n");
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	struct cb_regconf rc;
	cb_err e;
	cJSON *index;
	if (cb_image_index_open(&s, &rc, 0, &index, &e) < 0)
		cb_die(&e);
	cJSON *out = cJSON_CreateArray();
	int status = 0;
	for (int i = st.ind; i < argc; i++) {
		cJSON *img = cb_image_lookup(index, argv[i], &rc, NULL, 0, &e);
		if (!img) {
			fprintf(stderr, "cbox: inspect: %s\n", e.msg);
			status = CB_EXIT_FAIL;
			continue;
		}
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(img, "id"));
		const char *digest = cJSON_GetStringValue(cJSON_GetObjectItem(img, "digest"));
		cJSON *config = blob_json(&s, id, &e), *manifest = blob_json(&s, digest, &e);
		if (!config || !manifest)
			cb_die(&e);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Id", id + 7);
		cJSON_AddStringToObject(o, "Digest", digest);
		cJSON_AddItemToObject(o, "RepoTags", cJSON_Duplicate(cJSON_GetObjectItem(img, "names"), 1));
		cJSON_AddItemToObject(o, "RepoDigests", cJSON_Duplicate(cJSON_GetObjectItem(img, "repo_digests"), 1));
		cJSON *c;
		if ((c = cJSON_GetObjectItem(config, "created")))
			cJSON_AddItemToObject(o, "Created", cJSON_Duplicate(c, 1));
		cJSON_AddItemToObject(o, "Config", cJSON_Duplicate(cJSON_GetObjectItem(config, "config"), 1));
		if ((c = cJSON_GetObjectItem(config, "architecture")))
			cJSON_AddItemToObject(o, "Architecture", cJSON_Duplicate(c, 1));
		if ((c = cJSON_GetObjectItem(config, "os")))
			cJSON_AddItemToObject(o, "Os", cJSON_Duplicate(c, 1));
		cJSON_AddNumberToObject(o, "Size", cJSON_GetNumberValue(cJSON_GetObjectItem(img, "size")));
		cJSON_AddItemToObject(o, "RootFS", cJSON_Duplicate(cJSON_GetObjectItem(config, "rootfs"), 1));
		cJSON_AddItemToObject(o, "Layers", cJSON_Duplicate(cJSON_GetObjectItem(img, "layers"), 1));
		cJSON_AddItemToObject(o, "Manifest", manifest);
		cJSON_AddItemToArray(out, o);
		cJSON_Delete(config);
	}
	char *text = cb_json_print(out);
	printf("%s\n", text);
	free(text);
	return status;
}
