//config:config APPLET_RMI
//config:	bool "rmi: remove images"
//config:	default y
//applet:CB_APPLET(rmi, rmi_main, CB_NOSUID)
//usage:Usage: cbox rmi [OPTIONS] IMAGE [IMAGE...]
//usage:
//usage:Remove images. A name that is one of several of an image only untags it; an ID
//usage:removes the image. Layers no image uses any more are deleted.
//usage:
//usage:  -f, --force   also remove images that containers use
//usage:  -a, --all     remove every image
/* rmi.c - cbox rmi */
#include <stdio.h>
#include <string.h>

#include "image.h"

int rmi_main(int argc, char **argv)
{
	enum { O_FORCE = 1, O_ALL };
	static const struct cb_option opts[] = {
		{ "force", 'f', CB_OPT_NONE, O_FORCE },
		{ "all", 'a', CB_OPT_NONE, O_ALL },
		{ 0 },
	};
	int all = 0, c, status = 0;
	struct cb_opt_state st;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts)))
		if (c == O_ALL)
			all = 1;
	if (st.ind >= argc && !all) {
		fprintf(stderr, "cbox: rmi: name at least one image (or --all)\nSee 'cbox rmi --help'.\n");
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	struct cb_regconf rc;
	cb_err e;
	cJSON *index;
	if (cb_image_index_open(&s, &rc, 1, &index, &e) < 0)
		cb_die(&e);
	cJSON *images = cJSON_GetObjectItem(index, "images");
	if (all) {
		cJSON *img;
		cJSON_ArrayForEach(img, images)
			printf("Deleted: %s\n", cJSON_GetStringValue(cJSON_GetObjectItem(img, "id")) + 7);
		cJSON_DeleteItemFromObject(index, "images");
		cJSON_AddItemToObject(index, "images", cJSON_CreateArray());
	}
	for (int i = st.ind; i < argc; i++) {
		char matched[700];
		cJSON *img = cb_image_lookup(index, argv[i], &rc, matched, sizeof(matched), &e);
		if (!img) {
			fprintf(stderr, "cbox: rmi: %s\n", e.msg);
			status = 1;
			continue;
		}
		cJSON *names = cJSON_GetObjectItem(img, "names");
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(img, "id"));
		/* By one of several names: untag only, as podman does. */
		if (matched[0] && cJSON_GetArraySize(names) > 1) {
			printf("Untagged: %s\n", matched);
			cb_index_untag(index, matched);
			continue;
		}
		printf("Untagged: ");
		cJSON *n;
		int first = 1;
		cJSON_ArrayForEach(n, names) {
			printf("%s%s", first ? "" : ", ", n->valuestring);
			first = 0;
		}
		printf("\nDeleted: %s\n", id + 7);
		int idx = 0;
		cJSON *it;
		cJSON_ArrayForEach(it, images) {
			if (it == img)
				break;
			idx++;
		}
		cJSON_DeleteItemFromArray(images, idx);
	}
	if (cb_store_index_save(&s, index, &e) < 0)
		cb_die(&e);
	cb_store_gc_layers(&s, index);
	return status;
}
