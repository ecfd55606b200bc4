//config:config APPLET_VERSION
//config:	bool "version: cbox, target and linked library versions"
//config:	default y
//config:	help
//config:	  Prints cbox's version, the target arch, the enabled applets and the
//config:	  version of every linked library, each checked by a real call into it.
//applet:CB_APPLET(version, version_main, CB_NOSUID)
//usage:Usage: cbox version
//usage:
//usage:Print cbox's version, the target architecture, the enabled applets and the
//usage:version of every linked library. Each library is exercised by a call into it,
//usage:so a line here proves the library is in the binary.
/* version.c - cbox version */
#include <stdio.h>
#include <string.h>

#include <bearssl.h>
#include <cjson/cJSON.h>
#include <glib.h>
#include <seccomp.h>
#include <slirp/libslirp.h>
#include <sys/capability.h>
#include <zlib.h>
#include <zstd.h>

#include "cbox.h"

/* SHA-256("abc"), FIPS 180-2 appendix B.1: proves BearSSL's code is linked and works. */
static const char *bearssl_check(void)
{
	static const unsigned char want[4] = { 0xba, 0x78, 0x16, 0xbf };
	unsigned char out[32];
	br_sha256_context c;
	br_sha256_init(&c);
	br_sha256_update(&c, "abc", 3);
	br_sha256_out(&c, out);
	return memcmp(out, want, sizeof(want)) == 0 ? "sha256 ok" : "sha256 BROKEN";
}

static void lib(const char *name, const char *version, const char *note)
{
	printf("  %-11s %s%s%s%s\n", name, version, note ? " (" : "", note ? note : "", note ? ")" : "");
}

int version_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { 0 } };
	struct cb_opt_state st;
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		;
	printf("cbox %s\narch: %s\nlibc: musl (static)\napplets:", CB_VERSION, CB_ARCH);
	for (int i = 0; i < cb_applet_count(); i++)
		printf(" %s", cb_applet_name(i));
	printf("\nlibraries:\n");
	if (CFG_TLS)
		lib("BearSSL", CB_VER_BEARSSL, bearssl_check());
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
