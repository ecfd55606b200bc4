/* runopts.h - the command line of run and create (one table, so every run flag works
 * for create): parsed into a cb_run_opts, then the image found or pulled. */
#ifndef CB_RUNOPTS_H
#define CB_RUNOPTS_H

#include "container.h"
#include "pull.h"

struct cb_runopts {
	struct cb_run_opts o;
	struct cb_seccomp seccomp;
	struct cb_pull_opts po;
	struct cb_net net;
	struct cb_runflags flags; /* runflags.c's: --ulimit, --shm-size, --sysctl, --ipc, ... */
	const char *pull;    /* missing, always, never, newer */
	const char *image;   /* the IMAGE operand (or --rootfs DIR) */
	const char *cidfile; /* --cidfile FILE: the id written there */
	struct cb_volume *vols; /* o.vols, to resolve named volumes in */
	int replace;         /* --replace: remove a container of that name first */
	int cid_made;        /* the --cidfile is ours (made, empty until the id is known) */
	int hint;            /* a parse error that wants the "See --help" line */
	int platform_set, rootfs;
	const char *warning; /* printed by run and create (--kernel-memory's) */
	char rootfs_dir[4096], keep_user[32];
	char image_name[512]; /* the full name IMAGE matched (the container's ImageName) */
	char image_id[80];    /* its id (--rmi) */
	int rmi;              /* --rmi: the image goes after the container unless another uses it */
	const char **secrets; /* --secret NAME[,target=T]: bound once the store is open */
	int nsecrets;
	struct cb_volume *binds; /* o.binds, to add the secrets to */
};

/* Parse argv (the applet's name first) into r: 0; CB_OPT_HELP for --help; else a
 * negative errno with *e (podman's words where it has them) and r->hint set when the
 * "See --help" line is due. For the applet: cb_opt_report(). */
int cb_runopts_parse(struct cb_runopts *r, int argc, char **argv, cb_err *e);

/* After parsing: enter the storage's user namespace, open the store, refuse an existing
 * --cidfile, apply --replace, find (or pull, as --pull says) the image: *img points into
 * *index (the caller deletes it); NULL with --rootfs. */
int cb_runopts_image(struct cb_runopts *r, struct cb_store *s, cJSON **index, const cJSON **img, cb_err *e);

/* All of it: the image, then cb_container_run (r->o.create: only made); id (65 bytes)
 * gets the container's id, *status run's exit status. */
int cb_runopts_run(struct cb_runopts *r, char *id, int *status, cb_err *e);

#endif
