//config:config APPLET_VERSION
//config:	bool "version: cbox, target and linked library versions"
//config:	default y
//config:	help
//config:	  Prints cbox's version, the target arch, the enabled applets and the
//config:	  version of every linked library, each checked by a real call into it.
//applet:CB_APPLET(version, version_main, CB_NOSUID)
//cmd:CB_CMD("version", "", 0, 0, "", "Show cbox's version")
//usage:Print cbox's version, the target architecture, the enabled applets and the
//usage:version of every linked library. Each library is exercised by a call into it,
//usage:so a line here proves the library is in the binary. --format: podman's keys,
//usage:{{.Client.Version}} (and .Server.*, the same), APIVersion, OsArch, Os, Built.
/* version.c - cbox version */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <glib.h>
#include <seccomp.h>
#include <slirp/libslirp.h>
#include <sys/capability.h>
#include <zlib.h>
#include <zstd.h>

#include "cbox.h"
#include "digest.h"
#include "format.h"
#include "json.h"
#include "tls.h"

/* FIPS 180-2 vectors through cb_sha256 (CPU instructions when present, else BearSSL's
 * code): proves the hash cbox verifies every blob with is linked and right. */
static const char *sha256_check(void)
{
	static char million[1000000];
	char out[CB_DIGEST_LEN + 1];
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	int ok = 1;
	cb_sha256_digest(two, strlen(two), out);
	ok &= !strcmp(out, "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(million, 'a', sizeof(million));
	cb_sha256_digest(million, sizeof(million), out);
	ok &= !strcmp(out, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	if (!ok)
		return "sha256 BROKEN";
	return cb_sha256_hw() ? "sha256 ok, CPU instructions" : "sha256 ok";
}

static void lib(const char *name, const char *version, const char *note)
{
	printf("  %-11s %s%s%s%s\n", name, version, note ? " (" : "", note ? note : "", note ? ")" : "");
}

int version_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { "format", 'f', CB_OPT_ARG, 1 }, { 0 } };
	struct cb_opt_state st;
	const char *format = NULL;
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		format = st.arg;
	if (format) {
		cJSON *v = cJSON_CreateObject(), *c = cJSON_AddObjectToObject(v, "Client"), *items = cJSON_CreateArray();
		cJSON_AddStringToObject(c, "APIVersion", CB_VERSION);
		cJSON_AddStringToObject(c, "Version", CB_VERSION);
		cJSON_AddStringToObject(c, "GitCommit", "");
		cJSON_AddStringToObject(c, "BuiltTime", "");
		cJSON_AddNumberToObject(c, "Built", 0);
		cJSON_AddStringToObject(c, "OsArch", "linux/" CB_ARCH);
		cJSON_AddStringToObject(c, "Os", "linux");
		cJSON_AddItemToObject(v, "Server", cJSON_Duplicate(c, 1)); /* no service: the same */
		cJSON_AddItemToArray(items, v);
		struct cb_format_opts fo = { 0 };
		cb_err e;
		if (!strcmp(format, "json")) {
			char *t = cb_json_print(v);
			printf("%s\n", t);
			free(t);
		} else if (cb_format_print(format, items, &fo, &e) < 0) {
			fprintf(stderr, "Error: %s\n", e.msg);
			return CB_EXIT_FAIL;
		}
		return 0;
	}
	printf("cbox %s\narch: %s\nlibc: musl (static)\napplets:", CB_VERSION, CB_ARCH);
	for (int i = 0; i < cb_applet_count(); i++)
		printf(" %s", cb_applet_name(i));
	printf("\n");
	if (CFG_TLS) {
		const char *src = cb_tls_system_trust_source();
		if (src)
			printf("trust: %zu CA certificates from %s\n", cb_tls_trust_count(cb_tls_system_trust()), src);
		else
			printf("trust: no CA bundle found (use --cert-dir, SSL_CERT_FILE or CONFIG_EMBEDDED_CA)\n");
	}
	printf("libraries:\n");
	lib("BearSSL", CB_VER_BEARSSL, CFG_TLS ? sha256_check() : "sha256 only, no TLS");
	if (CFG_ZSTD)
		lib("zstd", ZSTD_versionString(), NULL);
	if (CFG_GZIP)
		lib("zlib", zlibVersion(), NULL);
	lib("cJSON", cJSON_Version(), NULL);
	if (CFG_LIBCAP) {
		char v[32];
		cap_value_t cap = -1;
		snprintf(v, sizeof(v), "%d.%d", LIBCAP_MAJOR, LIBCAP_MINOR);
		lib("libcap", v, cap_from_name("cap_sys_admin", &cap) == 0 && cap == CAP_SYS_ADMIN ?
				  "cap names ok" : "cap names BROKEN");
	}
	if (CFG_SECCOMP) {
		char v[32];
		const struct scmp_version *sv = seccomp_version();
		snprintf(v, sizeof(v), "%u.%u.%u", sv->major, sv->minor, sv->micro);
		lib("libseccomp", v, NULL);
	}
	if (CFG_SLIRP) {
		char v[32];
		lib("libslirp", slirp_version_string(), NULL);
		snprintf(v, sizeof(v), "%u.%u.%u", glib_major_version, glib_minor_version, glib_micro_version);
		lib("glib", v, "for libslirp");
	}
	return 0;
}
