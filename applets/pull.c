//config:config APPLET_PULL
//config:	bool "pull: fetch an image from a registry"
//config:	default y
//config:	depends on TLS
//applet:CB_APPLET(pull, pull_main, CB_NOSUID)
//usage:Usage: cbox pull [OPTIONS] IMAGE
//usage:
//usage:Pull an image from a registry into the store. Layers download in parallel and
//usage:are unpacked as they arrive; an interrupted pull resumes where it stopped.
//usage:
//usage:      --platform OS/ARCH[/VARIANT]  the platform to pull (default: this host's)
//usage:      --arch ARCH, --os OS, --variant V
//usage:      --tls-verify=false            accept any certificate (and plain HTTP)
//usage:      --cert-dir DIR                CA certificates (*.crt) for the registry
//usage:      --creds USER[:PASS]           credentials (default: auth.json)
//usage:      --retry N                     retries per layer on cut connections (3)
//usage:      --retry-delay MS              first retry delay, doubling (1000)
//usage:  -q, --quiet                       print only the image ID
/* pull.c - cbox pull */
#include <stdio.h>
#include <string.h>

#include "idmap.h"
#include "pull.h"

int pull_main(int argc, char **argv)
{
	enum { O_ARCH = 1, O_OS, O_VARIANT, O_RETRY, O_DELAY, O_QUIET };
	static const struct cb_option opts[] = {
		CB_PULL_OPTIONS,
		{ "arch", 0, CB_OPT_ARG, O_ARCH },
		{ "os", 0, CB_OPT_ARG, O_OS },
		{ "variant", 0, CB_OPT_ARG, O_VARIANT },
		{ "retry", 0, CB_OPT_ARG, O_RETRY },
		{ "retry-delay", 0, CB_OPT_ARG, O_DELAY },
		{ "quiet", 'q', CB_OPT_NONE, O_QUIET },
		{ 0 },
	};
	struct cb_pull_opts o;
	struct cb_opt_state st;
	cb_err e;
	char *end;
	int c;
	cb_pull_opts_default(&o);
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		switch (c) {
		case O_ARCH:
			snprintf(o.platform.arch, sizeof(o.platform.arch), "%s", st.arg);
			o.platform.variant[0] = '\0';
			break;
		case O_OS:
			snprintf(o.platform.os, sizeof(o.platform.os), "%s", st.arg);
			break;
		case O_VARIANT:
			snprintf(o.platform.variant, sizeof(o.platform.variant), "%s", st.arg);
			break;
		case O_RETRY:
		case O_DELAY: {
			long v = strtol(st.arg, &end, 10);
			if (*end || v < 0 || v > 1000000) {
				fprintf(stderr, "Error: --%s: not a number: '%s'\n", c == O_RETRY ? "retry" : "retry-delay", st.arg);
				return CB_EXIT_FAIL;
			}
			*(c == O_RETRY ? &o.retries : &o.retry_delay_ms) = (int)v;
			break;
		}
		case O_QUIET:
			o.quiet = 1;
			break;
		default:
			if (cb_pull_opt(&o, c, st.arg, &e) < 0)
				cb_die(&e);
		}
	}
	if (argc - st.ind != 1) {
		cb_usage_error("name exactly one image");
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	char id[CB_DIGEST_LEN + 1];
	/* Unpacking as the caller needs a user namespace where the caller is 0. */
	if (cb_userns_enter(&e) < 0 || cb_store_open(&s, cb_opt_root, &e) < 0 ||
	    cb_pull(&s, argv[st.ind], &o, id, &e) < 0)
		cb_die(&e);
	printf("%s\n", id + 7);
	return 0;
}
