/* cgroup.h - cgroup v2 for containers, shared by run/create and the OCI runtime: find a
 * hierarchy we may write (root: /sys/fs/cgroup when it is cgroup2, a pure v2 host; a
 * hybrid host's v2 mount has no controllers, so none is made there; rootless: the
 * delegated subtree the caller owns, as systemd's Delegate= gives a user session),
 * make a container's cgroup with its limits (a JSON object of cgroup file -> value, e.g.
 * "memory.max": "10485760", as runtime-spec's linux.resources.unified), freeze and thaw
 * it, read its figures, remove it. Nothing here runs unless a limit, pause or stats is
 * asked for, or the host is pure cgroup v2 (one statfs decides). */
#ifndef CB_CGROUP_H
#define CB_CGROUP_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "cbox.h"

#define CB_CGROUP_PATH 512

/* What a container asked for: limits (file -> string, NULL none), parent (--cgroup-parent
 * or runtime's cgroupsPath's directory: absolute in the hierarchy, or relative to the
 * usable base; NULL: "cbox"), name (the container's cgroup: "cbox-ID", or the runtime's
 * last cgroupsPath component). */
struct cb_cgroup_req {
	const cJSON *limits;
	const char *parent, *name;
	int rootless;
	int asked;    /* a resource flag was given, even one meaning "no limit" (--memory=0) */
	int required; /* the runtime: a cgroupsPath or a limit not honoured is an error */
};

/* Make the container's cgroup: path (CB_CGROUP_PATH bytes) gets its absolute directory
 * and the return is an O_DIRECTORY fd of it (for clone3's CLONE_INTO_CGROUP), or -1
 * when there is none to make (no usable hierarchy; *warn gets podman's warning when
 * limits are thereby ignored, else ""), or a negative errno other than -1 with *e (a
 * limit the kernel refuses). */
int cb_cgroup_create(const struct cb_cgroup_req *q, char *path, char *warn, size_t nwarn, cb_err *e);
/* The cgroup recorded in a container's directory dfd (its file "cgroup", written by
 * run and the runtime while it has one): 0, or -ENOENT. */
int cb_cgroup_recorded(int dfd, char *path, size_t n);
/* Write limits into an existing cgroup (runtime update). */
int cb_cgroup_apply(const char *path, const cJSON *limits, cb_err *e);
/* Kill what is left (cgroup.kill) and remove the directory. */
void cb_cgroup_remove(const char *path);
/* Freeze (on) or thaw the cgroup; waits until cgroup.events says frozen. */
int cb_cgroup_freeze(const char *path, int on, cb_err *e);
/* 1 when the hierarchy at /sys/fs/cgroup is cgroup v2 (for podman's "V1" wordings). */
int cb_cgroup_v2(void);

struct cb_cgroup_stats {
	uint64_t cpu_usec, mem, mem_limit, rbytes, wbytes, pids; /* mem_limit 0: none */
};
int cb_cgroup_stats(const char *path, struct cb_cgroup_stats *st);

/* run/create's resource flags into limits (cgroup v2 files) and podman's HostConfig
 * keys (Memory, NanoCpus...): opt is the flag's name without dashes, arg its value.
 * 0, or -EINVAL with podman's words in *e. */
int cb_cgroup_flag(cJSON *limits, cJSON *hostconfig, const char *opt, const char *arg, cb_err *e);
/* After every flag: --memory-swap's default (twice --memory) and the cross checks. */
int cb_cgroup_flags_done(cJSON *limits, cJSON *hostconfig, cb_err *e);
/* --device-cgroup-rule "TYPE MAJOR[:MINOR] ACCESS" (a|b|c, numbers or *, of rwm):
 * 0, else podman's words. */
int cb_cgroup_device_rule(const char *rule, cb_err *e);
/* The device cgroup of cgroup v2, a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the
 * cgroup cgfd (real root only): podman's default allow list (mknod of any node; null,
 * zero, full, random, urandom, tty, console, ptmx, pts, net/tun) plus rules (the text of
 * --device-cgroup-rule, each allowing), everything else denied. */
int cb_cgroup_devices(int cgfd, const char *const *rules, int n, cb_err *e);
/* runtime-spec's linux.resources.devices, in order on top of "all allowed", then (as
 * runc) linux.devices' nodes and the default allow list; nothing when all stays allowed. */
int cb_cgroup_oci_devices(int cgfd, const cJSON *devices, const cJSON *nodes, cb_err *e);
/* runtime-spec linux.resources into limits (memory, cpu, pids, blockIO weight, unified);
 * devices other than the default deny-all are refused by name (an eBPF program). */
int cb_cgroup_oci(const cJSON *res, cJSON *limits, cb_err *e);
/* A size as podman and runc read one: a number, then b, k, m, g, t or p (any case, "b"
 * or "ib" after), powers of 1024. 0, or -1 when it is none. */
int cb_cgroup_ram(const char *s, int64_t *out);
/* "1.5GB", "0B": podman's sizes (decimal, 3 significant digits). */
void cb_cgroup_size(double b, char *out, size_t n);

#endif
