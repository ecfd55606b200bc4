/* paths.c - the caller's ids and cbox's default paths, fixed before any namespace. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "paths.h"

static struct {
	int done;
	uid_t uid;
	gid_t gid;
	char root[PATH_MAX], runtime[PATH_MAX];
	const char *why;
} P;

static int set(char *out, const char *a, const char *b)
{
	return (size_t)snprintf(out, PATH_MAX, "%s%s", a, b) < PATH_MAX;
}

void cb_paths_init(void)
{
	if (P.done)
		return;
	P.done = 1;
	P.uid = getuid();
	P.gid = getgid();
	const char *env = getenv("CBOX_ROOT"), *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	const char *rt = getenv("XDG_RUNTIME_DIR");
	int ok = 1;
	if (env && *env)
		ok = set(P.root, env, "");
	else if (P.uid == 0)
		ok = set(P.root, "/var/lib/cbox", "");
	else if (xdg && *xdg == '/')
		ok = set(P.root, xdg, "/cbox");
	else if (home && *home == '/')
		ok = set(P.root, home, "/.local/share/cbox");
	else
		P.why = "no storage root: set --root or CBOX_ROOT (HOME is not set)";
	if (!ok) {
		P.root[0] = '\0';
		P.why = "no storage root: the default path is too long; set --root";
	}
	if (rt && *rt == '/' && !set(P.runtime, rt, "/cbox"))
		P.runtime[0] = '\0';
}

uid_t cb_host_uid(void)
{
	cb_paths_init();
	return P.uid;
}

gid_t cb_host_gid(void)
{
	cb_paths_init();
	return P.gid;
}

const char *cb_default_root(const char **why)
{
	cb_paths_init();
	*why = P.why;
	return P.root;
}

const char *cb_runtime_path(void)
{
	cb_paths_init();
	return P.runtime;
}
