/* ref_test.c - image references and digests. */
#include "digest.h"
#include "ref.h"
#include "unit.h"

static const char *fmt(const char *in)
{
	static char out[600];
	struct cb_ref r;
	cb_err e;
	if (cb_ref_parse(in, &r, &e) < 0) {
		snprintf(out, sizeof(out), "ERR %s", e.msg);
		return out;
	}
	if (!r.registry[0] && cb_ref_qualify(&r, "docker.io", &e) < 0)
		return "ERR qualify";
	cb_ref_format(&r, out, sizeof(out));
	return out;
}

#define D "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

int main(void)
{
	unit_name = "ref";
	CHECK_STR(fmt("alpine"), "docker.io/library/alpine:latest");
	/* a whole name past 255 characters (its formatted form would not parse again) */
	{
		char longname[300];
		memset(longname, 'a', 250);
		strcpy(longname + 250, "/bbbbbb");
		CHECK(strncmp(fmt(longname), "ERR invalid reference", 21) == 0);
		longname[240] = '\0'; /* 240 + docker.io/library/ = 258 */
		CHECK(strncmp(fmt(longname), "ERR qualify", 11) == 0);
	}
	CHECK_STR(fmt("alpine:3.19"), "docker.io/library/alpine:3.19");
	CHECK_STR(fmt("library/alpine"), "docker.io/library/alpine:latest");
	CHECK_STR(fmt("docker.io/alpine"), "docker.io/library/alpine:latest");
	CHECK_STR(fmt("index.docker.io/foo/bar:1"), "docker.io/foo/bar:1");
	CHECK_STR(fmt("quay.io/podman/stable:v4"), "quay.io/podman/stable:v4");
	CHECK_STR(fmt("localhost/x"), "localhost/x:latest");
	CHECK_STR(fmt("localhost:5000/a/b/c"), "localhost:5000/a/b/c:latest");
	CHECK_STR(fmt("127.0.0.1:5000/busybox@" D), "127.0.0.1:5000/busybox@" D);
	CHECK_STR(fmt("host.example/x:tag@" D), "host.example/x:tag@" D);
	CHECK_STR(fmt("[::1]:5000/x"), "[::1]:5000/x:latest");
	CHECK_STR(fmt("my-org/my_app__x.y-z"), "docker.io/my-org/my_app__x.y-z:latest");

	CHECK_STR(fmt(""), "ERR empty image reference");
	CHECK_STR(fmt("Alpine"), "ERR invalid reference 'Alpine': repository name must be lowercase");
	CHECK_STR(fmt("alpine:"), "ERR invalid reference 'alpine:': bad tag ''");
	CHECK_STR(fmt("alpine:-x"), "ERR invalid reference 'alpine:-x': bad tag '-x'");
	CHECK_STR(fmt("a//b"), "ERR invalid reference 'a//b': bad repository name 'a//b'");
	CHECK_STR(fmt("a/b_-c"), "ERR invalid reference 'a/b_-c': bad repository name 'a/b_-c'");
	CHECK_STR(fmt("foo/"), "ERR invalid reference 'foo/': bad repository name 'foo/'");
	CHECK_STR(fmt("x@sha256:abc"), "ERR x@sha256:abc: invalid digest 'sha256:abc'");
	CHECK_STR(fmt("x@md5:0123"), "ERR x@md5:0123: unsupported digest algorithm in 'md5:0123' (only sha256)");
	CHECK_STR(fmt("bad_host.io:99999999/x"), "ERR invalid reference 'bad_host.io:99999999/x': bad registry 'bad_host.io:99999999'");

	struct cb_ref r;
	cb_err e;
	CHECK(cb_ref_parse("busybox", &r, &e) == 0 && r.registry[0] == '\0');
	CHECK_STR(cb_registry_host("docker.io"), "registry-1.docker.io");
	CHECK_STR(cb_registry_host("127.0.0.1:5000"), "127.0.0.1:5000");

	CHECK(cb_digest_valid(D));
	CHECK(!cb_digest_valid("sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
	CHECK(!cb_digest_valid("sha256:../../../../etc/passwd000000000000000000000000000000000000000000"));
	CHECK(!cb_digest_valid(D "0"));
	char out[CB_DIGEST_LEN + 1];
	cb_sha256_digest("abc", 3, out);
	CHECK_STR(out, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	return unit_end();
}
