/* template_fuzz.c - the --format template engine (core/cli/template.c): the input is a
 * template, optionally followed by a NUL and a JSON document to run it over (else a
 * fixed container-like value). Parse, run, run as a header row; every failure must say
 * "template: ...", and a run stays within the engine's output bound. */
#include "fuzz.h"
#include "template.h"

static const char dflt[] = "{\"Id\":\"abc\",\"Names\":[\"a\",\"b\"],\"State\":{\"Status\":\"running\",\"Pid\":3},"
			   "\"Labels\":{\"k\":\"v\",\"x\":\"\"},\"Size\":1.5,\"Ok\":true,\"Nil\":null}";

static void check(const char *what, int r, const cb_err *e, const struct cb_tbuf *out)
{
	if (r < 0 && strncmp(e->msg, "template: ", 10)) {
		fprintf(stderr, "%s: an error not naming the template: %s\n", what, e->msg);
		abort();
	}
	if (out->len > CB_TMPL_OUTPUT + (1 << 20)) {
		fprintf(stderr, "%s: %zu bytes of output\n", what, out->len);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size);
	size_t tl = strlen(s);
	cJSON *dot = cJSON_Parse(tl < size ? s + tl + 1 : dflt);
	struct cb_tmpl *t = NULL;
	cb_err e;
	if (cb_tmpl_parse(s, &t, &e) == 0) {
		struct cb_tbuf out = { 0 }, head = { 0 };
		check("exec", cb_tmpl_exec(t, dot, NULL, &out, &e), &e, &out);
		check("header", cb_tmpl_exec(t, dot, cJSON_GetObjectItem(dot, "Labels"), &head, &e), &e, &head);
		cb_tbuf_free(&out);
		cb_tbuf_free(&head);
		cb_tmpl_free(t);
	} else if (strncmp(e.msg, "template: ", 10)) {
		fprintf(stderr, "parse: an error not naming the template: %s\n", e.msg);
		abort();
	}
	cJSON_Delete(dot);
	free(s);
	return 0;
}
