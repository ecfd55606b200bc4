/* template.h - a small Go text/template over cJSON values, for podman's --format.
 *
 * Actions: {{.A.B}} (fields by name; "." is the value), {{$}} and {{$x := ...}}, "strings",
 * `raw strings`, numbers, true/false, (pipelines), A | f; {{if}}/{{else if}}/{{else}}/{{end}},
 * {{range}} (arrays, objects by sorted key; {{range $i, $v := ...}}; {{else}}), {{with}};
 * {{- and -}} trim spaces; comment actions ("/ *" ... "* /" without the spaces). Functions: json, index, printf, print,
 * println, len, upper, lower, title, join, split, truncate, eq, ne, lt, le, gt, ge, not,
 * and, or. Values print as Go's fmt %v does: [a b], map[k:v], true, 3, <nil>.
 * Blocks nest at most CB_TMPL_DEPTH deep and parentheses CB_TMPL_PARENS deep; deeper
 * templates are refused. Evaluation is iterative (an explicit, bounded block stack) and
 * bounded: at most CB_TMPL_STEPS actions and CB_TMPL_OUTPUT bytes per value. */
#ifndef CB_TEMPLATE_H
#define CB_TEMPLATE_H

#include <cjson/cJSON.h>

#include "cbox.h"

#define CB_TMPL_DEPTH 32
#define CB_TMPL_PARENS 8
#define CB_TMPL_STEPS 1000000L        /* actions and texts run per value */
#define CB_TMPL_OUTPUT (64UL << 20)   /* bytes of output */

struct cb_tbuf {
	char *p;
	size_t len, cap;
};
int cb_tbuf_add(struct cb_tbuf *b, const char *s, size_t n);
void cb_tbuf_free(struct cb_tbuf *b);

struct cb_tmpl;
/* Parse text (the whole of it is the template); errors name the place: "template: ...". */
int cb_tmpl_parse(const char *text, struct cb_tmpl **t, cb_err *e);
void cb_tmpl_free(struct cb_tmpl *t);
/* Append the template's output over dot to out. heads: when not NULL, a header line is
 * rendered instead: every field chain yields its last name, upper-cased with spaces
 * between words (CreatedAt -> CREATED AT), or the value heads gives for that name. */
int cb_tmpl_exec(const struct cb_tmpl *t, const cJSON *dot, const cJSON *heads, struct cb_tbuf *out, cb_err *e);
/* A value as Go's fmt %v prints it (appended to out). */
void cb_tmpl_print_value(const cJSON *v, struct cb_tbuf *out);

#endif
