//config:config APPLET_INSPECT
//config:	bool "inspect: images and containers as JSON"
//config:	default y
//applet:CB_APPLET(inspect, inspect_main, CB_NOSUID)
//cmd:CB_CMD("inspect", "", 0, -1, "NAME [NAME...]", "Show the configuration of images or containers")
//cmd:CB_CMD("container exists", "", 1, 1, "CONTAINER", "Check that a container exists")
//cmd:CB_CMD("container inspect", "", 1, -1, "CONTAINER [CONTAINER...]", "Show the configuration of containers")
//cmd:CB_CMD("image exists", "", 1, 1, "IMAGE", "Check that an image exists in local storage")
//cmd:CB_CMD("image inspect", "", 1, -1, "IMAGE [IMAGE...]", "Show the configuration of images")
//usage:Print a JSON array describing each image (ID, names, digests, platform, the
//usage:config, the layers and the manifest) or container (podman's keys: Id, Name,
//usage:State, Image, Config, HostConfig with NetworkMode and PortBindings,
//usage:NetworkSettings.Ports). A name that is both: the image, unless --type container.
//usage:
//usage:  -t, --type T       image, container or all (the default)
//usage:  -f, --format F     json, or a Go template per object ({{.State.Status}})
//usage:  -s, --size         accepted
//usage:  -l, --latest       the container made last
/* inspect.c - cbox inspect */
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "image.h"
#include "inspect.h"
#include "json.h"
#include "state.h"

static cJSON *blob_json(struct cb_store *s, const char *digest, cb_err *e)
{
	char *text;
	if (!digest || cb_store_get_blob(s, digest, &text, NULL, e) < 0)
		return NULL;
	cJSON *j = cJSON_Parse(text);
	free(text);
	return j;
}

static cJSON *image_json(struct cb_store *s, const cJSON *img, cb_err *e)
{
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(img, "id"));
	const char *digest = cJSON_GetStringValue(cJSON_GetObjectItem(img, "digest"));
	cJSON *config = blob_json(s, id, e), *manifest = blob_json(s, digest, e);
	if (!config || !manifest)
		cb_die(e);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Id", id + 7);
	cJSON_AddStringToObject(o, "Digest", digest);
	cJSON_AddItemToObject(o, "RepoTags", cJSON_Duplicate(cJSON_GetObjectItem(img, "names"), 1));
	cJSON_AddItemToObject(o, "RepoDigests", cJSON_Duplicate(cJSON_GetObjectItem(img, "repo_digests"), 1));
	cJSON_AddItemToObject(o, "NamesHistory", cJSON_Duplicate(cJSON_GetObjectItem(img, "names_history"), 1));
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
	cJSON_AddItemToObject(o, "History", cJSON_Duplicate(cJSON_GetObjectItem(config, "history"), 1));
	cJSON_AddItemToObject(o, "Layers", cJSON_Duplicate(cJSON_GetObjectItem(img, "layers"), 1));
	cJSON_AddItemToObject(o, "Manifest", manifest);
	cJSON_Delete(config);
	return o;
}

int inspect_main(int argc, char **argv)
{
	static const struct cb_option opts[] = {
		{ "type", 't', CB_OPT_ARG, 1 }, { "format", 'f', CB_OPT_ARG, 2 }, { "size", 's', CB_OPT_NONE, 3 },
		{ "exists", 0, CB_OPT_ARG, 4 }, /* "image exists", "container exists": status only */
		{ "latest", 'l', CB_OPT_NONE, 5 },
		{ 0 },
	};
	char latest[65] = "";
	struct cb_opt_state st;
	const char *type = "all", *format = "json";
	int opt, exists = 0;
	cb_opt_init(&st, argc, argv);
	while ((opt = cb_getopt(&st, opts)))
		if (opt == 1)
			type = st.arg;
		else if (opt == 2)
			format = st.arg;
		else if (opt == 4)
			type = st.arg, exists = 1;
		else if (opt == 5)
			type = "container", latest[0] = 1;
	int images = strcmp(type, "container") != 0, containers = strcmp(type, "image") != 0;
	if (strcmp(type, "all") && strcmp(type, "image") && strcmp(type, "container")) {
		fprintf(stderr, "Error: --type %s: want image, container or all\n", type);
		return CB_EXIT_FAIL;
	}
	if (st.ind >= argc && !latest[0]) {
		cb_usage_error("you must provide at least one name or id");
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
	/* -l: the container made last (as podman's --latest), before any named */
	if (latest[0] && !cb_container_latest(&s, latest, &e))
		cb_die(&e);
	for (int i = latest[0] ? st.ind - 1 : st.ind; i < argc; i++) {
		char id[65];
		cb_err ce;
		const char *ref = i < st.ind ? latest : argv[i];
		cJSON *img = images ? cb_image_lookup(index, ref, &rc, NULL, 0, &e) : NULL, *o = NULL;
		if (img)
			o = image_json(&s, img, &e);
		else if (containers && cb_container_resolve(&s, ref, id, sizeof(id), &ce) == 0)
			o = cb_container_inspect(&s, id, &e);
		else if (containers && !images)
			e = ce;
		else if (containers)
			cb_fail(&e, ENOENT, "inspecting object: no such object: \"%s\"", ref); /* podman's words */
		if (exists) {
			cJSON_Delete(o);
			if (!o)
				return 1; /* podman's: 1 when it does not exist */
			continue;
		}
		if (!o) {
			fprintf(stderr, "Error: %s\n", e.msg);
			status = CB_EXIT_FAIL;
			continue;
		}
		/* podman's Go templates also know .State.Healthcheck (a method, not in its JSON) */
		cJSON *h = strcmp(format, "json") ? cJSON_GetObjectItem(cJSON_GetObjectItem(o, "State"), "Health") : NULL;
		if (h)
			cJSON_AddItemToObject(cJSON_GetObjectItem(o, "State"), "Healthcheck", cJSON_Duplicate(h, 1));
		cJSON_AddItemToArray(out, o);
	}
	if (exists)
		return 0;
	struct cb_format_opts fo = { 0 };
	if (cb_format_print(format, out, &fo, &e) < 0) {
		fprintf(stderr, "Error: %s\n", e.msg);
		return CB_EXIT_FAIL;
	}
	return status;
}
