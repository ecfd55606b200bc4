/* commit.h - new images from a layer tar: import (a rootfs tar, no parent) and commit
 * (a container's changes on top of its image). The tar goes through the same verified
 * layer pipeline as pull and load (safe unpacker, tar-split record), so save gives back
 * the very same layer and image ID. */
#ifndef CB_COMMIT_H
#define CB_COMMIT_H

#include <cjson/cJSON.h>

#include "store.h"

struct cb_commit_opts {
	const cJSON *base;           /* the parent image's index entry, or NULL (import) */
	const char *changes[64];     /* --change "CMD [...]" / "ENV=K=V" ... (Dockerfile syntax) */
	int nchanges;
	const char *message;         /* history comment, or NULL */
	const char *author;          /* or NULL */
	const char *created_by;      /* history created_by */
	const char *name;            /* a full reference to give the image, or NULL */
	const cJSON *args;           /* commit: the container's command line, which becomes the
	                              * new image's Entrypoint/Cmd (as podman's), or NULL */
};

/* The uncompressed tar stream becomes one new layer (on top of base's) and a new image;
 * id gets its ID ("sha256:..."). A bad --change fails before anything is stored. */
int cb_commit_tar(struct cb_store *s, struct cb_reader *tar, const struct cb_commit_opts *o,
		  char id[CB_DIGEST_LEN + 1], cb_err *e);

/* Apply one --change to an image config's "config" object, as podman reads it: the
 * instruction, then a space (or '=' when there is none) and its arguments. */
int cb_change_apply(cJSON *config, const char *change, cb_err *e);

/* The options import and commit share, for their option tables. */
enum { CB_COMMIT_O_CHANGE = 100, CB_COMMIT_O_MESSAGE, CB_COMMIT_O_QUIET };
#define CB_COMMIT_OPTIONS                                                                  \
	{ "change", 'c', CB_OPT_ARG, CB_COMMIT_O_CHANGE },                                 \
	{ "message", 'm', CB_OPT_ARG, CB_COMMIT_O_MESSAGE },                               \
	{ "quiet", 'q', CB_OPT_NONE, CB_COMMIT_O_QUIET }
/* One of those into o (-q changes nothing: the ID is all they print): 0, or -E2BIG
 * past 64 changes. */
int cb_commit_option(struct cb_commit_opts *o, int c, const char *arg, cb_err *e);

/* The operands "SOURCE [NAME]" from argv[ind]: the source, and the name in o->name (a
 * short one becomes localhost/NAME[:latest], as tag does; kept in name). NULL with *e
 * when they are not that. */
const char *cb_commit_operands(int argc, char **argv, int ind, struct cb_commit_opts *o, char *name, size_t n,
			       cb_err *e);

#endif
