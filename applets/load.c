//config:config APPLET_LOAD
//config:	bool "load: images from docker-archive or oci-archive tarballs"
//config:	default y
//applet:CB_APPLET(load, load_main, CB_NOSUID)
//usage:Usage: cbox load [-i FILE] [-q]
//usage:
//usage:Load images from a docker-archive (podman/docker save, guix pack -f docker) or an
//usage:oci-archive, plain, gzip or zstd, from FILE or standard input. Layers and blobs are
//usage:verified against their digests as with pull.
//usage:
//usage:  -i, --input FILE   read FILE instead of standard input; an http:// or https://
//usage:                     URL is downloaded (as it is read)
//usage:  -q, --quiet        print nothing but errors
/* load.c - cbox load */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "idmap.h"
#include "load.h"

int load_main(int argc, char **argv)
{
	enum { O_INPUT = 1, O_QUIET };
	static const struct cb_option opts[] = {
		{ "input", 'i', CB_OPT_ARG, O_INPUT },
		{ "quiet", 'q', CB_OPT_NONE, O_QUIET },
		{ 0 },
	};
	const char *input = NULL;
	int quiet = 0, c;
	struct cb_opt_state st;
	cb_err e;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts)))
		if (c == O_INPUT)
			input = st.arg;
		else
			quiet = 1;
	if (st.ind < argc) {
		cb_usage_error("unexpected argument '%s'", argv[st.ind]);
		return CB_EXIT_FAIL;
	}
	int fd = 0;
	struct cb_reader in = cb_fd_reader(&fd);
	int url = input && (!strncmp(input, "http://", 7) || !strncmp(input, "https://", 8));
	struct cb_http_client *hc = url ? cb_http_client_new() : NULL;
	struct cb_http_response rs = { 0 };
	if (url && !CFG_TLS) {
		fprintf(stderr, "Error: %s: loading from a URL needs a build with TLS (this one has none)\n", input);
		return CB_EXIT_FAIL;
	}
	if (CFG_TLS && url) {
		struct cb_http_request rq = { .method = "GET", .url = input, .max_redirects = 5 };
		if ((!hc && cb_fail(&e, ENOMEM, "out of memory") < 0) || cb_http_do(hc, &rq, &rs, &e) < 0)
			cb_die(&e);
		if (rs.status != 200) {
			fprintf(stderr, "Error: %s: HTTP status %d\n", input, rs.status);
			return CB_EXIT_FAIL;
		}
		in = rs.body;
	} else if (input && (fd = open(input, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "Error: %s: %s\n", input, strerror(errno));
		return CB_EXIT_FAIL;
	}
	if (!input && isatty(0)) {
		fprintf(stderr, "Error: no archive: give -i FILE or pipe one in\n");
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	char *loaded = NULL;
	if (cb_userns_enter(&e) < 0 || cb_store_open(&s, cb_opt_root, &e) < 0)
		cb_die(&e);
	if (cb_load(&s, &in, &loaded, &e) < 0) {
		cb_err_prefix(&e, "load %s", input ? input : "(stdin)");
		cb_die(&e);
	}
	for (char *line = loaded; !quiet && line && *line;) {
		char *nl = strchr(line, '\n');
		printf("Loaded image: %.*s\n", (int)(nl - line), line);
		line = nl + 1;
	}
	free(loaded);
	return 0;
}
