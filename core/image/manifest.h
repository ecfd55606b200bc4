/* manifest.h - OCI index / Docker manifest list, OCI / Docker schema2 manifests, image
 * configs; platform choice; chain IDs. */
#ifndef CB_MANIFEST_H
#define CB_MANIFEST_H

#include "cbox.h"
#include "digest.h"

#define CB_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define CB_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define CB_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define CB_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define CB_MANIFEST_ACCEPT \
	CB_MT_OCI_INDEX ", " CB_MT_DOCKER_LIST ", " CB_MT_OCI_MANIFEST ", " CB_MT_DOCKER_MANIFEST

enum cb_manifest_kind { CB_MANIFEST_INDEX, CB_MANIFEST_IMAGE };

struct cb_platform {
	char os[32], arch[32], variant[16];
};

struct cb_layer_desc {
	char digest[CB_DIGEST_LEN + 1];
	char diff_id[CB_DIGEST_LEN + 1];  /* from the config */
	char chain_id[CB_DIGEST_LEN + 1]; /* computed */
	long long size;
	int compression; /* enum cb_compression values: 1 none, 2 gzip, 3 zstd */
};

struct cb_manifest {
	enum cb_manifest_kind kind;
	char media_type[96];
	/* image manifest */
	char config_digest[CB_DIGEST_LEN + 1];
	long long config_size;
	struct cb_layer_desc *layers;
	int nlayers;
};

/* Classify and parse a manifest document. content_type is the HTTP Content-Type or the
 * descriptor's mediaType (may be NULL); it must agree with the document's own mediaType
 * and shape, or the document is refused as ambiguous. */
int cb_manifest_parse(const char *doc, size_t len, const char *content_type, struct cb_manifest *m,
		      cb_err *e);
void cb_manifest_free(struct cb_manifest *m);

/* The host's platform (linux/amd64, linux/arm64/v8, linux/arm/v7, ...). */
void cb_platform_host(struct cb_platform *p);
/* Same os and arch, and the variant when both name one. */
int cb_platform_matches(const struct cb_platform *want, const struct cb_platform *got);
/* "os/arch[/variant]" */
int cb_platform_parse(const char *s, struct cb_platform *p, cb_err *e);
/* From an index: the manifest digest for the platform; when none matches, the error lists
 * the platforms the image has. */
int cb_index_select(const char *doc, const struct cb_platform *want, char *digest, char *media_type,
		    size_t mt_len, cb_err *e);

/* The OCI layer media type for a compression (1 none, 2 gzip, 3 zstd). */
const char *cb_layer_media_type(int compression);

/* Fill diff_ids and chain_ids from the config; check the counts and the platform. */
int cb_config_apply(struct cb_manifest *m, const char *config, struct cb_platform *got, cb_err *e);

#endif
