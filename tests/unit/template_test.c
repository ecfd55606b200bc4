/* template_test.c - the Go text/template subset behind every --format. */
#include "template.h"
#include "unit.h"

static char got[4096];

/* Render tmpl over the JSON text; got holds the output or "ERR:" and the message. */
static const char *render(const char *tmpl, const char *json, const char *heads)
{
	cJSON *dot = cJSON_Parse(json), *h = heads ? cJSON_Parse(heads) : NULL;
	struct cb_tmpl *t;
	struct cb_tbuf out = { 0 };
	cb_err e;
	if (cb_tmpl_parse(tmpl, &t, &e) < 0) {
		snprintf(got, sizeof(got), "ERR:%s", e.msg);
	} else {
		if (cb_tmpl_exec(t, dot, h, &out, &e) < 0)
			snprintf(got, sizeof(got), "ERR:%s", e.msg);
		else
			snprintf(got, sizeof(got), "%s", out.p ? out.p : "");
		cb_tmpl_free(t);
	}
	cb_tbuf_free(&out);
	cJSON_Delete(dot);
	cJSON_Delete(h);
	return got;
}

#define R(tmpl, json, want) CHECK_STR(render(tmpl, json, NULL), want)

int main(void)
{
	unit_name = "template";
	const char *c = "{\"Id\":\"abc\",\"Names\":[\"web\",\"db\"],\"State\":{\"Status\":\"running\",\"Running\":true,"
			"\"ExitCode\":0,\"Pid\":42},\"Config\":{\"Cmd\":[\"sleep\",\"100\"],\"Labels\":{\"b\":\"2\",\"a\":\"1\"},"
			"\"Entrypoint\":null},\"Size\":1.5,\"Empty\":[]}";
	R("plain text", c, "plain text");
	R("{{.Id}}", c, "abc");
	R("{{.State.Status}} {{.Config.Cmd}}", c, "running [sleep 100]");
	R("{{.State.Running}} {{.State.ExitCode}} {{.Size}} {{.Config.Entrypoint}}", c, "true 0 1.5 <nil>");
	R("{{.Config.Labels}}", c, "map[a:1 b:2]");
	R("{{json .Names}}|{{json .State.Status}}", c, "[\"web\",\"db\"]|\"running\"");
	R("{{range .Names}}<{{.}}>{{end}}", c, "<web><db>");
	R("{{range $i, $n := .Names}}{{$i}}={{$n}} {{end}}", c, "0=web 1=db ");
	R("{{range $k, $v := .Config.Labels}}{{$k}}{{$v}},{{end}}", c, "a1,b2,");
	R("{{range .Empty}}x{{else}}none{{end}}", c, "none");
	R("{{if .State.Running}}up{{else}}down{{end}}", c, "up");
	R("{{if .Empty}}a{{else if .Id}}b{{else}}c{{end}}", c, "b");
	R("{{if not .State.Running}}a{{else if .Empty}}b{{else}}c{{end}}", c, "c");
	R("{{with .State}}{{.Pid}}{{end}}", c, "42");
	R("{{index .Names 1}} {{index .Config.Labels \"a\"}} [{{index .Config.Labels \"zz\"}}]", c, "db 1 []");
	R("{{printf \"%s-%d-%5s|%-4s|%q\" .Id .State.Pid \"x\" \"y\" .Id}}", c, "abc-42-    x|y   |\"abc\"");
	R("{{upper .Id}} {{lower \"AB\"}} {{.Id | upper}} {{title \"a b\"}}", c, "ABC ab ABC A B");
	R("{{join .Names \",\"}} {{len .Names}} {{len .Id}}", c, "web,db 2 3");
	R("{{eq .State.Status \"running\"}} {{ne .State.Pid 42}} {{lt 1 2}} {{eq .Id \"x\" \"abc\"}}", c, "true false true true");
	R("{{and .Id .Empty}}|{{or .Empty .Id}}", c, "[]|abc");
	R("{{$x := .Id}}{{range .Names}}{{$x}}{{.}} {{end}}{{$}}", "\"s\"", "ERR:template: can't evaluate field Id in a value that is not a map or struct");
	R("{{$x := .Id}}{{range .Names}}{{$x}}{{.}} {{end}}", c, "abcweb abcdb ");
	R("{{range .Names}}{{$.Id}}{{end}}", c, "abcabc");
	R("a  {{- .Id -}}  b {{/* note */}}c", c, "aabcb c");
	R("{{(index .Names 0) | printf \"%s!\"}}", c, "web!");
	R("{{truncate .Id 2}} {{split \"a:b\" \":\"}} {{print 1 2 \"x\"}}", c, "ab [a b] 1 2x");
	R("{{`raw\\n`}}{{\"q\\tx\"}}", c, "raw\\nq\tx");
	/* errors a user sees, one line each */
	R("{{.Nope}}", c, "ERR:template: can't evaluate field Nope");
	R("{{.Id", c, "ERR:template: 1: unclosed action");
	R("{{if .Id}}x", c, "ERR:template: 1: unexpected EOF: a block lacks {{end}}");
	R("{{end}}", c, "ERR:template: 1: unexpected {{end}}");
	R("{{nofunc .Id}}", c, "ERR:template: function \"nofunc\" not defined");
	R("{{range .Id}}x{{end}}", c, "ERR:template: range can't iterate over abc");
	R("{{index .Names 5}}", c, "ERR:template: error calling index: index out of range: 5");
	R("{{template \"x\"}}", c, "ERR:template: 1: define, template, block, break and continue are not supported");
	/* depth is bounded, never the template's to choose */
	char deep[400] = "";
	for (int i = 0; i < CB_TMPL_DEPTH + 1; i++)
		strcat(deep, "{{if 1}}");
	R(deep, c, "ERR:template: 1: blocks nested too deeply");
	R("{{((((((((((1))))))))))}}", c, "ERR:template: parentheses nested too deeply");
	/* so is the work: ranges over ranges multiply (2^24 rounds here) */
	char nest[1024] = "";
	for (int i = 0; i < 24; i++)
		strcat(nest, "{{range $.Names}}");
	for (int i = 0; i < 24; i++)
		strcat(nest, "{{end}}");
	R(nest, c, "ERR:template: too much work or output (nested ranges?)");
	/* a header line: field names, upper-cased and split, or the given header */
	CHECK_STR(render("{{.ID}}\t{{.CreatedAt}}\t{{.State.Status}}\t{{upper .Names}}", c, "{\"ID\":\"CONTAINER ID\"}"),
		  "CONTAINER ID\tCREATED AT\tSTATUS\tNAMES");
	return unit_end();
}
