/* inspect.c - a container as podman inspect shows it (see inspect.h). */
#include <stdio.h>
#include <string.h>

#include "health.h"
#include "inspect.h"
#include "runflags.h"
#include "state.h"
#include "volume.h"

static const char *str(const cJSON *j, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(j, key)) ?: "";
}

static void copy(cJSON *to, const char *key, const cJSON *from, const char *fkey)
{
	const cJSON *v = cJSON_GetObjectItem(from, fkey);
	cJSON_AddItemToObject(to, key, v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
}

/* {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]} from config.json's ports
 * (one entry per port, ranges already spread). */
static cJSON *port_map(const cJSON *cfg)
{
	cJSON *m = cJSON_CreateObject();
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(cfg, "ports")) {
		char key[32], hport[16];
		snprintf(key, sizeof(key), "%d/%s", (int)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "container_port")),
			 str(p, "protocol"));
		snprintf(hport, sizeof(hport), "%d", (int)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "host_port")));
		cJSON *list = cJSON_GetObjectItem(m, key) ?: cJSON_AddArrayToObject(m, key);
		cJSON *b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "HostIp", str(p, "host_ip"));
		cJSON_AddStringToObject(b, "HostPort", hport);
		cJSON_AddItemToArray(list, b);
	}
	return m;
}

cJSON *cb_container_inspect(struct cb_store *s, const char *id, cb_err *e)
{
	int dfd;
	cJSON *cfg;
	struct cb_state st;
	if (cb_container_open(s, id, &dfd, &cfg, e) < 0)
		return NULL;
	cb_state_read(dfd, &st);
	cJSON *health = CFG_APPLET_HEALTHCHECK ? cb_health_read(dfd) : NULL;
	close(dfd);
	const cJSON *proc = cJSON_GetObjectItem(cfg, "process"), *args = cJSON_GetObjectItem(proc, "args");
	const char *image = str(cfg, "image");
	cJSON *o = cJSON_CreateObject(), *a;
	cJSON_AddStringToObject(o, "Id", id);
	cJSON_AddStringToObject(o, "Created", str(cfg, "created"));
	cJSON_AddStringToObject(o, "Path", cJSON_GetStringValue(cJSON_GetArrayItem(args, 0)) ?: "");
	cJSON_AddItemToObject(o, "Args", a = cJSON_CreateArray());
	for (int i = 1; i < cJSON_GetArraySize(args); i++)
		cJSON_AddItemToArray(a, cJSON_Duplicate(cJSON_GetArrayItem(args, i), 1));
	cJSON *sj = cJSON_AddObjectToObject(o, "State");
	cJSON_AddStringToObject(sj, "Status", st.paused ? "paused" : st.state == CB_STATE_RUNNING && st.stopping ? "stopping" :
					      cb_state_name(st.state));
	cJSON_AddBoolToObject(sj, "Running", st.state == CB_STATE_RUNNING);
	cJSON_AddBoolToObject(sj, "Paused", st.paused);
	cJSON_AddNumberToObject(sj, "Pid", st.state == CB_STATE_RUNNING ? st.pid : 0);
	cJSON_AddNumberToObject(sj, "ExitCode", st.exit_code);
	cJSON_AddStringToObject(sj, "StartedAt", st.started);
	cJSON_AddStringToObject(sj, "FinishedAt", st.finished);
	if (health) /* podman's State.Health, from the checks' record (health.h) */
		cJSON_AddItemToObject(sj, "Health", health);
	cJSON_AddStringToObject(o, "Image", strncmp(image, "sha256:", 7) ? image : image + 7);
	cJSON_AddStringToObject(o, "ImageName", str(cfg, "image_name"));
	cJSON_AddStringToObject(o, "ImageDigest", str(cfg, "image_digest"));
	cJSON_AddStringToObject(o, "Name", str(cfg, "name"));
	cJSON_AddStringToObject(o, "Driver", str(cfg, "driver"));
	cJSON_AddStringToObject(o, "OCIRuntime", *str(cfg, "oci_runtime") ? str(cfg, "oci_runtime") : "cbox");
	cJSON *c = cJSON_AddObjectToObject(o, "Config");
	cJSON_AddStringToObject(c, "Hostname", str(cfg, "hostname"));
	copy(c, "Cmd", cfg, "command");
	copy(c, "Env", proc, "env");
	copy(c, "WorkingDir", proc, "cwd");
	copy(c, "User", proc, "user");
	copy(c, "StopSignal", cfg, "stop_signal");
	/* create/run's --label, --annotation, --stop-timeout, -t, --restart */
	copy(c, "Labels", cfg, "labels");
	copy(c, "Annotations", cfg, "annotations");
	const cJSON *t = cJSON_GetObjectItem(cfg, "stop_timeout");
	cJSON_AddNumberToObject(c, "StopTimeout", cJSON_IsNumber(t) ? t->valuedouble : 10);
	cJSON_AddBoolToObject(c, "Tty", cJSON_IsTrue(cJSON_GetObjectItem(cfg, "tty")));
	if (CFG_APPLET_HEALTHCHECK && cJSON_GetObjectItem(cfg, "healthcheck"))
		copy(c, "Healthcheck", cfg, "healthcheck");
	if (CFG_APPLET_HEALTHCHECK)
		cJSON_AddStringToObject(c, "HealthcheckOnFailureAction", str(cfg, "health_on_failure")[0] ? str(cfg, "health_on_failure") : "none");
	cJSON *h = cJSON_AddObjectToObject(o, "HostConfig");
	const char *rp = cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "restart")) ?: "";
	cJSON *rj = cJSON_AddObjectToObject(h, "RestartPolicy");
	char policy[32];
	snprintf(policy, sizeof(policy), "%.*s", (int)strcspn(rp, ":"), strcmp(rp, "no") ? rp : "");
	cJSON_AddStringToObject(rj, "Name", policy);
	cJSON_AddNumberToObject(rj, "MaximumRetryCount", strchr(rp, ':') ? atoi(strchr(rp, ':') + 1) : 0);
	cJSON_AddStringToObject(h, "NetworkMode", str(cfg, "network"));
	cJSON_AddStringToObject(h, "UsernsMode", str(cfg, "userns_mode"));
	cJSON *lc = cJSON_AddObjectToObject(h, "LogConfig");
	const cJSON *rf = cJSON_GetObjectItem(cfg, "runflags");
	char path[4200], size[32];
	snprintf(path, sizeof(path), "%s/containers/%s/ctr.log", s->root, id);
	cb_runflags_human((long long)cJSON_GetNumberValue(cJSON_GetObjectItem(rf, "log_max")), size, sizeof(size));
	const char *driver = *str(cfg, "log_driver") ? str(cfg, "log_driver") : "k8s-file";
	cJSON_AddStringToObject(lc, "Type", driver);
	cJSON_AddStringToObject(lc, "Path", strcmp(driver, "k8s-file") ? "" : path);
	cJSON_AddStringToObject(lc, "Tag", cJSON_GetStringValue(cJSON_GetObjectItem(rf, "log_tag")) ?: "");
	cJSON_AddStringToObject(lc, "Size", size);
	cJSON_AddItemToObject(h, "PortBindings", port_map(cfg));
	/* run's resource flags, podman's keys (0 or "" when not given) */
	static const char *const res[] = { "Memory", "MemorySwap", "MemoryReservation", "NanoCpus", "CpuShares",
					   "PidsLimit", "BlkioWeight", "CpusetCpus", "CpusetMems" };
	const cJSON *hc = cJSON_GetObjectItem(cfg, "hostconfig");
	for (int i = 0; i < 9; i++) {
		const cJSON *v = cJSON_GetObjectItem(hc, res[i]);
		cJSON_AddItemToObject(h, res[i], v ? cJSON_Duplicate(v, 0) : i < 7 ? cJSON_CreateNumber(0) : cJSON_CreateString(""));
	}
	cJSON_AddStringToObject(h, "CgroupParent", str(cfg, "cgroup_parent"));
	cJSON_AddStringToObject(h, "Cgroups", cJSON_IsTrue(cJSON_GetObjectItem(cfg, "cgroups_off")) ? "disabled" : "default");
	cJSON_AddItemToObject(cJSON_AddObjectToObject(o, "NetworkSettings"), "Ports", port_map(cfg));
	cJSON_AddItemToObject(o, "Mounts", cb_volume_mounts(cfg));
	cJSON_Delete(cfg);
	return o;
}
