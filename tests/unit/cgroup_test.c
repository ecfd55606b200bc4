/* cgroup_test.c - run's resource flags and runtime-spec's linux.resources as cgroup v2
 * files (cgroup.c): sizes, crun's weight mappings, podman's swap default, the errors. */
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "cgroup.h"
#include "unit.h"

/* The limits after flags (pairs of name, value; NULL ends), compact, or "ERR message". */
static const char *flags(const char *const *kv)
{
	static char out[1024];
	cJSON *l = cJSON_CreateObject(), *hc = cJSON_CreateObject();
	cb_err e;
	int r = 0;
	for (; *kv && r == 0; kv += 2)
		r = cb_cgroup_flag(l, hc, kv[0], kv[1], &e);
	if (r == 0)
		r = cb_cgroup_flags_done(l, hc, &e);
	char *t = r == 0 ? cJSON_PrintUnformatted(l) : NULL;
	snprintf(out, sizeof(out), r == 0 ? "%s" : "ERR %s", r == 0 ? t : e.msg);
	free(t);
	cJSON_Delete(l);
	cJSON_Delete(hc);
	return out;
}

static const char *oci(const char *res)
{
	static char out[1024];
	cJSON *r = cJSON_Parse(res), *l = cJSON_CreateObject();
	cb_err e;
	char *t = cb_cgroup_oci(r, l, &e) == 0 ? cJSON_PrintUnformatted(l) : NULL;
	snprintf(out, sizeof(out), t ? "%s" : "ERR %s", t ? t : e.msg);
	free(t);
	cJSON_Delete(r);
	cJSON_Delete(l);
	return out;
}

#define F(...) flags((const char *const[]){ __VA_ARGS__, NULL })

int main(void)
{
	unit_name = "cgroup";
	int64_t v;
	CHECK(cb_cgroup_ram("10m", &v) == 0 && v == 10 << 20);
	CHECK(cb_cgroup_ram("1.5GiB", &v) == 0 && v == 3LL << 29);
	CHECK(cb_cgroup_ram("512", &v) == 0 && v == 512);
	CHECK(cb_cgroup_ram("10x", &v) < 0 && cb_cgroup_ram("", &v) < 0 && cb_cgroup_ram("-1", &v) < 0);
	CHECK_STR(F("memory", "32m"), "{\"memory.max\":\"33554432\",\"memory.swap.max\":\"33554432\"}");
	CHECK_STR(F("memory", "32m", "memory-swap", "-1"), "{\"memory.max\":\"33554432\",\"memory.swap.max\":\"max\"}");
	CHECK_STR(F("memory", "0"), "{}");
	CHECK_STR(F("memory-reservation", "1k"), "{\"memory.low\":\"1024\"}");
	CHECK_STR(F("cpus", "0.5"), "{\"cpu.max\":\"50000 100000\"}");
	CHECK_STR(F("cpu-shares", "1024"), "{\"cpu.weight\":\"39\"}");
	CHECK_STR(F("cpu-shares", "2"), "{\"cpu.weight\":\"1\"}");
	CHECK_STR(F("blkio-weight", "1000"), "{\"io.weight\":\"10000\"}");
	CHECK_STR(F("pids-limit", "-1"), "{\"pids.max\":\"max\"}");
	CHECK_STR(F("pids-limit", "0"), "{}");
	CHECK_STR(F("cpuset-cpus", "0-1,3"), "{\"cpuset.cpus\":\"0-1,3\"}");
	CHECK_STR(F("cpuset-mems", "x"), "ERR invalid value for cpuset-mems: x: want a list such as 0-2,4");
	CHECK_STR(F("memory-swap", "64m"), "ERR you should always set a memory limit when using a memory swap limit");
	CHECK(!strncmp(F("cpus", "1e9"), "ERR range of CPUs is from 0.01 to ", 34));
	CHECK_STR(oci("{\"memory\":{\"limit\":1048576,\"swap\":2097152},\"cpu\":{\"quota\":20000,\"period\":50000,\"shares\":1024},"
		      "\"pids\":{\"limit\":20},\"blockIO\":{\"weight\":10},\"unified\":{\"memory.high\":\"900000\"}}"),
		  "{\"memory.max\":\"1048576\",\"memory.swap.max\":\"1048576\",\"cpu.weight\":\"39\",\"cpu.max\":\"20000 50000\","
		  "\"pids.max\":\"20\",\"io.weight\":\"1\",\"memory.high\":\"900000\"}");
	CHECK_STR(oci("{\"cpu\":{\"quota\":-1},\"pids\":{\"limit\":0}}"), "{\"cpu.max\":\"max 100000\",\"pids.max\":\"max\"}");
	CHECK_STR(oci("{\"unified\":{\"../x\":\"1\"}}"), "ERR linux.resources.unified.../x: want a cgroup file name and a string");
	CHECK_STR(oci("{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":1}]}"), "ERR linux.resources.hugepageLimits: not supported");
	char s[32];
	cb_cgroup_size(0, s, sizeof(s));
	CHECK_STR(s, "0B");
	cb_cgroup_size(67108864, s, sizeof(s));
	CHECK_STR(s, "67.11MB");
	return unit_end();
}
