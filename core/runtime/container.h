/* container.h - a container in the store: containers/<id>/ with config.json, the
 * generated /etc files and its rootfs (overlay upper/work/merged, or a vfs copy); run
 * it in new namespaces and wait for it. */
#ifndef CB_CONTAINER_H
#define CB_CONTAINER_H

#include <cjson/cJSON.h>

#include "health.h"
#include "mount.h"
#include "net.h"
#include "proc.h"
#include "runflags.h"
#include "store.h"

struct cb_run_opts {
	const char *name;     /* --name, or NULL for a generated one */
	const char *hostname; /* --hostname, or NULL: the id's first 12 characters */
	const char *image_name;
	const char *rootfs_dir; /* --rootfs: this directory (absolute) instead of an image */
	int rootfs_overlay;     /* --rootfs DIR:O: an overlay on it, changes in the container */
	const char *driver;   /* --storage-driver, or NULL */
	int rm, readonly;
	int detach;           /* -d: a monitor process waits for the container, logs to ctr.log */
	char *id_out;         /* 65 bytes for the new container's id, or NULL */
	int tty, interactive; /* -t: a pty from the container's devpts; -i: stdin goes to it */
	struct cb_net *net;   /* --network, -p, --dns, --add-host */
	int rootless;         /* the caller is not root: we are 0 in a user namespace */
	int single_map;       /* ... with the single mapping: only id 0 exists */
	int root_emul;        /* --root-emulation: CB_EMUL_AUTO, _ON, _OFF (emul.h) */
	int keep_id;          /* --userns=keep-id (rootless only: as root nothing changes) */
	long keep_ids[2];     /* keep-id:uid=,gid=: the ids the caller has inside (-1: its own) */
	int nomap;            /* --userns nomap (with keep_id: its namespace without the caller) */
	const struct cb_volume *vols;
	int nvols;
	const struct cb_tmpfs *tmpfs; /* --tmpfs */
	int ntmpfs;
	int init;             /* --init: cbox's own pid 1 (init.c) runs the command */
	int log_driver;       /* --log-driver: CB_LOG_K8S_FILE (0), _NONE, _PASSTHROUGH (ctrlog.h) */
	struct cb_proc_opts proc;
	int create;           /* create: make it (state created), start nothing */
	const char **labels, **annotations; /* --label/--annotation K=V ("labels", "annotations") */
	int nlabels, nannotations;
	const char *stop_signal; /* --stop-signal, or NULL: the image's */
	int stop_timeout;     /* --stop-timeout seconds, -1: stop's default */
	const char *tz;       /* --tz local|Area/City, or NULL */
	int no_hosts;         /* --no-hosts: the image's /etc/hosts as it is */
	int host_ns;          /* --uts/--pid/--ipc host: CB_HOST_UTS | _PID | _IPC */
	const char *restart;  /* --restart no|on-failure[:N]|always|unless-stopped, or NULL */
	const struct cb_volume *binds; /* --device HOST[:CTR][:rwm], --tz's /etc/localtime */
	int nbinds;
	int sig_proxy;        /* run forwards signals to the process (default on) */
	int timeout;          /* --timeout N: KILL after N seconds (0: none) */
	const char *cidfile;  /* --cidfile: the id written there once chosen */
	const char *userns_mode; /* inspect's HostConfig.UsernsMode: private (auto too), host,
	                       * keep-id, nomap; NULL: "" (the storage's, podman's default) */
	const char *runtime;  /* --runtime: "cbox" or a copy of it (inspect's OCIRuntime), or NULL */
	cJSON *limits;        /* --memory, --cpus...: cgroup v2 file -> value (cgroup.h) */
	cJSON *hostconfig;    /* ... as podman's HostConfig keys (Memory, NanoCpus...), for inspect */
	const char *cgroup_parent; /* --cgroup-parent, or NULL */
	int cgroups_off;      /* --cgroups disabled */
	cJSON *device_rules;  /* --device-cgroup-rule texts (an array) */
	struct cb_runflags *flags; /* --ulimit, --shm-size, --sysctl, --oom-score-adj, --ipc, masks */
	struct cb_health_opts health; /* --health-*, --no-healthcheck */
	char **args;          /* run's or create's words after its name ("create_command", for
	                       * generate systemd --new), args[image_arg] the image */
	int nargs, image_arg;
};
enum { CB_HOST_UTS = 1, CB_HOST_PID = 2, CB_HOST_IPC = 4 };

/* Create the container for image entry img (from the index; NULL with o->rootfs_dir),
 * run it, wait: *status is the command's exit status (128+n for a signal), or
 * 125/126/127 with *e filled when it could not start. Returns 0 when *status is meaningful, else a negative errno with *e. */
int cb_container_run(struct cb_store *s, const cJSON *img, const struct cb_run_opts *o, int *status, cb_err *e);

/* Run the container id (created or exited) again, detached, with its rootfs and config:
 * 0 once its command has exec'd (or when it is running already); else a negative errno
 * with *e (the child's message when it could not start). */
int cb_container_start(struct cb_store *s, const char *id, cb_err *e);
/* start -a (attach): run it in this process, its output on ours (stdin too with
 * interactive), and wait: *status as cb_container_run's. */
int cb_container_start_attached(struct cb_store *s, const char *id, int interactive, int *status, cb_err *e);

/* The process spec recorded in a container's config.json (cj), with o on top (exec's
 * command, -e, -u, -w; a command replaces the recorded one). */
int cb_container_proc(const cJSON *cj, const struct cb_proc_opts *o, struct cb_proc *p, cb_err *e);

/* The first container whose config.json has key == value (its id in id): 1, else 0. */
/* podman's rule for container names: [a-zA-Z0-9][a-zA-Z0-9_.-]* (no "", "/", ".." or spaces). */
int cb_container_name_ok(const char *name);
int cb_container_find(struct cb_store *s, const char *key, const char *value, char *id, size_t n);

#endif
