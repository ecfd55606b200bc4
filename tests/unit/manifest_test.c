/* manifest_test.c - manifest kinds, ambiguity, platform choice, chain IDs. */
#include "manifest.h"
#include "unit.h"

#define H(c) "sha256:" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

static const char index_doc[] =
	"{\"schemaVersion\":2,\"mediaType\":\"" CB_MT_OCI_INDEX "\",\"manifests\":["
	"{\"mediaType\":\"" CB_MT_OCI_MANIFEST "\",\"digest\":\"" H("a") "\",\"size\":10,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
	"{\"mediaType\":\"" CB_MT_OCI_MANIFEST "\",\"digest\":\"" H("b") "\",\"size\":10,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
	"{\"mediaType\":\"" CB_MT_OCI_MANIFEST "\",\"digest\":\"" H("c") "\",\"size\":10,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}}]}";

static const char image_doc[] =
	"{\"schemaVersion\":2,\"mediaType\":\"" CB_MT_DOCKER_MANIFEST "\","
	"\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"" H("c") "\",\"size\":5},"
	"\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"digest\":\"" H("d") "\",\"size\":7},"
	"{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"" H("e") "\",\"size\":8}]}";

static const char *perr(const char *doc, const char *ct)
{
	static cb_err e;
	struct cb_manifest m;
	if (cb_manifest_parse(doc, strlen(doc), ct, &m, &e) == 0) {
		cb_manifest_free(&m);
		return "ok";
	}
	return e.msg;
}

static const char *pick(const char *plat)
{
	static char out[300];
	struct cb_platform p;
	char dg[CB_DIGEST_LEN + 1], mt[96];
	cb_err e;
	if (cb_platform_parse(plat, &p, &e) < 0 || cb_index_select(index_doc, &p, dg, mt, sizeof(mt), &e) < 0) {
		snprintf(out, sizeof(out), "ERR %s", e.msg);
		return out;
	}
	snprintf(out, sizeof(out), "%c", dg[7]);
	return out;
}

int main(void)
{
	unit_name = "manifest";
	struct cb_manifest m;
	cb_err e;
	CHECK(cb_manifest_parse(index_doc, strlen(index_doc), CB_MT_OCI_INDEX, &m, &e) == 0 && m.kind == CB_MANIFEST_INDEX);
	CHECK(cb_manifest_parse(image_doc, strlen(image_doc), CB_MT_DOCKER_MANIFEST "; charset=utf-8", &m, &e) == 0);
	CHECK(m.kind == CB_MANIFEST_IMAGE && m.nlayers == 2);
	CHECK_STR(m.config_digest, H("c"));
	CHECK(m.layers[0].compression == 2 && m.layers[1].compression == 3 && m.layers[1].size == 8);

	/* Chain IDs: the first is the diff_id, then sha256("prev next"). */
	const char cfg[] = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" H("1") "\",\"" H("2") "\"]}}";
	struct cb_platform got;
	CHECK(cb_config_apply(&m, cfg, &got, &e) == 0);
	CHECK_STR(m.layers[0].chain_id, H("1"));
	char want[CB_DIGEST_LEN + 1];
	cb_sha256_digest(H("1") " " H("2"), 2 * CB_DIGEST_LEN + 1, want);
	CHECK_STR(m.layers[1].chain_id, want);
	CHECK_STR(got.arch, "amd64");
	const char cfg1[] = "{\"rootfs\":{\"diff_ids\":[\"" H("1") "\"]}}";
	CHECK(cb_config_apply(&m, cfg1, NULL, &e) < 0);
	CHECK_STR(e.msg, "config " H("c") ": 1 diff_ids for 2 layers");
	cb_manifest_free(&m);

	CHECK_STR(perr(image_doc, CB_MT_OCI_INDEX), "manifest: mediaType " CB_MT_DOCKER_MANIFEST " disagrees with Content-Type " CB_MT_OCI_INDEX);
	CHECK_STR(perr("{\"schemaVersion\":2,\"manifests\":[],\"layers\":[]}", NULL), "manifest: ambiguous document (both manifests and layers)");
	CHECK_STR(perr("{\"schemaVersion\":2,\"mediaType\":\"" CB_MT_OCI_INDEX "\",\"layers\":[]}", NULL), "manifest: " CB_MT_OCI_INDEX " without a manifests list");
	CHECK_STR(perr("{\"schemaVersion\":1}", NULL), "Docker schema 1 manifests are not supported (deprecated)");
	CHECK_STR(perr("[1]", NULL), "manifest is not a JSON object");
	CHECK_STR(perr("{\"schemaVersion\":2,\"mediaType\":\"text/plain\"}", NULL), "manifest: unsupported media type 'text/plain'");
	CHECK_STR(perr("{\"schemaVersion\":2,\"mediaType\":\"" CB_MT_OCI_MANIFEST "\",\"config\":{\"digest\":\"sha256:../x\",\"size\":1},\"layers\":[]}", NULL),
		  "config: invalid digest 'sha256:../x'");
	CHECK_STR(perr("{\"schemaVersion\":2,\"config\":{\"digest\":\"" H("c") "\",\"size\":1},\"layers\":[{\"mediaType\":\"x/y\",\"digest\":\"" H("d") "\",\"size\":1}]}", NULL),
		  "layer " H("d") ": unsupported media type 'x/y'");

	CHECK_STR(pick("linux/amd64"), "a");
	CHECK_STR(pick("linux/arm64"), "b");
	CHECK_STR(pick("linux/aarch64"), "b");
	CHECK_STR(pick("linux/arm64/v8"), "b");
	CHECK_STR(pick("linux/arm/v7"), "c");
	CHECK_STR(pick("linux/s390x"), "ERR no image for platform linux/s390x (the image has: linux/amd64, linux/arm64/v8, linux/arm/v7)");
	CHECK_STR(pick("linux"), "ERR invalid platform 'linux' (want os/arch[/variant])");
	struct cb_platform host;
	cb_platform_host(&host);
	CHECK_STR(host.os, "linux");
	CHECK(host.arch[0] != '\0');
	return unit_end();
}
