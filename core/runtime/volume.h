/* volume.h - named and anonymous volumes: ROOT/volumes/NAME/_data (the files, made in
 * the storage's user namespace, so owned right in every id mapping) and
 * NAME/volume.json (podman's keys). -v/--mount specs are parsed here too. */
#ifndef CB_VOLUME_H
#define CB_VOLUME_H

#include <cjson/cJSON.h>

#include "mount.h"
#include "store.h"

/* One -v HOST:CTR[:OPTS] / NAME:CTR[:OPTS] / CTR value into *v (strings kept in it):
 * options ro, rw, z, Z (no SELinux here: ignored), U, O. */
int cb_volume_parse(const char *spec, struct cb_volume *v, cb_err *e);
/* One --mount type=bind|volume|tmpfs,source=,target=,ro[,...]: a volume into *v (1), or
 * a tmpfs into *t (2). */
int cb_mount_parse(const char *spec, struct cb_volume *v, struct cb_tmpfs *t, cb_err *e);
/* Two mounts on one destination: podman's "DEST: duplicate mount destination". */
int cb_mounts_check(const struct cb_volume *v, int nv, const struct cb_tmpfs *t, int nt, cb_err *e);
/* Named and anonymous volumes of a run: made when missing, v->src set to their _data
 * (a bind volume's device; a tmpfs volume's mount data, v->tmpfs set). */
int cb_volumes_resolve(struct cb_store *s, struct cb_volume *v, int nv, cb_err *e);

/* name NULL: an anonymous volume (a random 64-hex name, in name_out). -EEXIST when it
 * is there ("volume with name X already exists: volume already exists"). labels and
 * options ({"type": "bind"|"tmpfs", "device", "o", "uid", "gid", "nocopy"}, podman's
 * local driver's) may be NULL; unknown options are refused in podman's words. */
int cb_volume_create(struct cb_store *s, const char *name, const cJSON *labels, const cJSON *options,
		     char name_out[65], cb_err *e);
int cb_volume_exists(struct cb_store *s, const char *name);
/* Its volume.json with Mountpoint (caller deletes), or NULL with *e ("no such volume");
 * NeedsCopyUp is true while its _data is empty (the image's files are copied in then). */
cJSON *cb_volume_inspect(struct cb_store *s, const char *name, cb_err *e);
/* Every volume's name (malloc'd, caller frees each and the array), sorted. */
int cb_volume_names(struct cb_store *s, char ***names, int *n, cb_err *e);
/* The first container (id) whose config uses the volume: 1, else 0. */
int cb_volume_user(struct cb_store *s, const char *name, char id[65]);
/* Remove it; a volume in use is refused (-EBUSY, podman's words). */
int cb_volume_rm(struct cb_store *s, const char *name, cb_err *e);
/* The anonymous volumes a container's config.json lists go (rm -v, --rm). */
void cb_volume_rm_anon(struct cb_store *s, const cJSON *cfg);
/* The same for the container whose directory is dfd. */
void cb_volume_rm_anon_at(struct cb_store *s, int dfd);

/* A container's volumes and binds as podman's inspect shows them ("Mounts": Type, Name,
 * Source, Destination, Driver, Mode, Options, RW, Propagation). */
cJSON *cb_volume_mounts(const cJSON *cfg);

#endif
