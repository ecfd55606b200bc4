/* runopts_test.c - run's and create's command line (core/cli/runopts.c) and the resolv.conf
 * that --dns-search and --dns-option make. */
#include <stdlib.h>

#include "ctrconf.h"
#include "runopts.h"
#include "unit.h"

#define ARGV(...) (char *[]){ "run", __VA_ARGS__, NULL }

/* argv up to its NULL */
static int parse(char **argv, struct cb_runopts *r, cb_err *e)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	return cb_runopts_parse(r, argc, argv, e);
}

static void good(void)
{
	struct cb_runopts r;
	cb_err e;
	CHECK(parse(ARGV("--name", "web", "-l", "a=1", "--annotation", "x=y", "--stop-signal", "USR1", "--stop-timeout",
			 "3", "--restart", "on-failure:2", "--uts", "host", "--ipc=host", "--pid", "private", "--group-add",
			 "wheel", "--preserve-fds", "2", "--sig-proxy=false", "--no-hosts", "--dns-search", "example.com",
			 "--dns-option", "ndots:2", "--replace", "--cidfile", "/tmp/x", "-q", "--network", "none", "img",
			 "cmd", "arg"),
		    &r, &e) == 0);
	CHECK_STR(r.o.name, "web");
	CHECK(r.o.nlabels == 1 && !strcmp(r.o.labels[0], "a=1"));
	CHECK(r.o.nannotations == 1 && !strcmp(r.o.annotations[0], "x=y"));
	CHECK_STR(r.o.stop_signal, "USR1");
	CHECK(r.o.stop_timeout == 3);
	CHECK_STR(r.o.restart, "on-failure:2");
	CHECK(r.o.host_ns == (CB_HOST_UTS | CB_HOST_IPC));
	CHECK(r.o.proc.ngroups_add == 1 && !strcmp(r.o.proc.groups_add[0], "wheel"));
	CHECK(r.o.proc.preserve_fds == 2);
	CHECK(!r.o.sig_proxy && r.o.no_hosts && r.replace && r.po.quiet);
	CHECK_STR(r.cidfile, "/tmp/x");
	CHECK(r.net.ndns_search == 1 && r.net.ndns_opts == 1);
	CHECK_STR(r.image, "img");
	CHECK(r.o.proc.ncmd == 2 && !strcmp(r.o.proc.cmd[1], "arg"));
	/* the defaults */
	CHECK(parse(ARGV("img"), &r, &e) == 0);
	CHECK(r.o.sig_proxy && r.o.stop_timeout == -1 && !r.o.restart && !r.o.host_ns && !r.o.nbinds);
	CHECK_STR(r.pull, "missing");
	/* --device: HOST:CTR:PERMS, HOST:PERMS, HOST */
	CHECK(parse(ARGV("--device", "/dev/null:/dev/n:r", "--device", "/dev/zero:rw", "--device", "/dev/full", "img"), &r,
		    &e) == 0);
	CHECK(r.o.nbinds == 3);
	CHECK(!strcmp(r.o.binds[0].src, "/dev/null") && !strcmp(r.o.binds[0].dst, "/dev/n") && r.o.binds[0].ro);
	CHECK(!strcmp(r.o.binds[1].dst, "/dev/zero") && !r.o.binds[1].ro);
	CHECK(!strcmp(r.o.binds[2].dst, "/dev/full") && !r.o.binds[2].ro);
	/* --os/--arch/--variant make the platform */
	CHECK(parse(ARGV("--arch", "arm64", "--variant", "v8", "img"), &r, &e) == 0);
	CHECK(r.platform_set && !strcmp(r.po.platform.arch, "arm64") && !strcmp(r.po.platform.variant, "v8"));
}

/* Each refusal: -EINVAL, its words, the hint only for a bad option or value. */
static void bad(void)
{
	static const struct {
		const char *opt, *val, *msg;
		int hint;
	} t[] = {
		{ "--restart", "sometimes", "invalid restart policy", 0 },
		{ "--restart", "on-failure:x", "restart count must be a non-negative number", 0 },
		{ "--pid", "container", "want host or private", 1 },
		{ "--stop-signal", "NOPE", "invalid signal", 0 },
		{ "--stop-timeout", "-1", "want a number", 1 },
		{ "--preserve-fds", "x", "want a number", 1 },
		{ "--device", "dev/null", "invalid argument", 0 },
		{ "--device", "/nonexistent/dev", "stat /nonexistent/dev: no such file or directory", 0 },
		{ "--device", "/etc/passwd", "not a device node", 0 },
		{ "--device", "/dev/null:rwx", "invalid argument", 0 },
		{ "--label", "=v", "no key", 0 },
		{ "--tz", "Nowhere/../../etc/passwd", "unknown time zone", 0 },
		{ "--pull", "sometimes", "want missing, always, newer or never", 1 },
		{ "--bogus-flag", "x", "bogus-flag", 1 },
	};
	for (size_t i = 0; i < CB_ARRAY_SIZE(t); i++) {
		struct cb_runopts r;
		cb_err e = { 0 };
		char *argv[] = { "run", (char *)t[i].opt, (char *)t[i].val, "img", NULL };
		int k = parse(argv, &r, &e);
		CHECK(k < 0 && k != CB_OPT_HELP);
		CHECK(strstr(e.msg, t[i].msg) != NULL);
		CHECK(r.hint == t[i].hint);
		if (!strstr(e.msg, t[i].msg) || r.hint != t[i].hint)
			printf("# %s %s: '%s' hint %d\n", t[i].opt, t[i].val, e.msg, r.hint);
	}
	struct cb_runopts r;
	cb_err e;
	CHECK(parse(ARGV("--rm", "--restart", "always", "img"), &r, &e) == -EINVAL);
	CHECK(strstr(e.msg, "conflicts with --restart") != NULL);
	CHECK(parse(ARGV("--help"), &r, &e) == CB_OPT_HELP);
}

static void resolv(void)
{
	struct cb_net n;
	cb_err e;
	char buf[1024];
	const char *host = "nameserver 192.0.2.1\nsearch lan\noptions edns0\n";
	CHECK(cb_net_init(&n, 4, &e) == 0);
	n.mode = CB_NET_HOST;
	snprintf(buf, sizeof(buf), "%s", host);
	size_t len = cb_net_resolv(&n, buf, strlen(buf), sizeof(buf) - 1);
	buf[len] = '\0';
	CHECK_STR(buf, host); /* nothing asked: the host's, as it is */
	n.dns_search[n.ndns_search++] = "example.com";
	n.dns_search[n.ndns_search++] = "b.org";
	n.dns_opts[n.ndns_opts++] = "ndots:2";
	snprintf(buf, sizeof(buf), "%s", host);
	len = cb_net_resolv(&n, buf, strlen(buf), sizeof(buf) - 1);
	buf[len] = '\0';
	CHECK_STR(buf, "search example.com b.org\nnameserver 192.0.2.1\noptions ndots:2\n"); /* podman's order */
	/* slirp: its resolver; "." means no search at all */
	n.mode = CB_NET_SLIRP;
	n.ndns_opts = 0;
	n.ndns_search = 1;
	n.dns_search[0] = ".";
	snprintf(buf, sizeof(buf), "%s", host);
	len = cb_net_resolv(&n, buf, strlen(buf), sizeof(buf) - 1);
	buf[len] = '\0';
	CHECK_STR(buf, "nameserver 10.0.2.3\noptions edns0\n");
	/* --dns as podman writes it; one on the host's loopback becomes the forwarder */
	n.ndns_search = 0;
	n.dns[n.ndns++] = "127.0.0.53";
	n.dns[n.ndns++] = "192.0.2.7";
	snprintf(buf, sizeof(buf), "%s", host);
	len = cb_net_resolv(&n, buf, strlen(buf), sizeof(buf) - 1);
	buf[len] = '\0';
	CHECK_STR(buf, "search lan\nnameserver 10.0.2.3\nnameserver 192.0.2.7\noptions edns0\n");
	cb_net_free(&n);
}

/* containers.conf: the [containers] keys, arrays over lines, comments, other tables */
static void ctrconf(void)
{
	struct cb_ctrconf c;
	memset(&c, 0, sizeof(c));
	cb_ctrconf_parse(&c, "[engine]\nbase_hosts_file = \"/no\"\n[containers]\n# a comment\n"
			     "base_hosts_file = \"/etc/base\"  # trailing\nhost_containers_internal_ip = '10.1.2.3'\n"
			     "dns_servers = [\n  \"1.1.1.1\", # one\n  \"8.8.8.8\",\n]\ndns_searches=[\"a.com\"]\n"
			     "log_driver = \"k8s-file\"\n[network]\ndns_options = [\"x\"]\n");
	CHECK_STR(c.base_hosts_file, "/etc/base");
	CHECK_STR(c.host_containers_internal_ip, "10.1.2.3");
	CHECK(c.ndns_servers == 2 && c.ndns_searches == 1 && c.ndns_options == 0);
	CHECK_STR(c.dns_servers[1], "8.8.8.8");
	CHECK_STR(c.dns_searches[0], "a.com");
}

int main(void)
{
	unit_name = "runopts";
	good();
	bad();
	resolv();
	ctrconf();
	return unit_end();
}
