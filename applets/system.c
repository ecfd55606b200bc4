//config:config APPLET_SYSTEM
//config:	bool "system: prune, reset and check the store"
//config:	default y
//applet:CB_APPLET(system, system_main, CB_NOSUID)
//usage:Usage: cbox system COMMAND [OPTIONS]
//usage:
//usage:  prune [-a]           remove images without a name (-a: every image, and the
//usage:                       partial downloads) and the layers nothing uses any more
//usage:  reset [-f]           remove everything cbox stored (asks unless -f)
//usage:  migrate [-f]         explain a change of id mapping since the store was set up
//usage:                       (-f: accept the new one as the store's)
//usage:  df [-v] [--format T]  what images, containers and local volumes take (-v: each
//usage:                       one; --format: .Type .Total .Active .Size .Reclaimable)
//usage:  check [--repair]     report incomplete or orphaned data: interrupted unpacks
//usage:                       and downloads in tmp/, unused layers, images whose layers
//usage:                       or blobs are missing or corrupt; --repair removes them
/* system.c - cbox system prune|reset|check */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "container.h"
#include "format.h"
#include "ctl.h"
#include "idmap.h"
#include "image.h"
#include "walk.h"

static struct cb_store store;

static void open_store(void)
{
	cb_err e;
	/* Layers may hold files only the storage's user namespace can remove. */
	if (cb_userns_enter(&e) < 0 || cb_store_open(&store, cb_opt_root, &e) < 0)
		cb_die(&e);
}

static int prune(int all)
{
	cb_err e;
	cJSON *index;
	open_store();
	if (cb_store_index_lock(&store, &e) < 0 || cb_store_index_load(&store, &index, &e) < 0)
		cb_die(&e);
	cJSON *images = cJSON_GetObjectItem(index, "images");
	for (int i = cJSON_GetArraySize(images) - 1; i >= 0; i--) {
		cJSON *img = cJSON_GetArrayItem(images, i);
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(img, "id"));
		/* Images that containers were made from stay, as with podman. */
		if (cb_container_find(&store, "image", id, NULL, 0))
			continue;
		if (all || cJSON_GetArraySize(cJSON_GetObjectItem(img, "names")) == 0) {
			printf("Deleted: %s\n", id + 7);
			cJSON_DeleteItemFromArray(images, i);
		}
	}
	if (cb_store_index_save(&store, index, &e) < 0)
		cb_die(&e);
	int n = cb_store_gc_layers(&store, index);
	printf("Removed %d unused layer%s\n", n, n == 1 ? "" : "s");
	if (all)
		cb_store_reclaim(&store, 1); /* partial downloads nobody is resuming now */
	return 0;
}

static int reset(int force)
{
	if (!force) {
		char answer[16] = "";
		if (!isatty(0)) {
			fprintf(stderr, "Error: system reset: refusing without -f (stdin is not a terminal)\n");
			return CB_EXIT_FAIL;
		}
		fprintf(stderr, "This removes every image, layer and container cbox stored. Are you sure? [y/N] ");
		if (!fgets(answer, sizeof(answer), stdin) || (answer[0] != 'y' && answer[0] != 'Y'))
			return 0;
	}
	open_store();
	/* Containers still running would go on unseen by ps once their state is gone: they
	 * end first (KILL at once, as their files are about to go), their monitors too. */
	char (*ids)[65] = NULL;
	int n = 0;
	cb_err e;
	if (cb_container_ids(&store, &ids, &n, &e) == 0)
		for (int i = 0; i < n; i++)
			if (cb_container_stop(&store, ids[i], 0, &e) < 0)
				cb_info("system reset: container %.12s: %s", ids[i], e.msg);
	free(ids);
	int fd = dup(store.rootfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int status = 0;
	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		int r = cb_rm_rf_at(store.rootfd, de->d_name);
		if (r < 0) {
			fprintf(stderr, "Error: %s/%s: %s\n", store.root, de->d_name, strerror(-r));
			status = CB_EXIT_FAIL;
		}
	}
	if (d)
		closedir(d);
	return status;
}

/* The id mapping changed (sub-ids added or removed, a helper gone): say what that means. */
static int migrate(int force)
{
	char was[CB_IDMAP_TEXT + 32], now[CB_IDMAP_TEXT];
	cb_err e;
	open_store();
	const struct cb_idmap *m = &cb_idmap_current;
	cb_idmap_ranges(m, 0, now, sizeof(now));
	if (!cb_idmap_changed(store.rootfd, was, sizeof(was))) {
		printf("id mapping unchanged: %s (%s): %s\n", cb_idmap_mode_name(m->mode), now, m->reason);
		return 0;
	}
	printf("storage %s was set up with the %s id mapping; now %s (%s): %s\n"
	       "Files unpacked under the old mapping keep the owners it gave them. To start clean:\n"
	       "  cbox system reset -f     (then pull the images again)\n"
	       "or restore the old setup (/etc/subuid, /etc/subgid, newuidmap), or accept the new\n"
	       "mapping as it is with: cbox system migrate -f\n",
	       store.root, was, cb_idmap_mode_name(m->mode), now, m->reason);
	if (force && cb_idmap_record(store.rootfd, store.root, 1, &e) < 0)
		cb_die(&e);
	if (force)
		printf("recorded the %s mapping for %s\n", cb_idmap_mode_name(m->mode), store.root);
	return 0;
}

/* A finding: printed; removed with --repair (tmp/ and layers/ entries, by name). */
static int finding(int repair, const char *what, const char *path, int *problems)
{
	(*problems)++;
	if (!repair) {
		printf("%s: %s/%s\n", what, store.root, path);
		return 0;
	}
	int r = cb_rm_rf_at(store.rootfd, path);
	printf("%s: %s/%s: %s\n", what, store.root, path, r < 0 ? strerror(-r) : "removed");
	if (r == 0)
		(*problems)--;
	return r;
}

static int check(int repair)
{
	cb_err e;
	cJSON *index;
	int problems = 0;
	open_store();
	/* Hold the index lock: no pull commits while we look. */
	if (cb_store_index_lock(&store, &e) < 0 || cb_store_index_load(&store, &index, &e) < 0)
		cb_die(&e);
	static const char *const dirs[] = { "tmp", "layers" };
	for (size_t k = 0; k < CB_ARRAY_SIZE(dirs); k++) {
		int fd = openat(store.rootfd, dirs[k], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *de;
		while (d && (de = readdir(d))) {
			char path[512];
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[k], de->d_name);
			int mine = k == 0 ? cb_store_tmp_claim(fd, de->d_name) : -1;
			if (k == 0 && mine < 0)
				continue; /* a live pull's or load's */
			if (k == 0)
				finding(repair, strstr(de->d_name, ".partial") ? "incomplete download" : "incomplete unpack",
					path, &problems);
			else if (!cb_index_uses_layer(index, de->d_name))
				finding(repair, "orphaned layer", path, &problems);
			if (mine >= 0)
				close(mine);
		}
		if (d)
			closedir(d);
	}
	/* Images whose layers or blobs are gone or corrupt. */
	cJSON *images = cJSON_GetObjectItem(index, "images");
	int changed = 0;
	for (int i = cJSON_GetArraySize(images) - 1; i >= 0; i--) {
		cJSON *img = cJSON_GetArrayItem(images, i), *l;
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(img, "id"));
		const char *digest = cJSON_GetStringValue(cJSON_GetObjectItem(img, "digest"));
		char why[200] = "";
		char *blob;
		cJSON_ArrayForEach(l, cJSON_GetObjectItem(img, "layers"))
			if (!why[0] && !cb_store_has_layer(&store, cJSON_GetStringValue(l)))
				snprintf(why, sizeof(why), "layer %s missing", cJSON_GetStringValue(l));
		if (!why[0] && cb_store_get_blob(&store, id, &blob, NULL, &e) < 0)
			snprintf(why, sizeof(why), "config: %s", e.msg);
		else if (!why[0])
			free(blob);
		if (!why[0] && cb_store_get_blob(&store, digest, &blob, NULL, &e) < 0)
			snprintf(why, sizeof(why), "manifest: %s", e.msg);
		else if (!why[0])
			free(blob);
		if (!why[0])
			continue;
		problems++;
		printf("broken image %.12s: %s%s\n", id + 7, why, repair ? ": removed" : "");
		if (repair) {
			cJSON_DeleteItemFromArray(images, i);
			changed = 1;
			problems--;
		}
	}
	if (changed && cb_store_index_save(&store, index, &e) < 0)
		cb_die(&e);
	if (changed)
		cb_store_gc_layers(&store, index);
	if (!problems)
		printf("no problems found in %s\n", store.root);
	return problems ? 1 : 0;
}


/* ---- df: what images, containers and volumes take */

/* go-units' HumanSize, as podman's df prints sizes: "11.76MB", "0B" */
static void df_size(double b, char *out, size_t n)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	int u = 0;
	for (; b >= 1000 && u < 4; u++)
		b /= 1000;
	snprintf(out, n, "%.4g%s", b, units[u]);
}

static void df_add(cJSON *rows, const char *type, int total, int active, double size, double reclaim)
{
	char sz[32], rc[64];
	cJSON *o = cJSON_CreateObject();
	df_size(size, sz, sizeof(sz));
	df_size(reclaim, rc, sizeof(rc));
	snprintf(rc + strlen(rc), sizeof(rc) - strlen(rc), " (%.0f%%)", size > 0 ? 100 * reclaim / size : 0);
	cJSON_AddStringToObject(o, "Type", type);
	cJSON_AddNumberToObject(o, "Total", total);
	cJSON_AddNumberToObject(o, "Active", active);
	cJSON_AddStringToObject(o, "Size", sz);
	cJSON_AddStringToObject(o, "Reclaimable", rc);
	cJSON_AddItemToArray(rows, o);
}

static void df_print(const char *title, const char *format, cJSON *items)
{
	struct cb_format_opts fo = { .align = 1 };
	cb_err e;
	if (title)
		printf("%s space usage:\n\n", title);
	fflush(stdout);
	if (cb_format_print(format, items, &fo, &e) < 0)
		cb_die(&e);
	if (title && strcmp(title, "Local Volumes"))
		printf("\n");
	cJSON_Delete(items);
}

static int df(int verbose, const char *format)
{
	cb_err e;
	cJSON *index, *ctrs = cJSON_CreateArray(), *it;
	char (*ids)[65] = NULL;
	int n = 0, running = 0;
	double csize = 0, creclaim = 0;
	open_store();
	if (cb_store_index_load(&store, &index, &e) < 0 || cb_container_ids(&store, &ids, &n, &e) < 0)
		cb_die(&e);
	for (int i = 0; i < n; i++) {
		char path[128], sz[32];
		int fd;
		cJSON *cfg;
		struct cb_state st;
		if (cb_container_open(&store, ids[i], &fd, &cfg, &e) < 0)
			continue;
		cb_state_read(fd, &st);
		close(fd);
		snprintf(path, sizeof(path), "containers/%s/%s", ids[i], cJSON_GetObjectItem(cfg, "overlay") ? "upper" : "rootfs");
		double size = cb_tree_size(store.rootfd, path);
		running += st.state == CB_STATE_RUNNING;
		csize += size;
		creclaim += st.state == CB_STATE_RUNNING ? 0 : size;
		cJSON *o = cJSON_CreateObject(), *cmd = cJSON_GetObjectItem(cfg, "command");
		char *cmdline = cJSON_GetArraySize(cmd) ? cJSON_GetStringValue(cJSON_GetArrayItem(cmd, 0)) : "";
		int vols = 0;
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(cfg, "volumes"))
			vols += cJSON_GetObjectItem(it, "name") != NULL;
		df_size(size, sz, sizeof(sz));
		const char *image = cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "image")) ?: "";
		snprintf(path, sizeof(path), "%.12s", image + (strncmp(image, "sha256:", 7) ? 0 : 7));
		cJSON_AddStringToObject(o, "ContainerID", ids[i]);
		cJSON_AddStringToObject(o, "Image", path);
		cJSON_AddStringToObject(o, "Command", cmdline ?: "");
		cJSON_AddNumberToObject(o, "LocalVolumes", vols);
		cJSON_AddStringToObject(o, "Size", sz);
		cb_human_age(cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "created")), sz, sizeof(sz));
		cJSON_AddStringToObject(o, "Created", sz);
		cJSON_AddStringToObject(o, "Status", cb_state_name(st.state));
		cJSON_AddStringToObject(o, "Names", cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "name")) ?: "");
		cJSON_AddItemReferenceToObject(o, "volumes", cJSON_GetObjectItem(cfg, "volumes"));
		cJSON_AddItemToObject(o, "cfg", cfg); /* kept for the volumes' links */
		cJSON_AddItemToArray(ctrs, o);
	}
	/* images: in use when a container was made from one */
	cJSON *imgs = cJSON_CreateArray(), *img, *c;
	int nimg = 0, used = 0;
	double isize = 0, ireclaim = 0;
	cJSON_ArrayForEach(img, cJSON_GetObjectItem(index, "images")) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(img, "id")) ?: "";
		double size = cJSON_GetNumberValue(cJSON_GetObjectItem(img, "size"));
		int users = 0;
		char sz[32], repo[512] = "<none>", *tag = "<none>";
		cJSON_ArrayForEach(c, ctrs)
			users += !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "cfg"), "image")) ?: "", id);
		nimg++;
		used += users > 0;
		isize += size;
		ireclaim += users ? 0 : size;
		const char *name = cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(img, "names"), 0));
		char *colon = name ? strrchr(name, ':') : NULL;
		if (name && colon && !strchr(colon, '/')) {
			snprintf(repo, sizeof(repo), "%.*s", (int)(colon - name), name);
			tag = colon + 1;
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Repository", repo);
		cJSON_AddStringToObject(o, "Tag", tag);
		snprintf(sz, sizeof(sz), "%.12s", id + (strncmp(id, "sha256:", 7) ? 0 : 7));
		cJSON_AddStringToObject(o, "ImageID", sz);
		cb_human_age(cJSON_GetStringValue(cJSON_GetObjectItem(img, "created")), sz, sizeof(sz));
		cJSON_AddStringToObject(o, "Created", sz);
		df_size(size, sz, sizeof(sz));
		cJSON_AddStringToObject(o, "Size", sz);
		cJSON_AddStringToObject(o, "SharedSize", "0B");
		cJSON_AddStringToObject(o, "UniqueSize", sz);
		cJSON_AddNumberToObject(o, "Containers", users);
		cJSON_AddItemToArray(imgs, o);
	}
	/* volumes: volumes/NAME/_data; in use when a container's config names it */
	cJSON *vols = cJSON_CreateArray();
	int nvol = 0, vused = 0;
	double vsize = 0, vreclaim = 0;
	int vfd = openat(store.rootfd, "volumes", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = vfd < 0 ? NULL : fdopendir(vfd);
	for (struct dirent *de; d && (de = readdir(d));) {
		char path[400], sz[32];
		struct stat sb;
		snprintf(path, sizeof(path), "%s/_data", de->d_name);
		if (de->d_name[0] == '.' || fstatat(vfd, path, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(sb.st_mode))
			continue;
		int links = 0;
		cJSON *v;
		cJSON_ArrayForEach(c, ctrs)
			cJSON_ArrayForEach(v, cJSON_GetObjectItem(c, "volumes"))
				links += !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(v, "name")) ?: "", de->d_name);
		double size = cb_tree_size(vfd, path);
		nvol++;
		vused += links > 0;
		vsize += size;
		vreclaim += links ? 0 : size;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "VolumeName", de->d_name);
		cJSON_AddNumberToObject(o, "Links", links);
		df_size(size, sz, sizeof(sz));
		cJSON_AddStringToObject(o, "Size", sz);
		cJSON_AddItemToArray(vols, o);
	}
	if (d)
		closedir(d);
	if (verbose) {
		df_print("Images", "table {{.Repository}}\t{{.Tag}}\t{{.ImageID}}\t{{.Created}}\t{{.Size}}\t"
			 "{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}", imgs);
		df_print("Containers", "table {{.ContainerID | printf \"%.12s\"}}\t{{.Image}}\t{{.Command}}\t"
			 "{{.LocalVolumes}}\t{{.Size}}\t{{.Created}}\t{{.Status}}\t{{.Names}}", ctrs);
		df_print("Local Volumes", "table {{.VolumeName}}\t{{.Links}}\t{{.Size}}", vols);
		return 0;
	}
	cJSON *rows = cJSON_CreateArray();
	df_add(rows, "Images", nimg, used, isize, ireclaim);
	df_add(rows, "Containers", n, running, csize, creclaim);
	df_add(rows, "Local Volumes", nvol, vused, vsize, vreclaim);
	cJSON_Delete(imgs);
	cJSON_Delete(ctrs);
	cJSON_Delete(vols);
	df_print(NULL, format ? format : "table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}", rows);
	return 0;
}

int system_main(int argc, char **argv)
{
	enum { O_ALL = 1, O_FORCE, O_REPAIR, O_VERBOSE, O_FORMAT };
	static const struct cb_option opts[] = {
		{ "all", 'a', CB_OPT_NONE, O_ALL },
		{ "force", 'f', CB_OPT_NONE, O_FORCE },
		{ "repair", 0, CB_OPT_NONE, O_REPAIR },
		{ "verbose", 'v', CB_OPT_NONE, O_VERBOSE },
		{ "format", 0, CB_OPT_ARG, O_FORMAT },
		{ 0 },
	};
	struct cb_opt_state st;
	int all = 0, force = 0, repair = 0, verbose = 0, c;
	const char *format = NULL;
	if (argc < 2 || argv[1][0] == '-') {
		cb_opt_init(&st, argc, argv);
		while (cb_getopt(&st, opts))
			;
		cb_usage_error("name a command: prune, reset, check, migrate or df");
		return CB_EXIT_FAIL;
	}
	const char *cmd = argv[1];
	cb_opt_init(&st, argc - 1, argv + 1);
	while ((c = cb_getopt(&st, opts))) {
		all |= c == O_ALL;
		force |= c == O_FORCE;
		repair |= c == O_REPAIR;
		verbose |= c == O_VERBOSE;
		if (c == O_FORMAT)
			format = st.arg;
	}
	if (st.ind < argc - 1) {
		fprintf(stderr, "Error: system %s: unexpected argument '%s'\n", cmd, argv[st.ind + 1]);
		return CB_EXIT_FAIL;
	}
	if (!strcmp(cmd, "prune"))
		return prune(all);
	if (!strcmp(cmd, "reset"))
		return reset(force);
	if (!strcmp(cmd, "check"))
		return check(repair);
	if (!strcmp(cmd, "migrate"))
		return migrate(force);
	if (CFG_SYSTEM_DF && !strcmp(cmd, "df"))
		return df(verbose, format);
	fprintf(stderr, "Error: unknown command '%s' (prune, reset, check, migrate%s)\n", cmd, CFG_SYSTEM_DF ? ", df" : "");
	return CB_EXIT_FAIL;
}
