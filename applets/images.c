//config:config APPLET_IMAGES
//config:	bool "images: list local images"
//config:	default y
//applet:CB_APPLET(images, images_main, CB_NOSUID)
//usage:Usage: cbox images [OPTIONS]
//usage:
//usage:List the images in the store.
//usage:
//usage:  -q, --quiet          only image IDs
//usage:      --no-trunc       full image IDs
//usage:      --format json    JSON array
/* images.c - cbox images */
#include <stdio.h>
#include <string.h>

#include "image.h"
#include "json.h"

static void print_row(cJSON *img, const char *name, int no_trunc)
{
	char repo[600] = "<none>", size[32], age[64];
	const char *tag = "<none>";
	if (name) {
		snprintf(repo, sizeof(repo), "%s", name);
		char *slash = strrchr(repo, '/'), *colon = strrchr(slash ? slash : repo, ':');
		if (colon) {
			*colon = '\0';
			tag = name + (colon - repo) + 1;
		}
	}
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(img, "id"));
	cb_human_size(cJSON_GetNumberValue(cJSON_GetObjectItem(img, "size")), size, sizeof(size));
	cb_human_age(cJSON_GetStringValue(cJSON_GetObjectItem(img, "created")), age, sizeof(age));
	printf("%-40s %-10s %-14.*s %-16s %s\n", repo, tag, no_trunc ? 71 : 12, no_trunc ? id : id + 7, age, size);
}

int images_main(int argc, char **argv)
{
	enum { O_QUIET = 1, O_NOTRUNC, O_FORMAT };
	static const struct cb_option opts[] = {
		{ "quiet", 'q', CB_OPT_NONE, O_QUIET },
		{ "no-trunc", 0, CB_OPT_NONE, O_NOTRUNC },
		{ "format", 0, CB_OPT_ARG, O_FORMAT },
		{ 0 },
	};
	int quiet = 0, no_trunc = 0, json = 0, c;
	struct cb_opt_state st;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		if (c == O_QUIET)
			quiet = 1;
		else if (c == O_NOTRUNC)
			no_trunc = 1;
		else if (c == O_FORMAT) {
			if (strcmp(st.arg, "json") != 0) {
				fprintf(stderr, "Error: unsupported --format '%s' (json)\n", st.arg);
				return CB_EXIT_FAIL;
			}
			json = 1;
		}
	}
	if (st.ind < argc) {
		fprintf(stderr, "Error: unexpected argument '%s'\n", argv[st.ind]);
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	cb_err e;
	cJSON *index;
	if (cb_store_open(&s, cb_opt_root, &e) < 0 || cb_store_index_load(&s, &index, &e) < 0)
		cb_die(&e);
	cJSON *img, *images = cJSON_GetObjectItem(index, "images");
	if (json) {
		cJSON *out = cJSON_CreateArray();
		cJSON_ArrayForEach(img, images) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "Id", cJSON_GetStringValue(cJSON_GetObjectItem(img, "id")) + 7);
			cJSON_AddItemToObject(o, "Names", cJSON_Duplicate(cJSON_GetObjectItem(img, "names"), 1));
			cJSON_AddStringToObject(o, "Digest", cJSON_GetStringValue(cJSON_GetObjectItem(img, "digest")));
			cJSON_AddStringToObject(o, "Created", cJSON_GetStringValue(cJSON_GetObjectItem(img, "created")));
			cJSON_AddNumberToObject(o, "Size", cJSON_GetNumberValue(cJSON_GetObjectItem(img, "size")));
			cJSON_AddStringToObject(o, "Platform", cJSON_GetStringValue(cJSON_GetObjectItem(img, "platform")));
			cJSON_AddItemToArray(out, o);
		}
		char *text = cb_json_print(out);
		printf("%s\n", text);
		free(text);
		return 0;
	}
	if (!quiet)
		printf("%-40s %-10s %-14s %-16s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
	cJSON_ArrayForEach(img, images) {
		cJSON *names = cJSON_GetObjectItem(img, "names"), *n;
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(img, "id"));
		if (quiet) {
			printf("%.*s\n", no_trunc ? 64 : 12, id + 7);
			continue;
		}
		if (!cJSON_GetArraySize(names))
			print_row(img, NULL, no_trunc);
		cJSON_ArrayForEach(n, names)
			print_row(img, n->valuestring, no_trunc);
	}
	return 0;
}
