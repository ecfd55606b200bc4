//config:config APPLET_INFO
//config:	bool "info: the host, the store and the id mapping"
//config:	default y
//applet:CB_APPLET(info, info_main, CB_NOSUID)
//usage:Usage: cbox info [--format json]
//usage:
//usage:Kernel, arch, storage root and driver (with the reason it was chosen), the id
//usage:mapping (none, full or single, with the reason), cgroup version, network default
//usage:and the binfmt_misc handlers registered for foreign-arch images.
/* info.c - cbox info */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <linux/magic.h>

#include "binfmt.h"
#include "driver.h"
#include "idmap.h"
#include "net.h"
#include "json.h"

/* v2: cgroup2 on /sys/fs/cgroup; v1: a v1 hierarchy there, or a tmpfs holding v1
 * hierarchies (hybrid counts as v1, as podman says); none: nothing mounted there (the
 * bare sysfs directory of an initramfs) or a tmpfs without cgroup hierarchies. */
static const char *cgroup_version(void)
{
	struct statfs sf;
	if (statfs("/sys/fs/cgroup", &sf) < 0)
		return "none";
	if (sf.f_type == CGROUP2_SUPER_MAGIC)
		return "v2";
	if (sf.f_type == CGROUP_SUPER_MAGIC)
		return "v1";
	if (sf.f_type != TMPFS_MAGIC)
		return "none";
	DIR *d = opendir("/sys/fs/cgroup");
	struct dirent *de;
	const char *v = "none";
	char p[300];
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/fs/cgroup/%s", de->d_name);
		if (statfs(p, &sf) < 0)
			continue;
		if (sf.f_type == CGROUP_SUPER_MAGIC) {
			v = "v1";
			break;
		}
		if (sf.f_type == CGROUP2_SUPER_MAGIC)
			v = "v2";
	}
	if (d)
		closedir(d);
	return v;
}

int info_main(int argc, char **argv)
{
	enum { O_FORMAT = 1 };
	static const struct cb_option opts[] = { { "format", 'f', CB_OPT_ARG, O_FORMAT }, { 0 } };
	struct cb_opt_state st;
	const char *format = NULL;
	int c;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts)))
		if (c == O_FORMAT)
			format = st.arg;
	if (format && strcmp(format, "json")) {
		fprintf(stderr, "cbox: info: --format %s: only json is supported\n", format);
		return CB_EXIT_FAIL;
	}
	int rootless = getuid() != 0;
	struct cb_store s;
	char driver[16], ur[CB_IDMAP_TEXT], gr[CB_IDMAP_TEXT], *text = NULL;
	cb_err e;
	if (cb_userns_enter(&e) < 0 || cb_store_open(&s, cb_opt_root, &e) < 0 ||
	    cb_driver_choose(&s, cb_opt_storage_driver, rootless, driver, &e) < 0)
		cb_die(&e);
	cJSON *sj = cb_read_file_at(s.rootfd, "storage.json", 65536, &text, NULL, &e) == 0 ? cJSON_Parse(text) : NULL;
	free(text);
	const char *dreason = cJSON_GetStringValue(cJSON_GetObjectItem(sj, "reason"));
	const struct cb_idmap *m = &cb_idmap_current;
	cb_idmap_ranges(m, 0, ur, sizeof(ur));
	cb_idmap_ranges(m, 1, gr, sizeof(gr));
	struct utsname u;
	uname(&u);
	/* binfmt_misc handlers, enabled or not: the names (and in text, what they run). */
	struct cb_binfmt b[64];
	int nb = cb_binfmt_scan(b, 64);
	cJSON *bf = cJSON_CreateArray();
	for (int i = 0; i < nb; i++)
		cJSON_AddItemToArray(bf, cJSON_CreateString(b[i].name));

	cJSON *j = cJSON_CreateObject();
	cJSON *host = cJSON_AddObjectToObject(j, "host");
	cJSON_AddStringToObject(host, "kernel", u.release);
	cJSON_AddStringToObject(host, "arch", u.machine);
	cJSON_AddStringToObject(host, "cgroupVersion", cgroup_version());
	cJSON_AddStringToObject(host, "networkDefault", cb_net_default_name(rootless));
	cJSON_AddItemToObject(host, "binfmtHandlers", bf);
	cJSON *idm = cJSON_AddObjectToObject(host, "idMappings");
	cJSON_AddStringToObject(idm, "mode", cb_idmap_mode_name(m->mode));
	cJSON_AddStringToObject(idm, "uidmap", ur);
	cJSON_AddStringToObject(idm, "gidmap", gr);
	cJSON_AddStringToObject(idm, "reason", m->reason);
	cJSON *store = cJSON_AddObjectToObject(j, "store");
	cJSON_AddStringToObject(store, "graphRoot", s.root);
	cJSON_AddStringToObject(store, "graphDriverName", driver);
	cJSON_AddStringToObject(store, "graphDriverReason", dreason ? dreason : "");
	if (format) {
		char *out = cb_json_print(j);
		printf("%s\n", out);
		free(out);
	} else {
		printf("kernel:          %s\narch:            %s\nstorage root:    %s\n", u.release, u.machine, s.root);
		printf("storage driver:  %s (%s)\n", driver, dreason ? dreason : "");
		printf("id mapping:      %s: uids %s; gids %s (%s)\n", cb_idmap_mode_name(m->mode), ur, gr, m->reason);
		printf("cgroup version:  %s\nnetwork default: %s\nbinfmt handlers:", cgroup_version(), cb_net_default_name(rootless));
		for (int i = 0; i < nb; i++)
			printf(" %s%s%s%s", b[i].name, b[i].arch[0] ? " (" : "", b[i].arch, b[i].arch[0] ? b[i].enabled ? ")" : ", disabled)" : "");
		printf("%s\n", nb ? "" : " none");
	}
	cJSON_Delete(j);
	cJSON_Delete(sj);
	cb_store_close(&s);
	return 0;
}
