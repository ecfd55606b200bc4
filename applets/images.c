//config:config APPLET_IMAGES
//config:	bool "images: list local images"
//config:	default y
//applet:CB_APPLET(images, images_main, CB_NOSUID)
//cmd:CB_CMD("images", "", 0, 1, "[IMAGE]", "List images in local storage")
//usage:List the images in the store (those IMAGE names, when given).
//usage:
//usage:  -a, --all              all images (cbox keeps no intermediate ones)
//usage:  -q, --quiet            only image IDs
//usage:  -n, --noheading        no header line
//usage:      --no-trunc         full image IDs
//usage:      --sort KEY         created (default), id, repository, size or tag
//usage:  -f, --filter F=V       reference=, dangling=true|false, label=K[=V], before=,
//usage:                         after= (since=) an image; several: all must hold
//usage:      --format FORMAT    json, a Go template ({{.Repository}}:{{.Tag}} {{.ID}};
//usage:                         fields ID Repository Tag Digest Created CreatedAt
//usage:                         CreatedSince Size Labels Names Containers Dangling
//usage:                         ReadOnly), or 'table TEMPLATE'
/* images.c - cbox images */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "container.h"
#include "format.h"
#include "image.h"
#include "json.h"

struct row {
	const cJSON *img;
	char repo[600], tag[200];
	cJSON *labels;
	int seq; /* the index's order: an image's names as they were given */
};

/* "2022-06-15 12:00:00 +0000 UTC", Go's time.String() for a UTC RFC 3339 stamp. */
static void go_time(const char *ts, char *out, size_t n)
{
	struct tm tm = { 0 };
	const char *rest = ts ? strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!rest) {
		snprintf(out, n, "%s", ts ? ts : "");
		return;
	}
	size_t k = strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
	if (*rest == '.') {
		size_t d = strspn(rest + 1, "0123456789");
		while (d && rest[d] == '0')
			d--;
		snprintf(out + k, n - k, "%.*s", (int)(d ? d + 1 : 0), rest);
		k += strlen(out + k);
	}
	snprintf(out + k, n - k, " +0000 UTC");
}

static const char *str(const cJSON *j, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(j, k)) ?: "";
}

static void split_name(const char *name, struct row *r)
{
	snprintf(r->repo, sizeof(r->repo), "%s", name ? name : "<none>");
	snprintf(r->tag, sizeof(r->tag), "<none>");
	char *slash = strrchr(r->repo, '/'), *colon = strrchr(slash ? slash : r->repo, ':'), *at = strchr(r->repo, '@');
	if (at) /* by digest: no tag */
		*at = '\0';
	else if (name && colon) {
		*colon = '\0';
		snprintf(r->tag, sizeof(r->tag), "%s", colon + 1);
	}
}

/* reference=WANT against one name: the whole, its last part, a glob, a repo without tag. */
static int ref_matches(const char *v, const char *want)
{
	const char *slash = strrchr(v, '/'), *tail = strstr(v, want);
	size_t l = strlen(want);
	return (CFG_REGEX_FILTERS && (!fnmatch(want, v, 0) || (slash && !fnmatch(want, slash + 1, 0)))) || !strcmp(v, want) ||
	       (!strncmp(v, want, l) && v[l] == ':') ||
	       /* a name without registry or tag: after any "/", any tag */
	       (tail && tail > v && tail[-1] == '/' && (!tail[l] || tail[l] == ':'));
}

/* One filter (KEY=VALUE) against an image; -1 when the filter is not understood. */
static int filter_ok(const char *f, const struct row *r, cJSON *index, const struct cb_regconf *rc)
{
	const char *eq = strchr(f, '='), *v = eq ? eq + 1 : "";
	size_t kl = eq ? (size_t)(eq - f) : strlen(f);
	const cJSON *img = r->img, *names = cJSON_GetObjectItem(img, "names");
	char full[900];
	snprintf(full, sizeof(full), "%s:%s", r->repo, r->tag);
	if (kl == 9 && !strncmp(f, "reference", 9))
		return cJSON_GetArraySize(names) && ref_matches(full, v);
	if (kl == 8 && !strncmp(f, "dangling", 8))
		return (cJSON_GetArraySize(names) == 0) == !strcmp(v, "true");
	if (kl == 5 && !strncmp(f, "label", 5)) {
		const char *leq = strchr(v, '=');
		size_t ll = leq ? (size_t)(leq - v) : strlen(v);
		const cJSON *l;
		cJSON_ArrayForEach(l, r->labels)
			if (strlen(l->string) == ll && !strncmp(l->string, v, ll))
				return !leq || !strcmp(cJSON_GetStringValue(l) ?: "", leq + 1);
		return 0;
	}
	if ((kl == 6 && !strncmp(f, "before", 6)) || (kl == 5 && !strncmp(f, "since", 5)) ||
	    (kl == 5 && !strncmp(f, "after", 5))) {
		cb_err e;
		const cJSON *ref = cb_image_lookup(index, v, rc, NULL, 0, &e);
		if (!ref)
			return 0;
		int c = strcmp(str(img, "created"), str(ref, "created"));
		return f[0] == 'b' ? c < 0 : c > 0;
	}
	return -1;
}

static const char *sort_key = "created";
static int by_key(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = 0;
	if (!strcmp(sort_key, "repository"))
		c = strcmp(x->repo, y->repo);
	else if (!strcmp(sort_key, "tag"))
		c = strcmp(x->tag, y->tag);
	else if (!strcmp(sort_key, "id"))
		c = strcmp(str(x->img, "id"), str(y->img, "id"));
	else if (!strcmp(sort_key, "size"))
		c = (int)(cJSON_GetNumberValue(cJSON_GetObjectItem(x->img, "size")) -
			  cJSON_GetNumberValue(cJSON_GetObjectItem(y->img, "size")));
	else
		c = strcmp(str(y->img, "created"), str(x->img, "created")); /* newest first */
	return c ? c : x->seq - y->seq;
}

/* The fields podman's image templates know. */
static cJSON *template_row(struct cb_store *s, const struct row *r, int no_trunc)
{
	const cJSON *img = r->img;
	const char *id = str(img, "id");
	char buf[100];
	cJSON *o = cJSON_CreateObject();
	snprintf(buf, sizeof(buf), "%.*s", no_trunc ? 71 : 12, no_trunc ? id : id + 7);
	cJSON_AddStringToObject(o, "ID", buf);
	cJSON_AddStringToObject(o, "Id", id + 7);
	cJSON_AddStringToObject(o, "Repository", r->repo);
	cJSON_AddStringToObject(o, "Tag", r->tag);
	cJSON_AddStringToObject(o, "Digest", str(img, "digest"));
	cb_human_age(str(img, "created"), buf, sizeof(buf));
	cJSON_AddStringToObject(o, "Created", buf);
	cJSON_AddStringToObject(o, "CreatedSince", buf);
	go_time(str(img, "created"), buf, sizeof(buf));
	cJSON_AddStringToObject(o, "CreatedAt", buf);
	cb_human_size(cJSON_GetNumberValue(cJSON_GetObjectItem(img, "size")), buf, sizeof(buf));
	cJSON_AddStringToObject(o, "Size", buf);
	cJSON_AddBoolToObject(o, "ReadOnly", 0);
	cJSON_AddItemToObject(o, "Labels", cJSON_Duplicate(r->labels, 1));
	cJSON_AddItemToObject(o, "Names", cJSON_Duplicate(cJSON_GetObjectItem(img, "names"), 1));
	cJSON_AddBoolToObject(o, "Dangling", cJSON_GetArraySize(cJSON_GetObjectItem(img, "names")) == 0);
	/* podman's .History: the names it has had, joined */
	char hist[2048] = "";
	const cJSON *h;
	cJSON_ArrayForEach(h, cJSON_GetObjectItem(img, "names_history"))
		if (CFG_HOUSEKEEPING && cJSON_IsString(h))
			snprintf(hist + strlen(hist), sizeof(hist) - strlen(hist), "%s%s", hist[0] ? ", " : "", h->valuestring);
	cJSON_AddStringToObject(o, "History", hist);
	int n = 0;
	char cid[128];
	(void)s;
	n = cb_container_find(s, "image", id, cid, sizeof(cid)) ? 1 : 0;
	cJSON_AddNumberToObject(o, "Containers", n);
	return o;
}

static cJSON *json_row(const struct row *r)
{
	const cJSON *img = r->img;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Id", str(img, "id") + 7);
	cJSON_AddItemToObject(o, "Names", cJSON_Duplicate(cJSON_GetObjectItem(img, "names"), 1));
	cJSON_AddItemToObject(o, "RepoTags", cJSON_Duplicate(cJSON_GetObjectItem(img, "names"), 1));
	cJSON_AddItemToObject(o, "RepoDigests", cJSON_Duplicate(cJSON_GetObjectItem(img, "repo_digests"), 1));
	cJSON_AddStringToObject(o, "Digest", str(img, "digest"));
	cJSON_AddStringToObject(o, "Created", str(img, "created"));
	cJSON_AddStringToObject(o, "CreatedAt", str(img, "created"));
	cJSON_AddNumberToObject(o, "Size", cJSON_GetNumberValue(cJSON_GetObjectItem(img, "size")));
	cJSON_AddItemToObject(o, "Labels", cJSON_Duplicate(r->labels, 1));
	cJSON_AddStringToObject(o, "Platform", str(img, "platform"));
	return o;
}

static cJSON *labels_of(struct cb_store *s, const cJSON *img)
{
	char *text;
	cb_err e;
	cJSON *l = NULL;
	if (cb_store_get_blob(s, str(img, "id"), &text, NULL, &e) == 0) {
		cJSON *cfg = cJSON_Parse(text);
		free(text);
		l = cJSON_DetachItemFromObject(cJSON_GetObjectItem(cfg, "config"), "Labels");
		cJSON_Delete(cfg);
	}
	return cJSON_IsObject(l) ? l : (cJSON_Delete(l), cJSON_CreateObject());
}

int images_main(int argc, char **argv)
{
	enum { O_QUIET = 1, O_NOTRUNC, O_FORMAT, O_ALL, O_NOHEAD, O_FILTER, O_SORT };
	static const struct cb_option opts[] = {
		{ "quiet", 'q', CB_OPT_NONE, O_QUIET },
		{ "no-trunc", 0, CB_OPT_NONE, O_NOTRUNC },
		{ "format", 0, CB_OPT_ARG, O_FORMAT },
		{ "all", 'a', CB_OPT_NONE, O_ALL },
		{ "noheading", 'n', CB_OPT_NONE, O_NOHEAD },
		{ "filter", 'f', CB_OPT_ARG, O_FILTER },
		{ "sort", 0, CB_OPT_ARG, O_SORT },
		{ 0 },
	};
	int quiet = 0, no_trunc = 0, c, nf = 0;
	const char *format = "table", *filters[32];
	struct cb_format_opts fo = { 0 };
	struct cb_opt_state st;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		quiet |= c == O_QUIET;
		no_trunc |= c == O_NOTRUNC;
		fo.noheading |= c == O_NOHEAD;
		if (c == O_FORMAT)
			format = st.arg;
		if (c == O_SORT)
			sort_key = st.arg;
		if (c == O_FILTER && nf < 31)
			filters[nf++] = st.arg;
	}
	if (strcmp(sort_key, "created") && strcmp(sort_key, "id") && strcmp(sort_key, "repository") &&
	    strcmp(sort_key, "size") && strcmp(sort_key, "tag")) {
		fprintf(stderr, "Error: \"%s\" is not a valid field for sorting: (created, id, repository, size, tag)\n", sort_key);
		return CB_EXIT_FAIL;
	}
	char ref[700];
	if (st.ind < argc) {
		snprintf(ref, sizeof(ref), "reference=%s", argv[st.ind]);
		filters[nf++] = ref;
	}
	struct cb_store s;
	struct cb_regconf rc;
	cb_err e;
	cJSON *index;
	if (cb_image_index_open(&s, &rc, 0, &index, &e) < 0)
		cb_die(&e);
	cJSON *img, *images = cJSON_GetObjectItem(index, "images"), *n;
	int nrows = 0, cap = 0;
	struct row *rows = NULL;
	cJSON_ArrayForEach(img, images) {
		cJSON *names = cJSON_GetObjectItem(img, "names");
		cJSON *labels = labels_of(&s, img);
		/* a row per name; names by digest only when the image has no other (as podman) */
		int tagged = 0;
		cJSON_ArrayForEach(n, names)
			tagged += !strchr(n->valuestring, '@');
		for (int i = 0; i < (cJSON_GetArraySize(names) ?: 1); i++) {
			n = cJSON_GetArrayItem(names, i);
			if (n && tagged && strchr(n->valuestring, '@'))
				continue;
			if (nrows == cap && !(rows = realloc(rows, sizeof(*rows) * (size_t)(cap = cap * 2 + 8))))
				return CB_EXIT_FAIL;
			struct row *r = &rows[nrows];
			r->seq = nrows;
			r->img = img;
			r->labels = labels;
			split_name(n ? n->valuestring : NULL, r);
			int ok = 1;
			for (int f = 0; f < nf && ok; f++)
				if ((ok = filter_ok(filters[f], r, index, &rc)) < 0) {
					fprintf(stderr, "Error: invalid image filter \"%s\"\n", filters[f]);
					return CB_EXIT_FAIL;
				}
			nrows += ok;
			/* JSON and -q: one entry per image */
			if (ok && (quiet || !strcmp(format, "json")))
				break;
		}
	}
	qsort(rows, (size_t)nrows, sizeof(*rows), by_key);
	if (quiet) {
		for (int i = 0; i < nrows; i++)
			printf("%.*s\n", no_trunc ? 64 : 12, str(rows[i].img, "id") + 7);
		return 0;
	}
	cJSON *items = cJSON_CreateArray(), *heads = cJSON_CreateObject();
	for (int i = 0; i < nrows; i++)
		cJSON_AddItemToArray(items, strcmp(format, "json") ? template_row(&s, &rows[i], no_trunc) : json_row(&rows[i]));
	cJSON_AddStringToObject(heads, "ID", "IMAGE ID");
	cJSON_AddStringToObject(heads, "CreatedSince", "CREATED");
	cJSON_AddStringToObject(heads, "ReadOnly", "R/O");
	fo.heads = heads;
	fo.table = "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}";
	fo.align = 1;
	if (cb_format_print(format, items, &fo, &e) < 0) {
		fprintf(stderr, "Error: %s\n", e.msg);
		return CB_EXIT_FAIL;
	}
	return 0;
}
