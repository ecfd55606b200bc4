/* container.h - a container in the store: containers/<id>/ with config.json, the
 * generated /etc files and its rootfs (overlay upper/work/merged, or a vfs copy); run
 * it in new namespaces and wait for it. */
#ifndef CB_CONTAINER_H
#define CB_CONTAINER_H

#include <cjson/cJSON.h>

#include "mount.h"
#include "net.h"
#include "proc.h"
#include "store.h"

struct cb_run_opts {
	const char *name;     /* --name, or NULL for a generated one */
	const char *hostname; /* --hostname, or NULL: the id's first 12 characters */
	const char *image_name;
	const char *driver;   /* --storage-driver, or NULL */
	int rm, readonly;
	struct cb_net *net;   /* --network, -p, --dns, --add-host */
	int rootless;         /* the caller is not root: we are 0 in a user namespace */
	int single_map;       /* ... with the single mapping: only id 0 exists */
	int keep_id;          /* --userns=keep-id (rootless only: as root nothing changes) */
	const struct cb_volume *vols;
	int nvols;
	struct cb_proc_opts proc;
};

/* Create the container for image entry img (from the index), run it, wait: *status is
 * the command's exit status (128+n for a signal), or 125/126/127 with *e filled when it
 * could not start. Returns 0 when *status is meaningful, else a negative errno with *e. */
int cb_container_run(struct cb_store *s, const cJSON *img, const struct cb_run_opts *o, int *status, cb_err *e);

/* The first container whose config.json has key == value (its id in id): 1, else 0. */
int cb_container_find(struct cb_store *s, const char *key, const char *value, char *id, size_t n);

#endif
