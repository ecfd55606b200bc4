//config:config APPLET_TAG
//config:	bool "tag: add names to an image"
//config:	default y
//applet:CB_APPLET(tag, tag_main, CB_NOSUID)
//usage:Usage: cbox tag IMAGE NAME [NAME...]
//usage:
//usage:Give a local image more names. A short NAME becomes localhost/NAME, as with podman.
/* tag.c - cbox tag */
#include <stdio.h>
#include <string.h>

#include "image.h"

int tag_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { 0 } };
	struct cb_opt_state st;
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		;
	if (argc - st.ind < 2) {
		fprintf(stderr, "Error: need an image and at least one new name\nSee 'cbox tag --help'.\n");
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	struct cb_regconf rc;
	cb_err e;
	cJSON *index;
	if (cb_image_index_open(&s, &rc, 1, &index, &e) < 0)
		cb_die(&e);
	cJSON *img = cb_image_lookup(index, argv[st.ind], &rc, NULL, 0, &e);
	if (!img)
		cb_die(&e);
	for (int i = st.ind + 1; i < argc; i++) {
		struct cb_ref r;
		char name[700];
		if (cb_ref_parse(argv[i], &r, &e) < 0)
			cb_die(&e);
		if (r.digest[0]) {
			fprintf(stderr, "Error: %s: a name cannot carry a digest\n", argv[i]);
			return CB_EXIT_FAIL;
		}
		if (!r.registry[0])
			cb_ref_qualify(&r, "localhost", &e);
		cb_ref_format(&r, name, sizeof(name));
		cb_index_untag(index, name);
		cJSON_AddItemToArray(cJSON_GetObjectItem(img, "names"), cJSON_CreateString(name));
	}
	if (cb_store_index_save(&s, index, &e) < 0)
		cb_die(&e);
	return 0;
}
