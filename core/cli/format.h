/* format.h - podman's --format for listings and objects: "json" (podman's indented
 * array), a Go template (core/cli/template.c) run for each item and ended with a newline (or
 * once over the whole list when it starts with {{range), or "table TEMPLATE": a header
 * line first (each field's name upper-cased, or its podman header from heads), columns
 * aligned. \t and \n in the format are a tab and a newline, as podman reads them. */
#ifndef CB_FORMAT_H
#define CB_FORMAT_H

#include <cjson/cJSON.h>

#include "cbox.h"

struct cb_format_opts {
	const cJSON *heads; /* {"ID": "CONTAINER ID", ...}: headers that are not the field's name */
	const char *table;  /* the template "table" alone stands for */
	int noheading;      /* --noheading: tables without their header line */
	int align;          /* tabs align columns in every template, not only tables (podman's lists) */
};

/* Print items (an array) as format asks; errors ("template: ...") in *e. */
int cb_format_print(const char *format, const cJSON *items, const struct cb_format_opts *o, cb_err *e);

#endif
