//config:config APPLET_RMI
//config:	bool "rmi: remove images"
//config:	default y
//applet:CB_APPLET(rmi, rmi_main, CB_NOSUID)
//usage:Usage: cbox rmi [OPTIONS] IMAGE [IMAGE...]
//usage:
//usage:Remove images. A name that is one of several of an image only untags it; an ID
//usage:removes the image. Layers no image uses any more are deleted.
//usage:
//usage:  -f, --force   also remove images that containers use, and those containers
//usage:  -a, --all     remove every image
//usage:  -i, --ignore  a missing image is no error (so is it with -f)
//usage:
//usage:Exit status: 1 when an image does not exist, 2 when one is in use, as podman's.
//usage:
//usage:cbox image prune [-a] [-f] removes the images without a name (-a: every image)
//usage:that no container uses, printing their IDs.
/* rmi.c - cbox rmi */
#include <stdio.h>
#include <string.h>

#include "container.h"
#include "idmap.h"
#include "image.h"

/* Drop img from the index; containers made from it stop that unless force, which
 * removes them too (podman's rmi -f). */
static int remove_image(struct cb_store *s, cJSON *images, cJSON *img, int force, cb_err *e)
{
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(img, "id"));
	char cid[128], path[200];
	while (cb_container_find(s, "image", id, cid, sizeof(cid))) {
		if (!force)
			return cb_fail(e, EBUSY, "image %.12s is in use by container %.12s (rmi -f removes both)", id + 7, cid);
		snprintf(path, sizeof(path), "containers/%s", cid);
		int r = cb_rm_rf_at(s->rootfd, path);
		if (r < 0)
			return cb_fail_errno(e, -r, "remove container %.12s", cid);
		printf("Removed container: %.12s\n", cid);
	}
	printf("Untagged: ");
	cJSON *n;
	int first = 1;
	cJSON_ArrayForEach(n, cJSON_GetObjectItem(img, "names")) {
		printf("%s%s", first ? "" : ", ", n->valuestring);
		first = 0;
	}
	printf("\nDeleted: %s\n", id + 7);
	cJSON_DetachItemViaPointer(images, img);
	cJSON_Delete(img);
	return 0;
}

int rmi_main(int argc, char **argv)
{
	enum { O_FORCE = 1, O_ALL, O_IGNORE, O_PRUNE };
	static const struct cb_option opts[] = {
		{ "force", 'f', CB_OPT_NONE, O_FORCE },
		{ "all", 'a', CB_OPT_NONE, O_ALL },
		{ "ignore", 'i', CB_OPT_NONE, O_IGNORE },
		{ "prune", 0, CB_OPT_NONE, O_PRUNE }, /* "image prune" */
		{ 0 },
	};
	int all = 0, force = 0, ignore = 0, prune = 0, c, status = 0;
	struct cb_opt_state st;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts)))
		if (c == O_ALL)
			all = 1;
		else if (c == O_FORCE)
			force = 1;
		else if (c == O_IGNORE)
			ignore = 1;
		else if (c == O_PRUNE)
			prune = CFG_HOUSEKEEPING;
	if (prune && st.ind < argc) {
		fprintf(stderr, "Error: image prune takes no arguments\n");
		return CB_EXIT_FAIL;
	}
	if (st.ind >= argc && !all && !prune) {
		cb_usage_error("name at least one image (or --all)");
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	struct cb_regconf rc;
	cb_err e;
	cJSON *index;
	/* Layers and containers may hold files only the storage's user namespace can remove. */
	if (cb_userns_enter(&e) < 0 || cb_image_index_open(&s, &rc, 1, &index, &e) < 0)
		cb_die(&e);
	cJSON *images = cJSON_GetObjectItem(index, "images");
	for (int i = prune ? cJSON_GetArraySize(images) - 1 : -1; i >= 0; i--) {
		cJSON *img = cJSON_GetArrayItem(images, i);
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(img, "id")) ?: "";
		if ((all || !cJSON_GetArraySize(cJSON_GetObjectItem(img, "names"))) &&
		    !cb_container_find(&s, "image", id, NULL, 0)) {
			printf("%s\n", id + 7);
			cJSON_DeleteItemFromArray(images, i);
		}
	}
	for (int i = all && !prune ? cJSON_GetArraySize(images) - 1 : -1; i >= 0; i--)
		if (remove_image(&s, images, cJSON_GetArrayItem(images, i), force, &e) < 0) {
			fprintf(stderr, "Error: %s\n", e.msg);
			status = 2;
		}
	for (int i = st.ind; i < argc; i++) {
		char matched[700];
		cJSON *img = cb_image_lookup(index, argv[i], &rc, matched, sizeof(matched), &e);
		if (!img) {
			if (!ignore && !force) {
				fprintf(stderr, "Error: %s\n", e.msg);
				status = 1;
			}
			continue;
		}
		cJSON *names = cJSON_GetObjectItem(img, "names");
		/* By one of several names: untag only, as podman does. */
		if (matched[0] && cJSON_GetArraySize(names) > 1) {
			printf("Untagged: %s\n", matched);
			cb_index_untag(index, matched);
			continue;
		}
		if (remove_image(&s, images, img, force, &e) < 0) {
			fprintf(stderr, "Error: %s\n", e.msg);
			status = 2;
		}
	}
	if (cb_store_index_save(&s, index, &e) < 0)
		cb_die(&e);
	cb_store_gc_layers(&s, index);
	return status;
}
