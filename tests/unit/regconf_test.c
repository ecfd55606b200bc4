/* regconf_test.c - registries.conf parsing, short names, locations, mirrors, blocking. */
#include "regconf.h"
#include "unit.h"

static const char conf[] =
	"# test\n"
	"unqualified-search-registries = [\"reg.example:5000\", # first\n"
	"   'docker.io']\n"
	"short-name-mode = \"permissive\"\n"
	"\n"
	"[aliases]\n"
	"\"bb\" = \"127.0.0.1:5000/test/busybox\"\n"
	"\n"
	"[[registry]]\n"
	"prefix = \"docker.io\"\n"
	"location = \"hub.internal/proxy\"\n"
	"[[registry.mirror]]\n"
	"location = \"mirror.example/hub\"\n"
	"insecure = true\n"
	"\n"
	"[[registry]]\n"
	"location = \"reg.example:5000\"\n"
	"insecure = true\n"
	"\n"
	"[[registry]]\n"
	"prefix = \"*.blocked.test\"\n"
	"blocked = true\n"
	"[engine]\n"
	"retries = 3\n";

static const char *src(struct cb_regconf *c, const char *ref, int i)
{
	static char out[700];
	struct cb_ref r;
	struct cb_pull_source s[8];
	cb_err e;
	if (cb_ref_parse(ref, &r, &e) < 0)
		return "parse error";
	int n = cb_regconf_sources(c, &r, s, 8, &e);
	if (n < 0) {
		snprintf(out, sizeof(out), "ERR %s", e.msg);
		return out;
	}
	if (i >= n)
		return "none";
	snprintf(out, sizeof(out), "%s %s%s%s", s[i].registry, s[i].repo, s[i].insecure ? " insecure" : "",
		 s[i].mirror ? " mirror" : "");
	return out;
}

static const char *parse_err(const char *text)
{
	static cb_err e;
	struct cb_regconf c;
	memset(&c, 0, sizeof(c));
	int r = cb_regconf_parse(&c, text, "t.conf", &e);
	cb_regconf_free(&c);
	return r < 0 ? e.msg : "ok";
}

int main(void)
{
	unit_name = "regconf";
	struct cb_regconf c;
	cb_err e;
	memset(&c, 0, sizeof(c));
	CHECK(cb_regconf_parse(&c, conf, "t.conf", &e) == 0);
	CHECK(c.nsearch == 2);
	CHECK_STR(c.search[0], "reg.example:5000");
	CHECK_STR(c.search[1], "docker.io");
	CHECK(c.nregs == 3);

	CHECK_STR(src(&c, "docker.io/library/alpine", 0), "mirror.example hub/library/alpine insecure mirror");
	CHECK_STR(src(&c, "docker.io/library/alpine", 1), "hub.internal proxy/library/alpine");
	CHECK_STR(src(&c, "reg.example:5000/x/y", 0), "reg.example:5000 x/y insecure");
	CHECK_STR(src(&c, "quay.io/a/b", 0), "quay.io a/b");
	CHECK_STR(src(&c, "quay.io/a/b", 1), "none");
	CHECK_STR(src(&c, "x.blocked.test/a", 0), "ERR registry *.blocked.test is blocked in t.conf");

	struct cb_ref r;
	const char **search;
	int n;
	CHECK(cb_ref_parse("bb", &r, &e) == 0);
	CHECK(cb_regconf_resolve_short(&c, &r, &search, &n, &e) == 1);
	CHECK_STR(r.registry, "127.0.0.1:5000");
	CHECK_STR(r.repo, "test/busybox");
	CHECK(cb_ref_parse("alpine", &r, &e) == 0);
	CHECK(cb_regconf_resolve_short(&c, &r, &search, &n, &e) == 0 && n == 2);
	cb_regconf_free(&c);

	memset(&c, 0, sizeof(c));
	CHECK(cb_regconf_resolve_short(&c, &r, &search, &n, &e) == 0 && n == 1);
	CHECK_STR(search[0], "docker.io");

	CHECK_STR(parse_err("x = [1, 2]\n"), "t.conf:1: only arrays of strings are understood");
	CHECK_STR(parse_err("a = \"open\n"), "t.conf:1: unterminated string");
	CHECK_STR(parse_err("\n\n[[registry]]\ninsecure = \"yes\"\n"), "t.conf:4: expected true or false");
	CHECK_STR(parse_err("[[registry.mirror]]\n"), "t.conf:1: [[registry.mirror]] before any [[registry]]");
	CHECK_STR(parse_err("[[registry]]\nblocked = true\n"), "t.conf: a [[registry]] has neither prefix nor location");
	CHECK_STR(parse_err("key \"v\"\n"), "t.conf:1: expected '='");
	CHECK_STR(parse_err("k = \"v\" x\n"), "t.conf:1: unexpected text after value");
	/* A backslash just before the end: the string ends there. What follows the NUL (a
	 * quote, then a whole setting) must never be read: parsing it would succeed. */
	static const char tail[] = "k = \"a\\\0\"\nunqualified-search-registries = [\"beyond.example\"]\n";
	CHECK_STR(parse_err(tail), "t.conf:1: unterminated string");
	CHECK_STR(parse_err("k = \"a\\\nb\"\n"), "t.conf:1: unterminated string");
	return unit_end();
}
