//config:config APPLET_HISTORY
//config:	bool "history: how an image was built"
//config:	default y
//applet:CB_APPLET(history, history_main, CB_NOSUID)
//usage:Usage: cbox history [OPTIONS] IMAGE
//usage:
//usage:The image's history (its config's), newest first: ID (the image's for the top
//usage:entry, <missing> below, as podman), CREATED, CREATED BY, SIZE (the unpacked layer
//usage:the step made; 0B for a step without one), COMMENT.
//usage:
//usage:  -q, --quiet          the IDs only
//usage:      --no-trunc       CREATED BY whole, IDs in full
//usage:  -H, --human=false    CREATED as RFC 3339, SIZE in bytes
//usage:      --format T       json or a Go template: .ID .Created .CreatedBy .Size
//usage:                       .Comment .Tags
/* history.c - cbox history */
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "idmap.h"
#include "image.h"
#include "json.h"
#include "walk.h"

int history_main(int argc, char **argv)
{
	enum { O_QUIET = 1, O_NOTRUNC, O_HUMAN, O_FORMAT };
	static const struct cb_option opts[] = {
		{ "quiet", 'q', CB_OPT_NONE, O_QUIET },   { "no-trunc", 0, CB_OPT_NONE, O_NOTRUNC },
		{ "human", 'H', CB_OPT_BOOL, O_HUMAN },   { "format", 0, CB_OPT_ARG, O_FORMAT },
		{ 0 },
	};
	struct cb_opt_state st;
	int quiet = 0, no_trunc = 0, human = 1, c;
	const char *format = NULL;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		quiet |= c == O_QUIET;
		no_trunc |= c == O_NOTRUNC;
		if (c == O_HUMAN)
			human = !strcmp(st.arg, "true");
		if (c == O_FORMAT)
			format = st.arg;
	}
	if (argc - st.ind != 1) {
		cb_usage_error("requires exactly 1 arg(s), received %d", argc - st.ind);
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	struct cb_regconf rc;
	cb_err e;
	cJSON *index, *img;
	char *blob = NULL;
	if (cb_userns_enter(&e) < 0 || cb_image_index_open(&s, &rc, 0, &index, &e) < 0 ||
	    !(img = cb_image_lookup(index, argv[st.ind], &rc, NULL, 0, &e)))
		cb_die(&e);
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(img, "id")) ?: "";
	if (cb_store_get_blob(&s, id, &blob, NULL, &e) < 0)
		cb_die(&e);
	cJSON *cfg = cJSON_Parse(blob), *h, *rows = cJSON_CreateArray(), *layers = cJSON_GetObjectItem(img, "layers");
	int layer = 0;
	cJSON_ArrayForEach(h, cJSON_GetObjectItem(cfg, "history")) {
		char buf[80], path[128];
		const char *by = cJSON_GetStringValue(cJSON_GetObjectItem(h, "created_by")) ?: "";
		const char *created = cJSON_GetStringValue(cJSON_GetObjectItem(h, "created")) ?: "";
		double size = 0;
		if (!cJSON_IsTrue(cJSON_GetObjectItem(h, "empty_layer"))) {
			const char *l = cJSON_GetStringValue(cJSON_GetArrayItem(layers, layer++));
			snprintf(path, sizeof(path), "layers/%s/diff", l && cb_digest_valid(l) ? cb_digest_hex(l) : "-");
			size = cb_tree_size(s.rootfd, path);
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "ID", "<missing>");
		if (human)
			cb_human_age(created, buf, sizeof(buf));
		cJSON_AddStringToObject(o, "Created", human ? buf : created);
		snprintf(path, sizeof(path), "%.42s...", by);
		cJSON_AddStringToObject(o, "CreatedBy", no_trunc || strlen(by) <= 45 ? by : path);
		if (human)
			cb_human_size(size, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "%.0f", size);
		cJSON_AddStringToObject(o, "Size", buf);
		cJSON_AddStringToObject(o, "Comment", cJSON_GetStringValue(cJSON_GetObjectItem(h, "comment")) ?: "");
		cJSON_InsertItemInArray(rows, 0, o); /* newest first */
	}
	cJSON *top = cJSON_GetArrayItem(rows, 0);
	if (top) {
		char short_id[16];
		snprintf(short_id, sizeof(short_id), "%.12s", id + 7);
		cJSON_ReplaceItemInObject(top, "ID", cJSON_CreateString(no_trunc ? id + 7 : short_id));
		cJSON_AddItemReferenceToObject(top, "Tags", cJSON_GetObjectItem(img, "names"));
	}
	cJSON_ArrayForEach(h, rows)
		if (quiet)
			printf("%s\n", cJSON_GetStringValue(cJSON_GetObjectItem(h, "ID")));
	struct cb_format_opts fo = { .align = 1 };
	if (!quiet && format && !strcmp(format, "json")) {
		char *t = cb_json_print(rows);
		printf("%s\n", t ? t : "[]");
		free(t);
	} else if (!quiet && cb_format_print(format ? format : "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
					     rows, &fo, &e) < 0) {
		fprintf(stderr, "Error: %s\n", e.msg);
		return CB_EXIT_FAIL;
	}
	return 0;
}
