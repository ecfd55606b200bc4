//config:config APPLET_PAUSE
//config:	bool "pause, unpause: freeze and thaw containers (cgroup v2)"
//config:	depends on CGROUP
//config:	default y
//applet:CB_APPLET(pause, pause_main, CB_NOSUID)
//applet:CB_APPLET(unpause, unpause_main, CB_NOSUID)
//cmd:CB_CMD("pause", "container", 0, -1, "CONTAINER [CONTAINER...]", "Pause all the processes in containers")
//cmd:CB_CMD("unpause", "container", 0, -1, "CONTAINER [CONTAINER...]", "Unpause the processes in containers")
//usage:pause freezes every process of a running container (its cgroup v2's
//usage:cgroup.freeze); ps and inspect show it "paused" until unpause thaws it. Needs the
//usage:container's own cgroup: a pure cgroup v2 host as root, or a delegated subtree.
//usage:
//usage:  -a, --all   every running (pause) or paused (unpause) container
/* pause.c - cbox pause, cbox unpause */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "ctl.h"
#include "paths.h"

struct how {
	int on, all;
};

static int pause_one(struct cb_store *s, const char *id, void *arg, cb_err *e)
{
	const struct how *h = arg;
	char path[CB_CGROUP_PATH];
	struct cb_state st;
	cJSON *cfg;
	int dfd, r;
	if ((r = cb_container_open(s, id, &dfd, &cfg, e)) < 0)
		return r;
	cJSON_Delete(cfg);
	int lock = cb_state_lock(dfd, e);
	cb_state_read(dfd, &st);
	if (lock < 0)
		r = lock;
	else if (h->all && (h->on ? st.paused || st.state != CB_STATE_RUNNING : !st.paused))
		r = 1; /* --all: not one of these */
	else if (h->on && (st.state != CB_STATE_RUNNING || st.paused))
		r = cb_fail(e, EINVAL, "\"%s\" is not running, can't pause: container state improper",
			    st.paused ? "paused" : cb_state_name(st.state));
	else if (!h->on && !st.paused)
		r = cb_fail(e, EINVAL, "\"%s\" is not paused, can't unpause: container state improper", id);
	else if (cb_cgroup_recorded(dfd, path, sizeof(path)) < 0)
		r = cb_rootless() && !cb_cgroup_v2() ?
			cb_fail(e, ENOTSUP, h->on ? "can not pause containers on rootless containers with cgroup V1: "
				"this container does not have a cgroup" : "unpause is not supported for cgroupv1 rootless containers") :
			cb_fail(e, ENOTSUP, "can not %s container %.12s: it has no cgroup of its own (no writable cgroup v2 "
				"hierarchy when it started, or --cgroups disabled)", h->on ? "pause" : "unpause", id);
	else if ((r = cb_cgroup_freeze(path, h->on, e)) == 0) {
		if (h->on && (r = cb_write_replace(dfd, "paused", "", 0, 0600, 0, e)) < 0)
			cb_cgroup_freeze(path, 0, e);
		if (!h->on)
			unlinkat(dfd, "paused", 0);
	}
	if (lock >= 0)
		close(lock);
	close(dfd);
	return r;
}

static int main_of(int argc, char **argv, int on)
{
	static const struct cb_option opts[] = { { "all", 'a', CB_OPT_NONE, 1 }, { 0 } };
	struct cb_opt_state st;
	struct how h = { on, 0 };
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		h.all = 1;
	return cb_ctl_main(&st, on ? "pause" : "unpause", h.all ? CB_CTL_ALL | CB_CTL_RUNNING : 0, pause_one, &h);
}

int pause_main(int argc, char **argv)
{
	return main_of(argc, argv, 1);
}

int unpause_main(int argc, char **argv)
{
	return main_of(argc, argv, 0);
}
