/* container.c - create, run and (with --rm) remove a container. */
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <dirent.h>

#include "container.h"
#include "driver.h"
#include "json.h"
#include "keepid.h"
#include "net.h"
#include "ns.h"

struct child {
	struct cb_store *s;
	struct cb_mount_spec m;
	struct cb_proc p;
	const char *hostname;
	struct cb_net *net;
	struct cb_keepid *keepid; /* --userns=keep-id, or NULL */
};

/* In the new namespaces: the filesystem, then the process. */
static int child_main(void *arg, cb_err *e)
{
	struct child *c = arg;
	/* By path: an fd from before the clone names the parent's mount namespace. */
	if (chdir(c->s->root) < 0)
		return cb_fail_errno(e, errno, "storage root %s", c->s->root), CB_EXIT_FAIL;
	if (sethostname(c->hostname, strlen(c->hostname)) < 0)
		return cb_fail_errno(e, errno, "sethostname"), CB_EXIT_FAIL;
	if (cb_net_child(c->net, e) < 0)
		return CB_EXIT_FAIL;
	if (cb_mount_rootfs(&c->m, e) < 0)
		return CB_EXIT_FAIL;
	if (c->keepid && cb_keepid_child(c->keepid, e) < 0)
		return CB_EXIT_FAIL;
	return cb_proc_exec(&c->p, e);
}

int cb_container_find(struct cb_store *s, const char *key, const char *value, char *id, size_t n)
{
	int fd = openat(s->rootfd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	int found = 0;
	while (d && !found && (de = readdir(d))) {
		char path[400], *text;
		cb_err ignore;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "containers/%s/config.json", de->d_name);
		if (cb_read_file_at(s->rootfd, path, 1 << 20, &text, NULL, &ignore) < 0)
			continue;
		cJSON *j = cJSON_Parse(text);
		found = !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(j, key)) ?: "", value);
		if (found && id)
			snprintf(id, n, "%s", de->d_name);
		cJSON_Delete(j);
		free(text);
	}
	if (d)
		closedir(d);
	else if (fd >= 0)
		close(fd);
	return found;
}

static int name_in_use(struct cb_store *s, const char *name)
{
	return cb_container_find(s, "name", name, NULL, 0);
}

/* hosts, hostname, resolv.conf for the container, in its directory. */
static int write_etc(int dirfd, const char *hostname, const char *name, const struct cb_net *net, cb_err *e)
{
	char buf[8192];
	snprintf(buf, sizeof(buf), "%s\n", hostname);
	int r = cb_write_atomic(dirfd, "hostname", buf, strlen(buf), 0644, e);
	snprintf(buf, sizeof(buf),
		 "127.0.0.1\tlocalhost localhost.localdomain\n::1\tlocalhost ip6-localhost ip6-loopback\n"
		 "127.0.1.1\t%s %s\n",
		 hostname, name);
	cb_net_hosts(net, buf, sizeof(buf));
	if (r == 0)
		r = cb_write_atomic(dirfd, "hosts", buf, strlen(buf), 0644, e);
	/* A copy of the host's (a bind would follow the host's changes, and its symlinks). */
	size_t n = 0;
	int fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t k = read(fd, buf, sizeof(buf) - 1);
		n = k > 0 ? (size_t)k : 0;
		close(fd);
	}
	n = cb_net_resolv(net, buf, n, sizeof(buf));
	if (r == 0)
		r = cb_write_atomic(dirfd, "resolv.conf", buf, n, 0644, e);
	return r;
}

static cJSON *str_array(char **v)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; v && v[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

int cb_container_run(struct cb_store *s, const cJSON *img, const struct cb_run_opts *o, int *status, cb_err *e)
{
	const char *image_id = cJSON_GetStringValue(cJSON_GetObjectItem(img, "id"));
	const cJSON *layers = cJSON_GetObjectItem(img, "layers");
	char driver[16], *blob = NULL;
	struct cb_keepid kid = { .req = { -1, -1 }, .go = { -1, -1 } };
	int r;
	if (!image_id || !cJSON_IsArray(layers) || !cJSON_GetArraySize(layers))
		return cb_fail(e, EINVAL, "image entry without id or layers");
	if ((r = cb_driver_choose(s, o->driver, o->rootless, driver, e)) < 0)
		return r;
	/* keep-id with sub-ids: a private copy whose owners look as in the image. */
	if (o->keep_id && o->rootless && cb_idmap_current.mode == CB_IDMAP_FULL)
		snprintf(driver, sizeof(driver), "vfs");
	if ((r = cb_store_get_blob(s, image_id, &blob, NULL, e)) < 0)
		return r;
	cJSON *config = cJSON_Parse(blob);
	free(blob);
	if (!config)
		return cb_fail(e, EINVAL, "image config %s: not JSON", image_id);

	struct child c = { .s = s, .net = o->net, .keepid = o->keep_id && o->rootless ? &kid : NULL };
	int dfd CB_AUTOCLOSE = -1;
	cJSON *cj = NULL;
	*status = CB_EXIT_FAIL;
	unsigned char rnd[32];
	char id[65], name[128], hostname[65], dir[128], path[4096];
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		cJSON_Delete(config);
		return cb_fail_errno(e, errno, "getrandom");
	}
	for (int i = 0; i < 32; i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
	snprintf(name, sizeof(name), "%s", o->name ? o->name : "");
	if (!name[0])
		snprintf(name, sizeof(name), "cbox_%.12s", id);
	snprintf(hostname, sizeof(hostname), "%s", o->hostname ? o->hostname : "");
	if (!hostname[0])
		snprintf(hostname, sizeof(hostname), "%.12s", id);
	struct cb_proc_opts po = o->proc;
	po.hostname = hostname;
	if ((r = cb_proc_build(&c.p, config, &po, e)) < 0 || (c.keepid && (r = cb_keepid_init(&kid, e)) < 0))
		goto out;
	c.p.single_map = o->single_map;
	if (name_in_use(s, name)) {
		r = cb_fail(e, EEXIST, "the container name \"%s\" is already in use", name);
		goto out;
	}

	/* The published ports are bound before the container exists. */
	if ((r = cb_net_start(o->net, e)) < 0)
		goto out;
	snprintf(dir, sizeof(dir), "containers/%s", id);
	if (mkdirat(s->rootfd, dir, 0700) < 0) {
		r = cb_fail_errno(e, errno, "%s/%s", s->root, dir);
		goto out;
	}
	dfd = openat(s->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cj = cJSON_CreateObject();
	time_t now = time(NULL);
	char created[32];
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	cJSON_AddStringToObject(cj, "id", id);
	cJSON_AddStringToObject(cj, "name", name);
	cJSON_AddStringToObject(cj, "image", image_id);
	cJSON_AddStringToObject(cj, "image_name", o->image_name ? o->image_name : "");
	cJSON_AddItemToObject(cj, "command", str_array(c.p.argv));
	cJSON_AddStringToObject(cj, "driver", driver);
	if (c.keepid)
		cJSON_AddStringToObject(cj, "userns", "keep-id");
	cJSON_AddStringToObject(cj, "created", created);
	cb_net_json(o->net, cj);
	char *text = cb_json_print(cj);
	r = dfd < 0 ? cb_fail_errno(e, errno, "%s", dir) : cb_write_atomic(dfd, "config.json", text, strlen(text), 0600, e);
	free(text);
	if (r == 0)
		r = write_etc(dfd, hostname, name, o->net, e);

	/* The rootfs: lowerdir top-first, relative to the store root (the child's cwd) so a
	 * deep image still fits the one page of mount options. */
	char overlay[4096], rootfs[160];
	int n = cJSON_GetArraySize(layers);
	if (r == 0 && !strcmp(driver, "overlay")) {
		size_t len = snprintf(overlay, sizeof(overlay), "lowerdir=");
		for (int i = n - 1; i >= 0; i--) {
			const char *l = cJSON_GetStringValue(cJSON_GetArrayItem(layers, i));
			if (!l || !cb_digest_valid(l)) {
				r = cb_fail(e, EINVAL, "image %s: bad layer id", image_id);
				break;
			}
			len += snprintf(overlay + len, sizeof(overlay) - len, "%slayers/%s/diff", i == n - 1 ? "" : ":",
					cb_digest_hex(l));
		}
		len += snprintf(overlay + len, sizeof(overlay) - len, ",upperdir=%s/upper,workdir=%s/work%s", dir, dir,
				o->rootless ? ",userxattr" : "");
		if (r == 0 && len >= 4000)
			r = cb_fail(e, E2BIG, "image %s: %d layers do not fit an overlay mount; use --storage-driver vfs",
				    image_id, n);
		snprintf(rootfs, sizeof(rootfs), "%s/merged", dir);
		if (r == 0 && (mkdirat(dfd, "upper", 0755) < 0 || mkdirat(dfd, "work", 0700) < 0 ||
			       mkdirat(dfd, "merged", 0755) < 0))
			r = cb_fail_errno(e, errno, "%s: mkdir", dir);
		c.m.overlay = overlay;
	} else if (r == 0) {
		snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir);
		if (mkdirat(dfd, "rootfs", 0755) < 0)
			r = cb_fail_errno(e, errno, "%s: mkdir", rootfs);
		int rfd CB_AUTOCLOSE = r ? -1 : openat(dfd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		for (int i = 0; r == 0 && i < n; i++) {
			const char *l = cJSON_GetStringValue(cJSON_GetArrayItem(layers, i));
			if (!l || !cb_digest_valid(l)) {
				r = cb_fail(e, EINVAL, "image %s: bad layer id", image_id);
				break;
			}
			snprintf(path, sizeof(path), "layers/%s/diff", cb_digest_hex(l));
			int lfd = openat(s->rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			r = lfd < 0 ? cb_fail_errno(e, errno, "layer %s", l) : cb_vfs_apply_keepid(lfd, rfd, l, kid.full ? kid.ids : NULL, e);
			if (lfd >= 0)
				close(lfd);
		}
	}
	c.m.rootfs = rootfs;
	c.m.etc_dir = dir;
	c.m.workdir = c.p.cwd;
	c.m.vols = o->vols;
	c.m.nvols = o->nvols;
	c.m.readonly = o->readonly;
	c.m.rootless = o->rootless;
	c.hostname = hostname;

	pid_t pid;
	int syncfd CB_AUTOCLOSE = -1;
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP |
		    cb_net_flags(o->net);
	if (r == 0)
		r = cb_ns_spawn(flags, child_main, &c, &pid, &syncfd, e);
	if (r == 0) {
		cb_debug("container %s: pid %d", id, (int)pid);
		int st = cb_net_attach(o->net, e);
		if (st == 0 && c.keepid)
			st = cb_keepid_parent(c.keepid, &cb_idmap_current, pid, e);
		if (st < 0) {
			kill(pid, SIGKILL);
			cb_ns_wait(pid);
			st = CB_EXIT_FAIL;
		} else {
			st = cb_ns_started(pid, syncfd, e);
		}
		if (st) {
			*status = st; /* the child's message is in *e */
			r = e->errnum ? -e->errnum : -EINVAL;
		} else {
			*status = cb_ns_wait(pid);
		}
		cb_net_stop(o->net);
		cJSON_AddNumberToObject(cj, "exit_code", *status);
		cJSON_AddStringToObject(cj, "state", "exited");
		if (!o->rm) {
			cb_err ignore;
			text = cb_json_print(cj);
			cb_write_atomic(dfd, "config.json", text, strlen(text), 0600, &ignore);
			free(text);
		}
	}
	if (o->rm) {
		int rr = cb_rm_rf_at(s->rootfd, dir);
		if (rr < 0)
			cb_warn("could not remove %s/%s: %s", s->root, dir, strerror(-rr));
	}
out:
	cb_keepid_close(&kid);
	cb_net_stop(o->net);
	cJSON_Delete(cj);
	cb_proc_free(&c.p);
	cJSON_Delete(config);
	return r;
}
