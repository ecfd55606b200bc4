/* store.h - the storage root: content-addressed blobs, layers keyed by chain ID, the
 * image index. Every commit is write-temp, fsync, rename; writers hold flock locks. */
#ifndef CB_STORE_H
#define CB_STORE_H

#include <cjson/cJSON.h>

#include "cbox.h"
#include "digest.h"
#include "walk.h"

struct cb_store {
	char root[4096];
	int rootfd;
	int lockfd; /* the index lock, when held */
};

/* Root: opt, else $CBOX_ROOT, else $XDG_DATA_HOME/cbox or ~/.local/share/cbox, or
 * /var/lib/cbox for real root. Creates the layout when missing. */
int cb_store_open(struct cb_store *s, const char *root_opt, cb_err *e);
void cb_store_close(struct cb_store *s);

/* mkdir -p with mode for the directories it creates. */
int cb_mkdir_p(const char *path, int mode, cb_err *e);
/* Write data to dirfd/name atomically (temp file, fsync, rename, fsync dir). */
int cb_write_atomic(int dirfd, const char *name, const void *data, size_t len, int mode, cb_err *e);
/* The same, fsync'd only when sync: the files of a --rm container, gone at its end and
 * worthless after a crash, need not wait for the disk (10 fsyncs were a third of a run). */
int cb_write_replace(int dirfd, const char *name, const void *data, size_t len, int mode, int sync, cb_err *e);
/* A small file into buf, NUL-terminated, whatever size it reports (/proc's say 0): its
 * length, or -1. */
ssize_t cb_read_small_at(int dirfd, const char *path, char *buf, size_t n);
/* Read a whole (small) file; *data is NUL-terminated. */
int cb_read_file_at(int dirfd, const char *name, size_t max, char **data, size_t *len, cb_err *e);
/* The same, parsed as JSON (caller deletes); NULL with *e ("ROOT/NAME: not JSON"). */
cJSON *cb_store_read_json(struct cb_store *s, const char *name, size_t max, cb_err *e);
/* The entries of ROOT/dir that end in suffix ("" any) and, that cut, pass ok: their
 * names (without the suffix; malloc'd, caller frees each and the array), sorted. A
 * missing dir: none. */
int cb_store_names(struct cb_store *s, const char *dir, const char *suffix, int (*ok)(const char *), char ***names,
		   int *n, cb_err *e);

/* Blobs (manifests, configs): verified before they are stored and when they are read. */
int cb_store_put_blob(struct cb_store *s, const char *digest, const void *data, size_t len, cb_err *e);
int cb_store_get_blob(struct cb_store *s, const char *digest, char **data, size_t *len, cb_err *e);
int cb_store_has_blob(struct cb_store *s, const char *digest);

/* Layers: layers/<chain-hex>/ holds diff/ (the unpacked tree) once complete. */
int cb_store_has_layer(struct cb_store *s, const char *chainid);
/* tmp/ holds what a process is making (unpacks, spools, partial downloads); each entry
 * belongs to the process holding a flock on it, so what a dead one left (kill -9, a
 * crash) is unlocked: cb_store_open reclaims it (a readdir of tmp/ and a flock per entry)
 * and a live one's is never touched, whatever pid namespace either runs in. */
/* A fresh directory tmp/PREFIX-PID-N (its store-relative path in name): returns its fd,
 * locked; keep it open while the directory is ours. */
int cb_store_tmp_make(struct cb_store *s, const char *prefix, char *name, size_t n, cb_err *e);
/* tmpfd/name locked for us (fd >= 0, close to release), or -1: in use (EWOULDBLOCK) or gone. */
int cb_store_tmp_claim(int tmpfd, const char *name);
/* Remove the tmp/ entries nobody holds; partial downloads (resumed by the next pull) only
 * when partials is set (system prune -a). */
void cb_store_reclaim(struct cb_store *s, int partials);
/* A fresh tmp/ directory for an unpack; *dirfd is its diff/ subdirectory. Returns the
 * lock fd (close it once committed or discarded) or -errno. */
int cb_store_layer_begin(struct cb_store *s, char *tmpname, size_t n, int *dirfd, cb_err *e);
/* Move the finished tree into place (a no-op if another writer got there first). */
int cb_store_layer_commit(struct cb_store *s, const char *tmpname, const char *chainid, cb_err *e);
/* Remove a tmp/ tree (a refused or interrupted unpack). */
void cb_store_discard(struct cb_store *s, const char *tmpname);
/* Exclusive lock on a name under locks/ (e.g. a layer being unpacked); returns the fd. */
int cb_store_lock_name(struct cb_store *s, const char *name, cb_err *e);

/* The image index (images.json): held under the index lock while changed. */
int cb_store_index_lock(struct cb_store *s, cb_err *e);
void cb_store_index_unlock(struct cb_store *s);
int cb_store_index_load(struct cb_store *s, cJSON **index, cb_err *e);
int cb_store_index_save(struct cb_store *s, cJSON *index, cb_err *e);
/* The image entry named name (a full reference) or whose id starts with an id prefix. */
cJSON *cb_index_find(cJSON *index, const char *name_or_id);
/* Remove name from every other image (a name belongs to one image). */
void cb_index_untag(cJSON *index, const char *name);

/* mountpoints/: what every container mounts on (dev, proc, sys, run; etc/hosts, hostname,
 * resolv.conf; run/.containerenv), the top lower layer of an overlay root, so that no run makes them in its
 * upper dir (a copy-up of /etc and four files on disk, removed again at rm). Made once. */
int cb_store_mountpoints(struct cb_store *s, cb_err *e);

#endif
