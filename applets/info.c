//config:config APPLET_INFO
//config:	bool "info: the host, the store and the id mapping"
//config:	default y
//applet:CB_APPLET(info, info_main, CB_NOSUID)
//cmd:CB_CMD("info", "system", 0, 0, "", "Show cbox's system information")
//usage:Kernel, arch, storage root and driver (with the reason it was chosen), the id
//usage:mapping (none, full or single, with the reason), cgroup version, network default
//usage:and the binfmt_misc handlers registered for foreign-arch images. --format: json, or a
//usage:Go template over the same keys with podman's names ({{.Store.GraphDriverName}},
//usage:{{.Store.GraphRoot}}, {{.Store.RunRoot}}, {{.Host.OCIRuntime.Name}}, {{.Version.Version}}).
/* info.c - cbox info */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <linux/magic.h>

#include "binfmt.h"
#include "driver.h"
#include "format.h"
#include "image.h"
#include "state.h"
#include "idmap.h"
#include "net.h"
#include "json.h"
#include "paths.h"

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
	int rootless = cb_rootless();
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
	cJSON_AddStringToObject(host, "os", "linux");
	cJSON_AddStringToObject(host, "hostname", u.nodename);
	cJSON_AddStringToObject(host, "cgroupManager", "cgroupfs");
	cJSON_AddStringToObject(host, "cgroupsVersion", cgroup_version()); /* podman's Go name */
	cJSON_AddStringToObject(host, "eventLogger", "none");
	cJSON_AddStringToObject(host, "logDriver", "k8s-file");
	cJSON *dist = cJSON_AddObjectToObject(host, "distribution");
	char *osr = NULL;
	if (cb_read_file_at(AT_FDCWD, "/etc/os-release", 65536, &osr, NULL, &e) < 0)
		cb_read_file_at(AT_FDCWD, "/usr/lib/os-release", 65536, &osr, NULL, &e); /* /etc's is a link */
	for (const char *k = "ID=\0VERSION_ID=\0", *key = "distribution"; *k; k += strlen(k) + 1, key = "version") {
		const char *at = osr ? strstr(osr, k) : NULL;
		while (at && at != osr && at[-1] != '\n')
			at = strstr(at + 1, k);
		char val[64] = "";
		if (at && sscanf(at + strlen(k), "\"%63[^\"\n]", val) != 1)
			sscanf(at + strlen(k), "%63[^\n]", val);
		cJSON_AddStringToObject(dist, key, val);
	}
	free(osr);
	cJSON_AddStringToObject(host, "networkBackend", "cbox");
	cJSON *rt = cJSON_AddObjectToObject(host, "ociRuntime");
	char self[4096];
	ssize_t sn = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[sn > 0 ? sn : 0] = '\0';
	cJSON_AddStringToObject(rt, "name", "cbox");
	cJSON_AddStringToObject(rt, "package", "cbox " CB_VERSION);
	cJSON_AddStringToObject(rt, "path", self); /* cbox is its own OCI runtime */
	cJSON_AddStringToObject(rt, "version", CB_VERSION);
	cJSON_AddBoolToObject(cJSON_AddObjectToObject(host, "security"), "rootless", rootless);
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
	cJSON_AddStringToObject(store, "runRoot", cb_runtime_path());
	cJSON_AddStringToObject(store, "graphDriverName", driver);
	cJSON_AddStringToObject(store, "graphDriverReason", dreason ? dreason : "");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char run[4200];
	snprintf(run, sizeof(run), "%s/cbox", xdg && *xdg ? xdg : s.root);
	cJSON_AddStringToObject(store, "runRoot", run);
	cJSON_AddObjectToObject(store, "graphOptions");
	char vols[4200];
	snprintf(vols, sizeof(vols), "%s/volumes", s.root);
	cJSON_AddStringToObject(store, "volumePath", cb_opt_volume_path ? cb_opt_volume_path : vols);
	cJSON *index = NULL;
	int nc = 0;
	char (*ids)[65] = NULL;
	cb_store_index_load(&s, &index, &e);
	cb_container_ids(&s, &ids, &nc, &e);
	free(ids);
	cJSON_AddNumberToObject(cJSON_AddObjectToObject(store, "imageStore"), "number",
				cJSON_GetArraySize(cJSON_GetObjectItem(index, "images")));
	cJSON_AddNumberToObject(cJSON_AddObjectToObject(store, "containerStore"), "number", nc);
	cJSON_Delete(index);
	cJSON *ver = cJSON_AddObjectToObject(j, "version");
	cJSON_AddStringToObject(ver, "Version", CB_VERSION);
	cJSON_AddStringToObject(ver, "OsArch", "linux/" CB_ARCH);
	if (format) {
		cJSON *items = cJSON_CreateArray();
		struct cb_format_opts fo = { 0 };
		cJSON_AddItemReferenceToArray(items, j);
		int r = strcmp(format, "json") ? cb_format_print(format, items, &fo, &e) : 0;
		if (!strcmp(format, "json")) {
			char *out = cb_json_print(j);
			printf("%s\n", out);
			free(out);
		}
		cJSON_Delete(items);
		if (r < 0) {
			fprintf(stderr, "Error: %s\n", e.msg);
			return CB_EXIT_FAIL;
		}
	} else {
		printf("kernel:          %s\narch:            %s\nstorage root:    %s\n", u.release, u.machine, s.root);
		printf("runtime dir:     %s\n", *cb_runtime_path() ? cb_runtime_path() : "none (XDG_RUNTIME_DIR is not set)");
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
