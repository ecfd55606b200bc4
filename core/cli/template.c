/* template.c - a small Go text/template over cJSON values (see template.h).
 * The text becomes a flat list of nodes (text, actions, block openers with the index of
 * their else/end); execution walks it with a program counter and a bounded block stack,
 * so no recursion depth is the template's to choose (parentheses recurse, at most
 * CB_TMPL_PARENS deep). Temporaries are cJSON items kept on one list, freed at the end. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "template.h"

enum { N_TEXT, N_EXPR, N_IF, N_ELSE, N_END, N_RANGE, N_WITH };

struct node {
	int kind;
	const char *s; /* text, or the action after its keyword */
	size_t len;
	int jump;      /* if/range/with/else: the next else or the end */
	int end;       /* else: the end of its block */
};

struct cb_tmpl {
	struct node *n;
	int count;
	char *text;
};

int cb_tbuf_add(struct cb_tbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

void cb_tbuf_free(struct cb_tbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void adds(struct cb_tbuf *b, const char *s)
{
	cb_tbuf_add(b, s, strlen(s));
}

/* ---- values as Go prints them ---- */

static int by_key(const void *a, const void *b)
{
	return strcmp((*(cJSON *const *)a)->string, (*(cJSON *const *)b)->string);
}

/* An object's members sorted by key (Go's map order); caller frees. */
static cJSON **sorted_members(const cJSON *o, int *n)
{
	*n = cJSON_GetArraySize(o);
	cJSON **v = calloc((size_t)*n + 1, sizeof(*v)), *c;
	int i = 0;
	if (!v)
		return *n = 0, NULL;
	cJSON_ArrayForEach(c, o)
		v[i++] = c;
	qsort(v, (size_t)i, sizeof(*v), by_key);
	return v;
}

/* Iterative: nested arrays and objects print through an explicit stack of cursors. */
void cb_tmpl_print_value(const cJSON *v, struct cb_tbuf *out)
{
	struct { const cJSON *parent; cJSON **members; int i, n; } st[CB_TMPL_DEPTH];
	int sp = -1;
	for (;;) {
		char num[64];
		if (!v)
			adds(out, "<no value>");
		else if (cJSON_IsNull(v))
			adds(out, "<nil>");
		else if (cJSON_IsBool(v))
			adds(out, cJSON_IsTrue(v) ? "true" : "false");
		else if (cJSON_IsNumber(v)) {
			double d = v->valuedouble;
			if (d < 1e18 && d > -1e18 && d == (double)(long long)d)
				snprintf(num, sizeof(num), "%lld", (long long)d);
			else
				snprintf(num, sizeof(num), "%g", d);
			adds(out, num);
		} else if (cJSON_IsString(v))
			adds(out, v->valuestring);
		else if ((cJSON_IsArray(v) || cJSON_IsObject(v)) && sp + 1 < CB_TMPL_DEPTH) {
			sp++;
			st[sp].parent = v;
			st[sp].i = 0;
			st[sp].members = cJSON_IsObject(v) ? sorted_members(v, &st[sp].n) : NULL;
			if (cJSON_IsArray(v))
				st[sp].n = cJSON_GetArraySize(v);
			adds(out, cJSON_IsObject(v) ? "map[" : "[");
		} else
			adds(out, "...");
		/* the next element, closing every finished level */
		for (v = NULL; sp >= 0 && !v; ) {
			if (st[sp].i >= st[sp].n) {
				free(st[sp].members);
				adds(out, "]");
				sp--;
				continue;
			}
			if (st[sp].i)
				adds(out, " ");
			if (st[sp].members) {
				v = st[sp].members[st[sp].i];
				adds(out, v->string);
				adds(out, ":");
			} else {
				v = cJSON_GetArrayItem(st[sp].parent, st[sp].i);
			}
			st[sp].i++;
		}
		if (!v)
			return;
	}
}

/* ---- parsing ---- */

static int perr(cb_err *e, const char *text, const char *at, const char *what)
{
	int line = 1;
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	return cb_fail(e, EINVAL, "template: %d: %s", line, what);
}

static int word_is(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);
	return len >= n && !strncmp(s, w, n) && (len == n || isspace((unsigned char)s[n]));
}

static int add_node(struct cb_tmpl *t, int kind, const char *s, size_t len)
{
	struct node *n = realloc(t->n, sizeof(*n) * ((size_t)t->count + 1));
	if (!n)
		return -ENOMEM;
	t->n = n;
	n[t->count] = (struct node){ kind, s, len, -1, -1 };
	return t->count++;
}

/* The end of the action that starts at p (after "{{"): the "}}" outside quotes. */
static const char *action_end(const char *p)
{
	for (char q = 0; *p; p++) {
		if (q) {
			if (*p == '\\' && q == '"' && p[1])
				p++;
			else if (*p == q)
				q = 0;
		} else if (*p == '"' || *p == '`' || *p == '\'') {
			q = *p;
		} else if (p[0] == '}' && p[1] == '}') {
			return p;
		}
	}
	return NULL;
}

int cb_tmpl_parse(const char *text, struct cb_tmpl **tp, cb_err *e)
{
	struct cb_tmpl *t = calloc(1, sizeof(*t));
	int open[CB_TMPL_DEPTH], depth = 0, r = 0;
	if (!t || !(t->text = strdup(text))) {
		free(t);
		return cb_fail(e, ENOMEM, "template: out of memory");
	}
	const char *p = t->text;
	int trim_next = 0;
	while (*p && r >= 0) {
		const char *a = strstr(p, "{{");
		const char *tend = a ? a : p + strlen(p);
		if (trim_next)
			while (p < tend && isspace((unsigned char)*p))
				p++;
		if (!a) {
			r = tend > p ? add_node(t, N_TEXT, p, (size_t)(tend - p)) : 0;
			break;
		}
		const char *s = a + 2, *end = action_end(s);
		if (!end) {
			r = perr(e, t->text, a, "unclosed action");
			break;
		}
		if (*s == '-' && isspace((unsigned char)s[1])) /* {{- trims the text before */
			while (tend > p && isspace((unsigned char)tend[-1]))
				tend--;
		if (tend > p && (r = add_node(t, N_TEXT, p, (size_t)(tend - p))) < 0)
			break;
		p = end + 2;
		trim_next = end - s >= 2 && end[-1] == '-' && isspace((unsigned char)end[-2]);
		const char *ae = trim_next ? end - 1 : end;
		if (*s == '-' && isspace((unsigned char)s[1]))
			s++;
		while (s < ae && isspace((unsigned char)*s))
			s++;
		while (ae > s && isspace((unsigned char)ae[-1]))
			ae--;
		size_t len = (size_t)(ae - s);
		if (len >= 4 && !strncmp(s, "/*", 2) && !strncmp(ae - 2, "*/", 2))
			continue; /* a comment */
		if (!len) {
			r = perr(e, t->text, a, "missing value for command");
			break;
		}
		if (!CFG_TEMPLATE && (*s != '.' || memchr(s, ' ', len) || memchr(s, '|', len))) {
			r = perr(e, t->text, a, "this build has only {{.Field}} actions (CONFIG_TEMPLATE is off)");
			break;
		}
		int kind = word_is(s, len, "if") ? N_IF : word_is(s, len, "range") ? N_RANGE :
			   word_is(s, len, "with") ? N_WITH : word_is(s, len, "else") ? N_ELSE :
			   word_is(s, len, "end") ? N_END : N_EXPR;
		if (kind == N_EXPR && (word_is(s, len, "define") || word_is(s, len, "template") ||
				       word_is(s, len, "block") || word_is(s, len, "break") || word_is(s, len, "continue"))) {
			r = perr(e, t->text, a, "define, template, block, break and continue are not supported");
			break;
		}
		size_t kw = kind == N_EXPR ? 0 : kind == N_IF ? 2 : kind == N_END ? 3 : kind == N_ELSE ? 4 : kind == N_WITH ? 4 : 5;
		const char *rest = s + kw;
		while (rest < ae && isspace((unsigned char)*rest))
			rest++;
		if ((r = add_node(t, kind, rest, (size_t)(ae - rest))) < 0)
			break;
		if (kind == N_IF || kind == N_RANGE || kind == N_WITH) {
			if (depth == CB_TMPL_DEPTH) {
				r = perr(e, t->text, a, "blocks nested too deeply");
				break;
			}
			if (rest == ae) {
				r = perr(e, t->text, a, "missing value for block");
				break;
			}
			open[depth++] = r;
		} else if (kind == N_ELSE || kind == N_END) {
			if (!depth) {
				r = perr(e, t->text, a, kind == N_END ? "unexpected {{end}}" : "unexpected {{else}}");
				break;
			}
			/* link the opener (or the last else) to this node */
			int o = open[depth - 1];
			while (t->n[o].jump >= 0)
				o = t->n[o].jump;
			t->n[o].jump = r;
			if (kind == N_ELSE && rest < ae && !word_is(rest, (size_t)(ae - rest), "if")) {
				r = perr(e, t->text, a, "else takes no arguments but 'else if'");
				break;
			}
			if (kind == N_ELSE && rest < ae) {
				t->n[r].s += 2; /* "else if X": X */
				t->n[r].len -= 2;
			}
			if (kind == N_END) {
				for (int i = open[--depth]; i >= 0 && i != r; i = t->n[i].jump)
					if (t->n[i].kind == N_ELSE)
						t->n[i].end = r;
			}
		}
	}
	if (r >= 0 && depth)
		r = perr(e, t->text, t->text + strlen(t->text), "unexpected EOF: a block lacks {{end}}");
	if (r < 0 && r != -EINVAL)
		cb_fail(e, -r, "template: out of memory");
	if (r < 0) {
		cb_tmpl_free(t);
		return r;
	}
	*tp = t;
	return 0;
}

void cb_tmpl_free(struct cb_tmpl *t)
{
	if (!t)
		return;
	free(t->n);
	free(t->text);
	free(t);
}

/* ---- evaluation ---- */

struct var {
	char name[32];
	const cJSON *v;
};

struct ev {
	const cJSON *dot, *root, *heads;
	cJSON *trash; /* temporaries */
	struct var vars[16];
	int nvars;
	cb_err *e;
};

struct lex {
	const char *p, *end;
};

static const cJSON *keep(struct ev *v, cJSON *j)
{
	if (j)
		cJSON_AddItemToArray(v->trash, j);
	return j;
}

static const cJSON *tstr(struct ev *v, const char *s)
{
	return keep(v, cJSON_CreateString(s));
}

static int fail(struct ev *v, const char *fmt, const char *arg)
{
	char m[200];
	snprintf(m, sizeof(m), fmt, arg);
	return cb_fail(v->e, EINVAL, "template: %s", m);
}

static void ws(struct lex *l)
{
	while (l->p < l->end && isspace((unsigned char)*l->p))
		l->p++;
}

static int ident_char(int c)
{
	return isalnum(c) || c == '_';
}

static size_t ident(struct lex *l, char *out, size_t n)
{
	size_t i = 0;
	while (l->p < l->end && ident_char((unsigned char)*l->p)) {
		if (i + 1 < n)
			out[i++] = *l->p;
		l->p++;
	}
	out[i] = '\0';
	return i;
}

static int truth(const cJSON *j)
{
	if (!j || cJSON_IsNull(j) || cJSON_IsFalse(j))
		return 0;
	if (cJSON_IsNumber(j))
		return j->valuedouble != 0;
	if (cJSON_IsString(j))
		return j->valuestring[0] != '\0';
	if (cJSON_IsArray(j) || cJSON_IsObject(j))
		return j->child != NULL;
	return 1;
}

/* A header for field NAME: heads' value, else NAME upper-cased with a space where a
 * lower-case letter meets an upper-case one (CreatedAt -> CREATED AT). */
static const cJSON *header(struct ev *v, const char *name)
{
	const char *h = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v->heads, name));
	if (h)
		return tstr(v, h);
	char out[80];
	size_t o = 0;
	for (size_t i = 0; name[i] && o + 2 < sizeof(out); i++) {
		if (i && isupper((unsigned char)name[i]) && islower((unsigned char)name[i - 1]))
			out[o++] = ' ';
		out[o++] = (char)toupper((unsigned char)name[i]);
	}
	out[o] = '\0';
	return tstr(v, out);
}

/* .A.B... after a value (l at the first '.'). */
static int fields(struct ev *v, struct lex *l, const cJSON **val)
{
	while (l->p + 1 < l->end && l->p[0] == '.' && ident_char((unsigned char)l->p[1])) {
		char name[80];
		l->p++;
		ident(l, name, sizeof(name));
		if (v->heads) {
			*val = header(v, name);
			continue;
		}
		if (!*val || cJSON_IsNull(*val)) {
			*val = NULL;
			continue;
		}
		if (!cJSON_IsObject(*val))
			return fail(v, "can't evaluate field %s in a value that is not a map or struct", name);
		/* exact, else in any case: podman answers .Id and .ID alike */
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(*val, name) ?: cJSON_GetObjectItem(*val, name);
		if (!f)
			return fail(v, "can't evaluate field %s", name);
		*val = f;
	}
	return 0;
}

static int pipeline(struct ev *v, struct lex *l, int depth, const cJSON **out);

static int string_lit(struct ev *v, struct lex *l, const cJSON **out)
{
	char q = *l->p++;
	struct cb_tbuf b = { 0 };
	while (l->p < l->end && *l->p != q) {
		char c = *l->p++;
		if (c == '\\' && q == '"' && l->p < l->end) {
			c = *l->p++;
			c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c == '0' ? '\0' : c;
		}
		cb_tbuf_add(&b, &c, 1);
	}
	if (l->p >= l->end) {
		cb_tbuf_free(&b);
		return fail(v, "unterminated quoted string%s", "");
	}
	l->p++;
	*out = tstr(v, b.p ? b.p : "");
	cb_tbuf_free(&b);
	return 0;
}

static int call(struct ev *v, const char *fn, const cJSON **a, int n, const cJSON **out);

static int operand(struct ev *v, struct lex *l, int depth, const cJSON **out)
{
	char c = *l->p;
	if (c == '.') {
		*out = v->heads && l->p + 1 < l->end && ident_char((unsigned char)l->p[1]) ? NULL : v->dot;
		if (l->p + 1 >= l->end || !ident_char((unsigned char)l->p[1]))
			l->p++;
		return fields(v, l, out);
	}
	if (c == '$') {
		char name[32];
		l->p++;
		ident(l, name, sizeof(name));
		int i = v->nvars - 1;
		while (i >= 0 && strcmp(v->vars[i].name, name))
			i--;
		if (name[0] && i < 0)
			return fail(v, "undefined variable: $%s", name);
		*out = name[0] ? v->vars[i].v : v->root;
		return fields(v, l, out);
	}
	if (c == '(') {
		if (depth >= CB_TMPL_PARENS)
			return fail(v, "parentheses nested too deeply%s", "");
		l->p++;
		int r = pipeline(v, l, depth + 1, out);
		if (r < 0)
			return r;
		if (l->p >= l->end || *l->p != ')')
			return fail(v, "unclosed left paren%s", "");
		l->p++;
		return fields(v, l, out);
	}
	if (c == '"' || c == '`')
		return string_lit(v, l, out);
	if (isdigit((unsigned char)c) || ((c == '-' || c == '+') && l->p + 1 < l->end && isdigit((unsigned char)l->p[1]))) {
		char num[64], *end;
		size_t i = 0;
		while (l->p < l->end && i + 1 < sizeof(num) && (isalnum((unsigned char)*l->p) || strchr("+-.", *l->p)))
			num[i++] = *l->p++;
		num[i] = '\0';
		double d = strtod(num, &end);
		if (*end)
			return fail(v, "bad number syntax: %s", num);
		*out = keep(v, cJSON_CreateNumber(d));
		return 0;
	}
	if (isalpha((unsigned char)c)) {
		char name[32];
		ident(l, name, sizeof(name));
		if (!strcmp(name, "true") || !strcmp(name, "false")) {
			*out = keep(v, cJSON_CreateBool(name[0] == 't'));
			return 0;
		}
		if (!strcmp(name, "nil")) {
			*out = keep(v, cJSON_CreateNull());
			return 0;
		}
		return call(v, name, NULL, 0, out);
	}
	char bad[2] = { c, 0 };
	return fail(v, "unexpected \"%s\" in command", bad);
}

/* One command: a function and its arguments, or one operand; the piped value last. */
static int command(struct ev *v, struct lex *l, int depth, const cJSON *piped, int has_piped, const cJSON **out)
{
	const cJSON *a[16];
	char fn[32] = "";
	int n = 0, r;
	ws(l);
	const char *save = l->p;
	if (l->p < l->end && isalpha((unsigned char)*l->p)) {
		ident(l, fn, sizeof(fn));
		if (!strcmp(fn, "true") || !strcmp(fn, "false") || !strcmp(fn, "nil")) {
			fn[0] = '\0';
			l->p = save;
		}
	}
	for (ws(l); l->p < l->end && *l->p != '|' && *l->p != ')'; ws(l)) {
		if (n == 15)
			return fail(v, "too many arguments%s", "");
		if ((r = operand(v, l, depth, &a[n++])) < 0)
			return r;
	}
	if (has_piped)
		a[n++] = piped;
	if (fn[0])
		return call(v, fn, a, n, out);
	if (n == 0)
		return fail(v, "missing value for command%s", "");
	if (n > 1)
		return fail(v, "can't give argument to non-function%s", "");
	*out = a[0];
	return 0;
}

static int pipeline(struct ev *v, struct lex *l, int depth, const cJSON **out)
{
	const cJSON *val = NULL;
	int r, has = 0;
	for (;;) {
		if ((r = command(v, l, depth, val, has, &val)) < 0)
			return r;
		has = 1;
		ws(l);
		if (l->p >= l->end || *l->p != '|')
			break;
		l->p++;
	}
	*out = val;
	return 0;
}

/* "$x :=" (1) or "$x =" (2) at the start of an action: the name (without $), l after it. */
static int declaration(struct lex *l, char *name, size_t n)
{
	struct lex t = *l;
	if (t.p >= t.end || *t.p != '$')
		return 0;
	t.p++;
	if (!ident(&t, name, n))
		return 0;
	ws(&t);
	int kind = 0;
	if (t.p + 1 < t.end && t.p[0] == ':' && t.p[1] == '=')
		t.p += 2, kind = 1;
	else if (t.p < t.end && t.p[0] == '=' && (t.p + 1 >= t.end || t.p[1] != '='))
		t.p++, kind = 2;
	if (kind)
		*l = t;
	return kind;
}

static int set_var(struct ev *v, const char *name, const cJSON *val)
{
	if (v->nvars == (int)CB_ARRAY_SIZE(v->vars))
		return fail(v, "too many variables%s", "");
	snprintf(v->vars[v->nvars].name, sizeof(v->vars[0].name), "%s", name);
	v->vars[v->nvars++].v = val;
	return 0;
}

/* An action's pipeline, with an optional "$x :=" or "$x =" (*nv 1 or 3), or for range
 * "$i, $v :=" (*nv 2), in front. */
static int eval(struct ev *v, const char *s, size_t len, char vars[2][32], int *nv, const cJSON **out)
{
	struct lex l = { s, s + len };
	int r;
	*nv = 0;
	if (vars) {
		struct lex t = l;
		int k = declaration(&t, vars[0], 32);
		if (k) {
			l = t;
			*nv = k == 1 ? 1 : 3;
		} else if (t.p < t.end && *t.p == '$') {
			t.p++;
			ident(&t, vars[0], 32);
			ws(&t);
			if (t.p < t.end && *t.p == ',') {
				t.p++;
				ws(&t);
				if (declaration(&t, vars[1], 32)) {
					l = t;
					*nv = 2;
				}
			}
		}
	}
	ws(&l);
	if (!CFG_TEMPLATE) { /* {{.A.B}} or {{.}} only (checked when parsed) */
		*out = v->dot;
		if (l.p + 1 == l.end)
			l.p++;
		else if ((r = fields(v, &l, out)) < 0)
			return r;
	} else if ((r = pipeline(v, &l, 0, out)) < 0)
		return r;
	if (l.p < l.end)
		return cb_fail(v->e, EINVAL, "template: unexpected \"%c\" in operand", *l.p);
	return 0;
}

/* ---- functions ---- */

static const char *text_of(struct ev *v, const cJSON *j)
{
	if (cJSON_IsString(j))
		return j->valuestring;
	struct cb_tbuf b = { 0 };
	cb_tmpl_print_value(j, &b);
	const cJSON *t = tstr(v, b.p ? b.p : "");
	cb_tbuf_free(&b);
	return t ? t->valuestring : "";
}

/* -1, 0, 1; or -2 when the two cannot be compared */
static int compare(const cJSON *a, const cJSON *b)
{
	if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
		return (a->valuedouble > b->valuedouble) - (a->valuedouble < b->valuedouble);
	if (cJSON_IsString(a) && cJSON_IsString(b)) {
		int c = strcmp(a->valuestring, b->valuestring);
		return (c > 0) - (c < 0);
	}
	if (cJSON_IsBool(a) && cJSON_IsBool(b))
		return cJSON_IsTrue(a) == cJSON_IsTrue(b) ? 0 : 1;
	if ((!a || cJSON_IsNull(a)) && (!b || cJSON_IsNull(b)))
		return 0;
	return -2;
}

/* Go's printf: %v %s %d %q %x %t %f %g %e %%, with flags, width and precision. */
static void go_printf(struct ev *v, const char *f, const cJSON **a, int n, struct cb_tbuf *b)
{
	int ai = 0;
	while (*f) {
		const char *pct = strchr(f, '%');
		if (!pct) {
			adds(b, f);
			break;
		}
		cb_tbuf_add(b, f, (size_t)(pct - f));
		f = pct + 1;
		char spec[32] = "%", out[512];
		size_t sl = 1;
		while (*f && strchr("-+# 0", *f) && sl < 8)
			spec[sl++] = *f++;
		while (*f && (isdigit((unsigned char)*f) || *f == '.') && sl < 20)
			spec[sl++] = *f++;
		char verb = *f ? *f++ : '%';
		if (verb == '%') {
			adds(b, "%");
			continue;
		}
		if (ai >= n) {
			snprintf(out, sizeof(out), "%%!%c(MISSING)", verb);
			adds(b, out);
			continue;
		}
		const cJSON *x = a[ai++];
		if (strchr("dxXo", verb) && cJSON_IsNumber(x)) {
			memcpy(spec + sl, "ll", 2);
			spec[sl + 2] = verb;
			snprintf(out, sizeof(out), spec, (long long)x->valuedouble);
		} else if (strchr("feEgG", verb) && cJSON_IsNumber(x)) {
			spec[sl] = verb;
			snprintf(out, sizeof(out), spec, x->valuedouble);
		} else {
			const char *t = text_of(v, x);
			char *q = NULL;
			if (verb == 'q' && cJSON_IsString(x))
				t = q = cJSON_PrintUnformatted(x);
			spec[sl] = 's';
			snprintf(out, sizeof(out), spec, t ? t : "");
			free(q);
		}
		adds(b, out);
	}
	for (; ai < n; ai++) {
		adds(b, "%!(EXTRA ");
		adds(b, text_of(v, a[ai]));
		adds(b, ")");
	}
}

static int call(struct ev *v, const char *fn, const cJSON **a, int n, const cJSON **out)
{
	static const struct { const char *name; int min, max; } fns[] = {
		{ "json", 1, 1 }, { "index", 1, 15 }, { "printf", 1, 15 }, { "print", 0, 15 }, { "println", 0, 15 },
		{ "len", 1, 1 }, { "upper", 1, 1 }, { "lower", 1, 1 }, { "title", 1, 1 }, { "join", 2, 2 },
		{ "split", 2, 2 }, { "truncate", 2, 2 }, { "eq", 2, 15 }, { "ne", 2, 2 }, { "lt", 2, 2 },
		{ "le", 2, 2 }, { "gt", 2, 2 }, { "ge", 2, 2 }, { "not", 1, 1 }, { "and", 1, 15 }, { "or", 1, 15 },
	};
	size_t f = 0;
	while (f < CB_ARRAY_SIZE(fns) && strcmp(fns[f].name, fn))
		f++;
	if (f == CB_ARRAY_SIZE(fns))
		return fail(v, "function \"%s\" not defined", fn);
	if (n < fns[f].min || n > fns[f].max)
		return fail(v, "wrong number of args for %s", fn);
	struct cb_tbuf b = { 0 };
	*out = NULL;
	if (!strcmp(fn, "json")) {
		char *s = a[0] ? cJSON_PrintUnformatted(a[0]) : NULL;
		*out = tstr(v, s ? s : "null");
		free(s);
	} else if (!strcmp(fn, "index")) {
		const cJSON *x = a[0];
		for (int i = 1; i < n; i++) {
			if (cJSON_IsArray(x) && cJSON_IsNumber(a[i])) {
				int k = (int)a[i]->valuedouble;
				if (k < 0 || k >= cJSON_GetArraySize(x))
					return fail(v, "error calling index: index out of range: %s", text_of(v, a[i]));
				x = cJSON_GetArrayItem(x, k);
			} else if (cJSON_IsObject(x) && cJSON_IsString(a[i])) {
				x = cJSON_GetObjectItemCaseSensitive(x, a[i]->valuestring) ?: tstr(v, "");
			} else if (!x || cJSON_IsNull(x)) {
				x = NULL;
			} else {
				return fail(v, "error calling index: cannot index with %s", text_of(v, a[i]));
			}
		}
		*out = x;
	} else if (!strcmp(fn, "printf")) {
		go_printf(v, text_of(v, a[0]), a + 1, n - 1, &b);
	} else if (!strcmp(fn, "print") || !strcmp(fn, "println")) {
		for (int i = 0; i < n; i++) {
			if (i && (fn[5] || (!cJSON_IsString(a[i]) && !cJSON_IsString(a[i - 1]))))
				adds(&b, " ");
			adds(&b, text_of(v, a[i]));
		}
		if (fn[5])
			adds(&b, "\n");
	} else if (!strcmp(fn, "len")) {
		if (!cJSON_IsString(a[0]) && !cJSON_IsArray(a[0]) && !cJSON_IsObject(a[0]))
			return fail(v, "error calling len: len of %s", text_of(v, a[0]));
		*out = keep(v, cJSON_CreateNumber(cJSON_IsString(a[0]) ? (double)strlen(a[0]->valuestring) : cJSON_GetArraySize(a[0])));
	} else if (!strcmp(fn, "upper") || !strcmp(fn, "lower") || !strcmp(fn, "title")) {
		adds(&b, text_of(v, a[0]));
		for (size_t i = 0; i < b.len; i++) {
			int c = (unsigned char)b.p[i];
			b.p[i] = (char)(fn[0] == 'u' ? toupper(c) : fn[0] == 'l' ? tolower(c) :
					(i == 0 || isspace((unsigned char)b.p[i - 1])) ? toupper(c) : c);
		}
	} else if (!strcmp(fn, "join")) {
		const cJSON *it;
		int first = 1;
		if (!cJSON_IsArray(a[0]))
			adds(&b, text_of(v, a[0]));
		else
			cJSON_ArrayForEach(it, a[0]) {
				if (!first)
					adds(&b, text_of(v, a[1]));
				adds(&b, text_of(v, it));
				first = 0;
			}
	} else if (!strcmp(fn, "split")) {
		cJSON *arr = cJSON_CreateArray();
		const char *s = text_of(v, a[0]), *sep = text_of(v, a[1]), *m;
		size_t sl = strlen(sep);
		while (sl && (m = strstr(s, sep))) {
			char *piece = strndup(s, (size_t)(m - s));
			cJSON_AddItemToArray(arr, cJSON_CreateString(piece ? piece : ""));
			free(piece);
			s = m + sl;
		}
		cJSON_AddItemToArray(arr, cJSON_CreateString(s));
		*out = keep(v, arr);
	} else if (!strcmp(fn, "truncate")) {
		const char *s = text_of(v, a[0]);
		size_t k = cJSON_IsNumber(a[1]) && a[1]->valuedouble > 0 ? (size_t)a[1]->valuedouble : 0;
		cb_tbuf_add(&b, s, strlen(s) < k ? strlen(s) : k);
	} else if (fn[1] == 'q' || (fn[0] == 'n' && fn[1] == 'e') || fn[0] == 'l' || fn[0] == 'g') {
		int res = 0;
		for (int i = 1; i < n && !res; i++) {
			int c = compare(a[0], a[i]);
			if (c == -2 || (c != 0 && fn[0] != 'e' && fn[0] != 'n' && (cJSON_IsBool(a[0]) || !a[0])))
				return fail(v, "error calling %s: incompatible types for comparison", fn);
			res = fn[0] == 'e' ? c == 0 : fn[0] == 'n' ? c != 0 : fn[0] == 'l' ? (fn[1] == 't' ? c < 0 : c <= 0) :
			      (fn[1] == 't' ? c > 0 : c >= 0);
		}
		*out = keep(v, cJSON_CreateBool(res));
	} else if (!strcmp(fn, "not")) {
		*out = keep(v, cJSON_CreateBool(!truth(a[0])));
	} else { /* and, or: the first argument that decides, else the last */
		int i = 0;
		while (i < n - 1 && truth(a[i]) == (fn[0] == 'a'))
			i++;
		*out = a[i];
	}
	if (!*out)
		*out = tstr(v, b.p ? b.p : "");
	cb_tbuf_free(&b);
	return 0;
}

/* ---- execution ---- */

struct frame {
	int kind, opener;
	const cJSON *dot;   /* the dot to restore at the end */
	const cJSON *list;  /* range: what it walks */
	cJSON **members;    /* range over an object: sorted */
	int i, n, nvars;
	char vars[2][32];
	int nv;
};

/* range: make item i the dot (and the variables); 0 when the list is done. */
static int range_step(struct ev *v, struct frame *f)
{
	if (f->i >= f->n)
		return 0;
	const cJSON *item = f->members ? f->members[f->i] : cJSON_GetArrayItem(f->list, f->i);
	v->dot = item;
	v->nvars = f->nvars;
	if (f->nv == 1)
		set_var(v, f->vars[0], item);
	if (f->nv == 2) {
		set_var(v, f->vars[0], f->members ? tstr(v, item->string) : keep(v, cJSON_CreateNumber(f->i)));
		set_var(v, f->vars[1], item);
	}
	f->i++;
	return 1;
}

int cb_tmpl_exec(const struct cb_tmpl *t, const cJSON *dot, const cJSON *heads, struct cb_tbuf *out, cb_err *e)
{
	struct ev v = { .dot = dot, .root = dot, .heads = heads, .e = e };
	struct frame fs[CB_TMPL_DEPTH];
	int sp = 0, pc = 0, r = 0;
	long steps = 0;
	if (!(v.trash = cJSON_CreateArray()))
		return cb_fail(e, ENOMEM, "template: out of memory");
	if (heads)
		v.dot = v.root = tstr(&v, "");
	while (pc < t->count && r >= 0) {
		const struct node *n = &t->n[pc];
		const cJSON *val;
		/* Nested ranges multiply: a bounded amount of work and output per value. */
		if (++steps > CB_TMPL_STEPS || out->len > CB_TMPL_OUTPUT) {
			r = cb_fail(e, E2BIG, "template: too much work or output (nested ranges?)");
			break;
		}
		char vars[2][32];
		int nv;
		switch (n->kind) {
		case N_TEXT:
			cb_tbuf_add(out, n->s, n->len);
			pc++;
			break;
		case N_EXPR:
			if ((r = eval(&v, n->s, n->len, vars, &nv, &val)) < 0)
				break;
			if (nv == 3) {
				int i = v.nvars - 1;
				while (i >= 0 && strcmp(v.vars[i].name, vars[0]))
					i--;
				if (i < 0)
					r = fail(&v, "undefined variable: $%s", vars[0]);
				else
					v.vars[i].v = val;
			} else if (nv == 1) {
				r = set_var(&v, vars[0], val);
			} else {
				cb_tmpl_print_value(val, out);
			}
			pc++;
			break;
		case N_IF:
		case N_WITH:
		case N_RANGE: {
			struct frame *f = &fs[sp++];
			memset(f, 0, sizeof(*f));
			f->kind = n->kind;
			f->opener = pc;
			f->dot = v.dot;
			f->nvars = v.nvars;
			if ((r = eval(&v, n->s, n->len, n->kind == N_RANGE ? f->vars : NULL, &f->nv, &val)) < 0)
				break;
			if (n->kind == N_RANGE) {
				f->list = val;
				if (cJSON_IsObject(val))
					f->members = sorted_members(val, &f->n);
				else if (cJSON_IsArray(val))
					f->n = cJSON_GetArraySize(val);
				else if (!heads && val && !cJSON_IsNull(val))
					r = fail(&v, "range can't iterate over %s", text_of(&v, val));
				pc = range_step(&v, f) ? pc + 1 : n->jump;
			} else if (truth(val)) {
				if (n->kind == N_WITH)
					v.dot = val;
				pc++;
			} else {
				pc = n->jump;
			}
			if (pc == n->jump && t->n[pc].kind == N_ELSE) {
				f->list = NULL; /* the else part runs once */
				f->n = 0;
				goto enter_else;
			}
			break;
		}
		case N_ELSE:
			pc = n->end; /* a body ran to its else: the block is done */
			break;
		enter_else:
			n = &t->n[pc];
			if (n->len) { /* else if */
				if ((r = eval(&v, n->s, n->len, NULL, &nv, &val)) < 0)
					break;
				pc = truth(val) ? pc + 1 : n->jump;
				if (t->n[pc].kind == N_ELSE && pc != n->end && !truth(val))
					goto enter_else;
			} else {
				pc++;
			}
			break;
		case N_END: {
			struct frame *f = &fs[sp - 1];
			if (f->kind == N_RANGE && f->list && range_step(&v, f)) {
				pc = f->opener + 1;
				break;
			}
			free(f->members);
			v.dot = f->dot;
			v.nvars = f->nvars;
			sp--;
			pc++;
			break;
		}
		}
	}
	while (sp > 0)
		free(fs[--sp].members);
	cJSON_Delete(v.trash);
	return r;
}
