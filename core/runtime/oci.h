/* oci.h - a runtime-spec bundle's config.json turned into the description the container
 * core acts on (cb_proc for the process, cb_mount_oci for the filesystem), plus the
 * namespaces, id mappings, hostname and sysctls. Every field it cannot honour is
 * refused by name; the harmless ones (apparmorProfile, mountLabel...) are noted. */
#ifndef CB_OCI_H
#define CB_OCI_H
#include <cjson/cJSON.h>
#include <sys/ioctl.h>

#include "idmap.h"
#include "mount.h"
#include "proc.h"

#define CB_OCI_VERSION "1.1.0"

struct cb_oci_ns {
	int type;         /* CLONE_NEW* */
	const char *path; /* join this one, or NULL: a new one */
};

struct cb_oci {
	cJSON *doc; /* config.json (the strings below point into it) */
	struct cb_proc p;
	struct cb_proc_oci po;
	int terminal;
	int no_process;    /* config.json has none: the container never starts */
	struct winsize ws; /* process.consoleSize */
	int oom_score_adj, has_oom;
	char rootfs[4096];
	struct cb_mount_oci m;
	struct cb_mount_entry *mounts;
	struct cb_device *devices;
	const char **masked, **readonly;
	const char *hostname, *domainname;
	int new_ns;              /* CLONE_NEW* flags to create */
	struct cb_oci_ns join[8]; /* namespaces to join by path */
	int njoin;
	char uidmap[CB_IDMAP_TEXT], gidmap[CB_IDMAP_TEXT]; /* kernel map lines, "" none */
	const char *mnt_join; /* a mount namespace joined by path (the child joins it), or NULL */
	int personality, has_personality; /* linux.personality: PER_LINUX or PER_LINUX32 */
	char timens[128];     /* linux.timeOffsets as timens_offsets' lines, "" none */
	const cJSON *sysctl, *annotations, *hooks;
	cJSON *limits;           /* linux.resources as cgroup v2 files (cgroup.h) */
	const char *cgroups_path; /* linux.cgroupsPath, or NULL */
	const cJSON *dev_rules, *dev_nodes; /* linux.resources.devices, linux.devices, or NULL */
};

/* Read BUNDLE/config.json into o (rootfs made absolute against bundle). */
int cb_oci_load(struct cb_oci *o, const char *bundle, cb_err *e);
/* A runtime-spec "process" object (config.json's, or exec --process's) into p and po. */
int cb_oci_process(const cJSON *pj, struct cb_proc *p, struct cb_proc_oci *po, int *terminal, struct winsize *ws,
		   cb_err *e);
void cb_oci_free(struct cb_oci *o);
/* Is the namespace type (CLONE_NEW*) new or joined? */
int cb_oci_has_ns(const struct cb_oci *o, int flag);

/* runc's default config.json ("spec"), rootless: a user namespace mapping the caller. */
cJSON *cb_oci_default_spec(int rootless, unsigned uid, unsigned gid);
/* The runtime-spec "features" document. */
cJSON *cb_oci_features(void);
#endif
