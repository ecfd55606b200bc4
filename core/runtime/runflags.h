/* runflags.h - the run flags that tune what the kernel shows the container: --ulimit,
 * --shm-size, --sysctl, --oom-score-adj, --ipc's modes, --security-opt mask=/unmask=/
 * no-new-privileges. runopts.c parses them, container.c keeps them in config.json
 * ("runflags") and its child applies them. */
#ifndef CB_RUNFLAGS_H
#define CB_RUNFLAGS_H

#include <cjson/cJSON.h>
#include "cbox.h"
#include "store.h"

enum { CB_IPC_SHAREABLE, CB_IPC_PRIVATE, CB_IPC_NONE, CB_IPC_HOST, CB_IPC_CONTAINER };
#define CB_RUNFLAGS_MAX 32

struct cb_runflags {
	int nrlim;
	struct {
		int res;               /* RLIMIT_* */
		long long soft, hard;  /* -1: unlimited */
	} rlim[CB_RUNFLAGS_MAX];
	unsigned long long shm_size; /* bytes; 0: the default 64 MiB */
	const char *sysctl[CB_RUNFLAGS_MAX]; /* KEY=VALUE */
	int nsysctl;
	int oom_set, oom;            /* --oom-score-adj */
	char mask[1024], unmask[1024]; /* colon-separated paths; unmask may be ALL */
	int nnp;                     /* no-new-privileges asked (kept even with --privileged) */
	int ipc;                     /* CB_IPC_* */
	const char *ipc_peer;        /* container:NAME's NAME */
	int ipc_fd;                  /* the peer's ipc namespace (while starting), or -1 */
	char shm_from[64];           /* the peer's /dev/shm, bound on ours */
	long long log_max;           /* --log-opt max-size= (bytes, 0: none): the log is emptied then */
	const char *log_tag;         /* --log-opt tag= (inspect's LogConfig.Tag) */
};
/* "9.083MB": podman's way of showing a size (4 digits, powers of 1000). */
void cb_runflags_human(long long n, char *buf, size_t len);

void cb_runflags_init(struct cb_runflags *f);
/* One flag (opt is its long name without "--"): 1 when it was one of ours, 0 when not,
 * else a negative errno with *e (podman's words). */
int cb_runflags_opt(struct cb_runflags *f, const char *opt, const char *arg, cb_err *e);
/* After parsing: the combinations podman refuses (a sysctl of a namespace that is the
 * host's). */
int cb_runflags_check(const struct cb_runflags *f, int host_uts, int net_host, cb_err *e);

void cb_runflags_json(const struct cb_runflags *f, cJSON *cj);
/* From config.json (strings point into cj). */
void cb_runflags_from_json(struct cb_runflags *f, const cJSON *cj);

/* In the parent, in the storage's user namespace, before the clone: --ipc container:NAME
 * opens that container's ipc namespace (refused when it was made private). */
int cb_runflags_peer(struct cb_runflags *f, struct cb_store *s, cb_err *e);
void cb_runflags_close(struct cb_runflags *f);

/* In the child, its namespaces made (before the mounts): the peer's ipc namespace,
 * the sysctls. */
int cb_runflags_child(const struct cb_runflags *f, cb_err *e);
/* In the child, just before the exec: the rlimits and the OOM score. A failure's exit
 * status is podman's (126, the runtime's). */
int cb_runflags_exec(const struct cb_runflags *f, cb_err *e);

/* Whether path is one of unmask's (or unmask is ALL). */
int cb_runflags_unmasked(const struct cb_runflags *f, const char *path);

#endif
