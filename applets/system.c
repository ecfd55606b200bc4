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
//usage:  check [--repair]     report incomplete or orphaned data: interrupted unpacks
//usage:                       and downloads in tmp/, unused layers, images whose layers
//usage:                       or blobs are missing or corrupt; --repair removes them
/* system.c - cbox system prune|reset|check */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "container.h"
#include "ctl.h"
#include "idmap.h"
#include "image.h"

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

int system_main(int argc, char **argv)
{
	enum { O_ALL = 1, O_FORCE, O_REPAIR };
	static const struct cb_option opts[] = {
		{ "all", 'a', CB_OPT_NONE, O_ALL },
		{ "force", 'f', CB_OPT_NONE, O_FORCE },
		{ "repair", 0, CB_OPT_NONE, O_REPAIR },
		{ 0 },
	};
	struct cb_opt_state st;
	int all = 0, force = 0, repair = 0, c;
	if (argc < 2 || argv[1][0] == '-') {
		cb_opt_init(&st, argc, argv);
		while (cb_getopt(&st, opts))
			;
		fprintf(stderr, "Error: name a command: prune, reset or check\nSee 'cbox system --help'.\n");
		return CB_EXIT_FAIL;
	}
	const char *cmd = argv[1];
	cb_opt_init(&st, argc - 1, argv + 1);
	while ((c = cb_getopt(&st, opts))) {
		all |= c == O_ALL;
		force |= c == O_FORCE;
		repair |= c == O_REPAIR;
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
	fprintf(stderr, "Error: unknown command '%s' (prune, reset, check, migrate)\n", cmd);
	return CB_EXIT_FAIL;
}
