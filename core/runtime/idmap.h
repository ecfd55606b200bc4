/* idmap.h - user namespaces and id mappings: the privilege ladder.
 *   1. real root: no user namespace
 *   2. sub-ids in /etc/subuid + /etc/subgid and a working host newuidmap/newgidmap:
 *      full mapping, 0 -> the caller, 1..N -> the sub-ids (every range, in file order)
 *   3. else cbox's own newuidmap/newgidmap applets when this binary is setuid-root or
 *      has file capabilities: the same full mapping
 *   4. else the single mapping (caller -> 0, setgroups denied), with the reason. */
#ifndef CB_IDMAP_H
#define CB_IDMAP_H

#include <limits.h>
#include <stdint.h>

#include "cbox.h"

/* A map line: inside..inside+count-1 are start..start+count-1 outside. */
struct cb_idrange {
	unsigned long inside, start, count;
};
/* Sub-id ranges kept: the kernel takes 340 map lines (one is the caller's) written at
 * once in less than a page. */
#define CB_IDMAP_MAX 339
#define CB_IDMAP_TEXT 4096

enum cb_idmap_mode { CB_IDMAP_UNSET, CB_IDMAP_NONE, CB_IDMAP_FULL, CB_IDMAP_SINGLE };

struct cb_idmap {
	int mode;
	unsigned uid, gid;                  /* the caller's, outside */
	struct cb_idrange subuid[CB_IDMAP_MAX]; /* every /etc/subuid range, in file order */
	struct cb_idrange subgid[CB_IDMAP_MAX];
	int nsubuid, nsubgid;               /* how many (0: none) */
	char helper[2][PATH_MAX];           /* candidate newuidmap paths: host, then ours */
	char ghelper[2][PATH_MAX];          /* the matching newgidmap */
	int nhelpers;
	int own;                            /* index of cbox's own helper, or -1 */
	char self_why[320];                 /* why cbox's own helpers cannot serve, or "" */
	char reason[512];                   /* why this mode (or why the better ones failed) */
};

/* One parser of /etc/subuid and /etc/subgid lines for the planner and the setuid
 * newuidmap/newgidmap: "OWNER:START:COUNT" with decimal digits only, COUNT > 0,
 * START + COUNT within 32 bits, nothing more. 1 with the fields (line is cut at its
 * colons and newline), 0 for any other line. */
int cb_subid_line(char *line, const char **owner, uint32_t *start, uint32_t *count);
/* A decimal number below 2^32, digits only: 0, or -1. */
int cb_u32(const char *s, uint32_t *out);

/* Decide the mapping from what is on the host (no namespace is made): fills *m. */
int cb_idmap_plan(struct cb_idmap *m, cb_err *e);

/* Plan, then enter the storage's user namespace: a full mapping written by a helper from
 * outside, falling back (with the reason) to the single mapping; real root: nothing.
 * Must run before any thread starts. The result stays in cb_idmap_current. */
int cb_userns_enter(cb_err *e);
/* Write the maps of pid (a child just made with CLONE_NEWUSER, waiting) from outside, per
 * m (full: through the helpers; single: directly). For a per-container namespace. */
int cb_idmap_map_pid(const struct cb_idmap *m, pid_t pid, cb_err *e);
/* The single mapping only (caller -> 0). */
int cb_userns_enter_single(cb_err *e);
extern struct cb_idmap cb_idmap_current;

/* "none", "full" or "single". */
const char *cb_idmap_mode_name(int mode);
/* The ranges as the kernel's map lines, "0 4242 1,1 100000 65536,65537 300000 1000"
 * (n: CB_IDMAP_TEXT is enough). */
void cb_idmap_ranges(const struct cb_idmap *m, int gid, char *buf, size_t n);

/* Record the current mapping in ROOT/storage.json ("idmap"), or warn when the root was
 * set up with another one (the record stays until 'cbox system migrate'). acknowledge:
 * replace the record. No-op when no namespace decision was made. */
int cb_idmap_record(int rootfd, const char *root, int acknowledge, cb_err *e);

/* 1 when root's recorded mapping differs from the current one (was: "MODE (RANGES)"),
 * else 0. */
int cb_idmap_changed(int rootfd, char *was, size_t n);

/* 1 when this process is in a user namespace other than the initial one. */
int cb_in_userns(void);

#endif
