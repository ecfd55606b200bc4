/* proc.h - the container's process: command, environment, working directory and user
 * from the image config and the options; credentials, capabilities and exec inside. */
#ifndef CB_PROC_H
#define CB_PROC_H

#include <cjson/cJSON.h>

#include "cbox.h"
#include "seccomp_profile.h"

/* What the OCI runtime (oci.c) gives beyond an image's process: the user as numbers (no
 * passwd or group lookup but HOME), each capability set, rlimits, umask, no_new_privs as
 * asked; no parent-death signal (the container outlives its creator); fds 3 to
 * 3+preserve_fds-1 stay open. */
#define CB_PROC_RLIMITS 16
struct cb_proc_oci {
	unsigned uid, gid;
	unsigned groups[64];
	int ngroups;
	unsigned long long eff, perm, inh, amb; /* the bounding set is cb_proc's caps */
	int nnp;
	int umask; /* -1: unchanged */
	int preserve_fds;
	int nrlim;
	struct {
		int res;
		unsigned long long soft, hard;
	} rlim[CB_PROC_RLIMITS];
};

struct cb_proc {
	char **argv;      /* the command (NULL-terminated) */
	char **env;       /* KEY=VALUE (NULL-terminated) */
	char *cwd;        /* absolute */
	int cwd_given;    /* by -w: not made when missing (the image's WorkingDir is) */
	char *user;       /* "uid[:gid]" or "name[:group]"; "" is 0:0 */
	int single_map;   /* only uid/gid 0 exist (single mapping): no setgroups */
	unsigned long long caps;      /* the bounding set; uid 0's permitted and effective */
	unsigned long long user_caps; /* another uid's (podman: the --cap-add ones, ambient too) */
	int privileged;               /* --privileged: no no_new_privs */
	int root_emul;    /* install the root emulation filter (emul.h) before exec */
	int emul_sock;    /* ... and send its listener there (-1: none) */
	struct cb_seccomp seccomp; /* the filter (podman's default unless privileged) */
	const char **chown;   /* volumes' paths (:U) to give to the user once it is known */
	int nchown;
	const struct cb_proc_oci *oci; /* the OCI runtime's process, or NULL */
	char **groups_add; /* --group-add: names (the container's /etc/group) or gids */
	char *passwd_add;  /* --hostuser: the host's passwd lines, added to the container's */
	int preserve_fds;  /* --preserve-fds N: fds 3..3+N-1 stay open across the exec */
	int null_fds;      /* run -a: the streams not attached, 1 << fd (0-2), on /dev/null */
};

/* What the caller asked for on top of the image. */
struct cb_proc_opts {
	const char *entrypoint; /* --entrypoint (a word, or a JSON array), or NULL */
	char **cmd;             /* the command after IMAGE, or NULL */
	int ncmd;
	const char **env;       /* -e K=V or K (K from the caller's environment) */
	int nenv;
	const char *workdir, *user, *hostname;
	int nenv_file;          /* how many of env's first entries came from --env-file */
	const char **cap_add, **cap_drop; /* --cap-add, --cap-drop: names (checked by cb_cap_number) */
	int ncap_add, ncap_drop;
	int privileged;         /* --privileged: every capability, no no_new_privs */
	const struct cb_seccomp *seccomp; /* --security-opt seccomp=, or NULL: the default */
	const char **groups_add; /* --group-add */
	int ngroups_add;
	const char **hostusers;  /* --hostuser NAME: the host's passwd entry inside too */
	int nhostusers;
	int preserve_fds;
	int null_fds;           /* -a/--attach: the streams not named (bits 1 << 0..2) */
	int tty;                /* -t: TERM=xterm unless the image or -e set it */
};

/* A capability's number from its name, with or without CAP_, any case: 0..63, CB_CAP_ALL
 * for "ALL", -1 unknown. */
#define CB_CAP_ALL 64
int cb_cap_number(const char *name);
/* "CAP_NAME" of capability c into buf: 1, or 0 when cbox knows no such number. */
int cb_cap_name(int c, char *buf, size_t n);

/* Read a podman env file (KEY=VALUE lines, '#' comments and blank lines skipped, a bare
 * KEY taken from this environment) into o->env after the entries of earlier files and
 * before the -e ones, which therefore win. o->env must be malloc'd (it is grown). */
int cb_proc_env_file(struct cb_proc_opts *o, const char *path, cb_err *e);

/* --env-host (all): the caller's whole environment, else (--http-proxy, podman's default)
 * its http_proxy, https_proxy, ftp_proxy, no_proxy in either case; after the image's
 * and before --env-file and -e (which win). */
int cb_proc_env_host(struct cb_proc_opts *o, int all, cb_err *e);

/* Fill p from the image config blob (the whole JSON: its "config" is used) and o. */
int cb_proc_build(struct cb_proc *p, const cJSON *image_config, const struct cb_proc_opts *o, cb_err *e);
void cb_proc_free(struct cb_proc *p);

/* A line of file (/etc/passwd: fields f[0..6], /etc/group: 0..3) whose name is name, or
 * (name NULL) whose id is id: 1 with f[] pointing into line, else 0. */
int cb_db_find(const char *file, const char *name, unsigned long id, char *line, size_t n, char **f, int nf);

/* In the child, inside the new root: become the user (names from the container's
 * /etc/passwd and /etc/group), keep p->caps (podman's defaults), no_new_privs, only
 * fds 0-2, chdir, exec (PATH searched). Returns only on failure: the exit status (125,
 * 126 not executable, 127 not found) with *e filled. */
int cb_proc_exec(const struct cb_proc *p, cb_err *e);
/* Whether argv[0] is there to exec (an absolute path exists, a bare name is found in
 * the process's PATH), with exec's own message when not: the OCI runtime's create
 * fails on it, as runc's. */
int cb_proc_lookup(const struct cb_proc *p, cb_err *e);

#endif
