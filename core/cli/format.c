/* format.c - podman's --format for listings and objects (see format.h). */
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "json.h"
#include "template.h"

/* Go's tabwriter as podman configures it: a cell ends at a tab and is padded to the
 * widest cell of its column plus 2, at least 12; the last cell of a line is not padded. */
static void align(const char *text, FILE *f)
{
	size_t w[64] = { 0 };
	const char *p, *line;
	for (line = text; *line; line = p + (*p != '\0')) {
		size_t col = 0, start = 0, i = 0;
		for (p = line; *p && *p != '\n'; p++, i++)
			if (*p == '\t') {
				if (col < 64 && i - start + 2 > w[col])
					w[col] = i - start + 2;
				col++;
				start = i + 1;
			}
	}
	for (line = text; *line; line = p + (*p != '\0')) {
		size_t col = 0, n = 0;
		for (p = line; *p && *p != '\n'; p++) {
			if (*p != '\t') {
				fputc(*p, f);
				n++;
				continue;
			}
			size_t want = col < 64 ? (w[col] < 12 ? 12 : w[col]) : n + 1;
			for (; n < want; n++)
				fputc(' ', f);
			col++;
			n = 0;
		}
		if (*p)
			fputc('\n', f);
	}
}

/* \t and \n as two characters become a tab and a newline; in a table, the spaces
 * between actions become column breaks (as podman's). */
static char *normalize(const char *format, int table)
{
	char *out = malloc(strlen(format) + 2), *o = out;
	int in_action = 0;
	if (!out)
		return NULL;
	for (const char *p = format; *p; p++) {
		if (p[0] == '{' && p[1] == '{')
			in_action = 1;
		else if (p[0] == '}' && p[1] == '}' && in_action)
			in_action = 0, *o++ = *p++;
		if (!in_action && p[0] == '\\' && (p[1] == 't' || p[1] == 'n'))
			*o++ = *++p == 't' ? '\t' : '\n';
		else if (!in_action && table && *p == ' ')
			*o++ = '\t';
		else
			*o++ = *p;
	}
	if (o == out || o[-1] != '\n')
		*o++ = '\n';
	*o = '\0';
	return out;
}

int cb_format_print(const char *format, const cJSON *items, const struct cb_format_opts *o, cb_err *e)
{
	if (!strcmp(format, "json")) {
		char *text = cb_json_print(items);
		printf("%s\n", text ? text : "[]");
		free(text);
		return 0;
	}
	int table = !strncmp(format, "table", 5) && (!format[5] || format[5] == ' ' || format[5] == '\t');
	if (table)
		format = format[5] ? format + 6 : o->table ? o->table : "";
	while (table && (*format == ' ' || *format == '\t'))
		format++;
	char *text = normalize(format, table);
	struct cb_tmpl *t;
	struct cb_tbuf out = { 0 };
	const char *lead = text;
	while (*lead == ' ')
		lead++;
	/* over the whole list: a leading {{range .}} (or {{range $i, $x := .}}), not {{range .Mounts}} */
	int whole = !strncmp(lead, "{{range", 7) || !strncmp(lead, "{{- range", 9);
	const char *end = whole ? strstr(lead, "}}") : NULL;
	if (end) {
		while (end > lead && (end[-1] == ' ' || end[-1] == '-'))
			end--;
		whole = end[-1] == '.' && (end[-2] == ' ' || end[-2] == '=');
	}
	int r = text ? cb_tmpl_parse(text, &t, e) : cb_fail(e, ENOMEM, "out of memory");
	free(text);
	if (r < 0)
		return r;
	if (table && !o->noheading) {
		cJSON *none = o->heads ? NULL : cJSON_CreateObject();
		r = cb_tmpl_exec(t, NULL, o->heads ? o->heads : none, &out, e);
		cJSON_Delete(none);
	}
	if (whole && r >= 0)
		r = cb_tmpl_exec(t, items, NULL, &out, e);
	for (const cJSON *it = whole ? NULL : items->child; it && r >= 0; it = it->next)
		r = cb_tmpl_exec(t, it, NULL, &out, e);
	cb_tmpl_free(t);
	if (r >= 0 && out.p) {
		if (table || o->align)
			align(out.p, stdout);
		else
			fputs(out.p, stdout);
	}
	cb_tbuf_free(&out);
	return r;
}
