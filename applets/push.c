//config:config APPLET_PUSH
//config:	bool "push: an image to a registry"
//config:	default y
//config:	depends on TLS
//applet:CB_APPLET(push, push_main, CB_NOSUID)
//usage:Usage: cbox push [OPTIONS] IMAGE [DESTINATION]
//usage:
//usage:Push an image from the store to a registry, as [docker://]REGISTRY/REPO[:TAG]
//usage:(default: the image's own name). Layers are rebuilt from the store and gzipped;
//usage:blobs the registry already has are not sent again.
//usage:
//usage:      --authfile FILE               credentials from FILE (default: auth.json)
//usage:      --creds USER[:PASS]           credentials for the registry
//usage:      --tls-verify=false            accept any certificate (and plain HTTP)
//usage:      --cert-dir DIR                CA certificates (*.crt) for the registry
//usage:      --digestfile FILE             write the pushed manifest's digest to FILE
//usage:  -f, --format oci|v2s2|docker      the manifest type (default: the image's own)
//usage:      --compression-format gzip     (the only one)
//usage:  -q, --quiet                       no progress lines
//usage:      --disable-content-trust, --remove-signatures, --compress   accepted, no effect
/* push.c - cbox push */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "idmap.h"
#include "image.h"
#include "push.h"

int push_main(int argc, char **argv)
{
	enum { O_AUTHFILE = 1, O_CREDS, O_TLS, O_CERTDIR, O_DIGESTFILE, O_FORMAT, O_COMPFMT, O_QUIET, O_NOOP, O_SIGN };
	static const struct cb_option opts[] = {
		{ "authfile", 0, CB_OPT_ARG, O_AUTHFILE },
		{ "creds", 0, CB_OPT_ARG, O_CREDS },
		{ "tls-verify", 0, CB_OPT_BOOL, O_TLS },
		{ "cert-dir", 0, CB_OPT_ARG, O_CERTDIR },
		{ "digestfile", 0, CB_OPT_ARG, O_DIGESTFILE },
		{ "format", 'f', CB_OPT_ARG, O_FORMAT },
		{ "compression-format", 0, CB_OPT_ARG, O_COMPFMT },
		{ "quiet", 'q', CB_OPT_NONE, O_QUIET },
		{ "disable-content-trust", 0, CB_OPT_NONE, O_NOOP },
		{ "remove-signatures", 0, CB_OPT_NONE, O_NOOP },
		{ "compress", 0, CB_OPT_NONE, O_NOOP },
		{ "sign-by", 0, CB_OPT_ARG, O_SIGN },
		{ "sign-by-sigstore-private-key", 0, CB_OPT_ARG, O_SIGN },
		{ "sign-passphrase-file", 0, CB_OPT_ARG, O_SIGN },
		{ 0 },
	};
	struct cb_push_opts o = { .tls_verify = 1 };
	const char *digestfile = NULL;
	struct cb_opt_state st;
	cb_err e;
	int c;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		switch (c) {
		case O_AUTHFILE:
			setenv("REGISTRY_AUTH_FILE", st.arg, 1);
			break;
		case O_CREDS:
			o.creds = st.arg;
			break;
		case O_TLS:
			o.tls_verify = !strcmp(st.arg, "true");
			break;
		case O_CERTDIR:
			o.cert_dir = st.arg;
			break;
		case O_DIGESTFILE:
			digestfile = st.arg;
			break;
		case O_FORMAT:
			if (!strcmp(st.arg, "oci")) {
				o.format = CB_PUSH_OCI;
			} else if (!strcmp(st.arg, "v2s2") || !strcmp(st.arg, "docker")) {
				o.format = CB_PUSH_V2S2;
			} else {
				fprintf(stderr, "Error: unsupported manifest type '%s': oci or v2s2 (v2s1 is not written)\n",
					st.arg);
				return CB_EXIT_FAIL;
			}
			break;
		case O_COMPFMT:
			if (strcmp(st.arg, "gzip")) {
				fprintf(stderr, "Error: --compression-format %s: only gzip is written\n", st.arg);
				return CB_EXIT_FAIL;
			}
			break;
		case O_QUIET:
			o.quiet = 1;
			break;
		case O_SIGN:
			fprintf(stderr, "Error: signing is not supported\n");
			return CB_EXIT_FAIL;
		}
	}
	int nargs = argc - st.ind;
	if (nargs < 1 || nargs > 2) {
		cb_usage_error("%s",
			nargs < 1 ? "requires at least 1 arg(s), only received 0"
				  : "accepts at most 2 arg(s), received 3 or more");
		return CB_EXIT_FAIL;
	}
	const char *image = argv[st.ind], *dest = nargs == 2 ? argv[st.ind + 1] : NULL;
	struct cb_store s;
	struct cb_regconf rc;
	cJSON *index, *img;
	char matched[700], digest[CB_DIGEST_LEN + 1];
	if (cb_store_open(&s, cb_opt_root, &e) < 0 || cb_regconf_load(&rc, &e) < 0 ||
	    cb_store_index_load(&s, &index, &e) < 0)
		cb_die(&e);
	if (!(img = cb_image_lookup(index, image, &rc, matched, sizeof(matched), &e)))
		cb_die(&e);
	if (!dest && !matched[0]) {
		fprintf(stderr, "Error: %s: an image ID has no name to push to: name a DESTINATION\n", image);
		return CB_EXIT_FAIL;
	}
	/* The digest file is the caller's: opened before the user namespace. */
	int dfd = -1;
	if (digestfile && (dfd = open(digestfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		cb_fail_errno(&e, errno, "%s", digestfile);
		cb_die(&e);
	}
	/* Rootless: as 0 in our namespace, every file of our layers is readable. */
	if (cb_userns_enter(&e) < 0 || cb_push(&s, img, dest ? dest : matched, &o, digest, &e) < 0)
		cb_die(&e);
	if (dfd >= 0 && (write(dfd, digest, strlen(digest)) != (ssize_t)strlen(digest) || close(dfd) < 0)) {
		cb_fail_errno(&e, errno, "%s", digestfile);
		cb_die(&e);
	}
	cJSON_Delete(index);
	cb_regconf_free(&rc);
	return 0;
}
