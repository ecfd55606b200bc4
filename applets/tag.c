//config:config APPLET_TAG
//config:	bool "tag: add names to an image"
//config:	default y
//applet:CB_APPLET(tag, tag_main, CB_NOSUID)
//applet:CB_APPLET(untag, untag_main, CB_NOSUID)
//usage:Usage: cbox tag IMAGE NAME [NAME...]
//usage:       cbox untag IMAGE [NAME...]
//usage:
//usage:tag gives a local image more names. A short NAME becomes localhost/NAME, as with
//usage:podman. untag takes the NAMEs from the image (without NAME: every name it has);
//usage:the image itself stays.
/* tag.c - cbox tag, cbox untag */
#include <stdio.h>
#include <string.h>

#include "image.h"

/* NAME as the index keeps it (a short one under localhost/): 1 when it carries a
 * digest, 0 when not; exits on a malformed one. */
static int full_name(const char *arg, char *name, size_t n)
{
	struct cb_ref r;
	cb_err e;
	if (cb_ref_parse(arg, &r, &e) < 0)
		cb_die(&e);
	if (!r.registry[0])
		cb_ref_qualify(&r, "localhost", &e);
	cb_ref_format(&r, name, n);
	return r.digest[0] != 0;
}

static int has_string(const cJSON *arr, const char *s)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, s))
			return 1;
	return 0;
}

static int tag_or_untag(int argc, char **argv, const char *applet, int untag)
{
	static const struct cb_option opts[] = { { 0 } };
	struct cb_opt_state st;
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		;
	if (argc - st.ind < 2 - untag) {
		cb_usage_error("need an image%s", untag ? "" : " and at least one new name");
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
	cJSON *names = cJSON_GetObjectItem(img, "names");
	if (untag && argc - st.ind == 1)
		while (cJSON_GetArraySize(names))
			cJSON_DeleteItemFromArray(names, 0);
	for (int i = st.ind + 1; i < argc; i++) {
		char name[700];
		int digest = full_name(argv[i], name, sizeof(name));
		if (!untag && digest) {
			fprintf(stderr, "Error: %s: a name cannot carry a digest\n", argv[i]);
			return CB_EXIT_FAIL;
		}
		/* untag NAME@DIGEST of this image: nothing to take (digests are not names). */
		const char *at = strchr(name, '@');
		if (untag && !has_string(names, name) &&
		    !(digest && (has_string(cJSON_GetObjectItem(img, "repo_digests"), name) ||
				 !strcmp(at + 1, cJSON_GetStringValue(cJSON_GetObjectItem(img, "digest")) ?: "")))) {
			fprintf(stderr, "Error: %s: tag not known\n", argv[i]);
			return CB_EXIT_FAIL;
		}
		cb_index_untag(index, name);
		if (!untag)
			cJSON_AddItemToArray(names, cJSON_CreateString(name));
	}
	if (cb_store_index_save(&s, index, &e) < 0)
		cb_die(&e);
	return 0;
}

int tag_main(int argc, char **argv)
{
	return tag_or_untag(argc, argv, "tag", 0);
}

int untag_main(int argc, char **argv)
{
	return tag_or_untag(argc, argv, "untag", 1);
}
