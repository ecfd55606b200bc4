/* commit_test.c - --change in Dockerfile syntax (import, commit) and -v/--mount specs. */
#include "commit.h"
#include "json.h"
#include "unit.h"
#include "volume.h"

/* The config after the changes, compact, or "ERR message". */
static const char *apply(const char *a, const char *b)
{
	static char out[2048];
	cJSON *c = cJSON_CreateObject();
	cb_err e;
	if (cb_change_apply(c, a, &e) < 0 || (b && cb_change_apply(c, b, &e) < 0)) {
		snprintf(out, sizeof(out), "ERR %s", e.msg);
	} else {
		char *t = cJSON_PrintUnformatted(c);
		snprintf(out, sizeof(out), "%s", t);
		free(t);
	}
	cJSON_Delete(c);
	return out;
}

static const char *vol(const char *spec)
{
	static char out[512];
	struct cb_volume v;
	cb_err e;
	if (cb_volume_parse(spec, &v, &e) < 0)
		snprintf(out, sizeof(out), "ERR %s", e.msg);
	else
		snprintf(out, sizeof(out), "src=%s name=%s dst=%s ro=%d anon=%d copyup=%d", v.src ? v.src : "-",
			 v.name ? v.name : "-", v.dst, v.ro, v.anon, v.copyup);
	return out;
}

int main(void)
{
	unit_name = "commit";
	CHECK_STR(apply("CMD [\"/bin/sh\", \"-c\", \"x\"]", NULL), "{\"Cmd\":[\"/bin/sh\",\"-c\",\"x\"]}");
	CHECK_STR(apply("CMD=/bin/date", NULL), "{\"Cmd\":[\"/bin/sh\",\"-c\",\"/bin/date\"]}");
	CHECK_STR(apply("cmd echo hi", NULL), "{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo hi\"]}");
	CHECK_STR(apply("ENTRYPOINT [\"/e\"]", NULL), "{\"Entrypoint\":[\"/e\"]}");
	CHECK_STR(apply("ENV A=1 B=\"two words\"", "ENV A 3"), "{\"Env\":[\"A=3\",\"B=two words\"]}");
	CHECK_STR(apply("ENV=K=V", NULL), "{\"Env\":[\"K=V\"]}");
	CHECK_STR(apply("LABEL=a=b", "LABEL c d"), "{\"Labels\":{\"a\":\"b\",\"c\":\"d\"}}");
	CHECK_STR(apply("EXPOSE 80 53/udp", NULL), "{\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}}}");
	CHECK_STR(apply("VOLUME [\"/a\"]", "VOLUME /b /c"), "{\"Volumes\":{\"/a\":{},\"/b\":{},\"/c\":{}}}");
	CHECK_STR(apply("USER app", "WORKDIR=/w"), "{\"User\":\"app\",\"WorkingDir\":\"/w\"}");
	CHECK_STR(apply("STOPSIGNAL SIGINT", NULL), "{\"StopSignal\":\"SIGINT\"}");
	/* podman's rule: the instruction ends at the first space, '=' only when there is none */
	CHECK_STR(apply("ENV=A=b c", NULL), "ERR invalid change \"ENV=A=b c\" - invalid instruction ENV=A=b");
	CHECK_STR(apply("RUN ls", NULL), "ERR invalid change \"RUN ls\" - invalid instruction RUN");
	CHECK_STR(apply("USER", NULL), "ERR invalid change \"USER\" - no value given for instruction USER");
	CHECK_STR(apply("USER ", NULL), "ERR invalid change \"USER \" - no value given for instruction USER");
	CHECK_STR(apply("EXPOSE 99999", NULL), "ERR invalid change \"EXPOSE 99999\" - invalid port 99999");
	CHECK_STR(apply("ENV A=1 =x", NULL), "ERR invalid change \"ENV A=1 =x\" - =x: not KEY=VALUE");

	CHECK_STR(vol("/h:/c"), "src=/h name=- dst=/c ro=0 anon=0 copyup=0");
	CHECK_STR(vol("/h:/c:ro,z"), "src=/h name=- dst=/c ro=1 anon=0 copyup=0");
	CHECK_STR(vol("data:/c:Z"), "src=- name=data dst=/c ro=0 anon=0 copyup=1");
	CHECK_STR(vol("/c"), "src=- name=- dst=/c ro=0 anon=1 copyup=1");
	CHECK_STR(vol("../x:/c"), "ERR ../x:/c: the host path must be absolute");
	CHECK_STR(vol("a b:/c"), "ERR creating named volume \"a b\": running volume create option: names must match "
				  "[a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument");
	CHECK_STR(vol("/h:c"), "ERR invalid container path \"c\", must be an absolute path");
	CHECK_STR(vol("/h:/c:bogus"), "ERR invalid option type \"bogus\"");
	CHECK_STR(vol("/h:/c:ro:z"), "ERR /h:/c:ro:z: incorrect volume format, should be [host-dir:]ctr-dir[:option]");
	CHECK_STR(vol(":/c"), "ERR host directory cannot be empty");
	CHECK_STR(vol("/h:/c:noexec,rshared,nocopy"), "src=/h name=- dst=/c ro=0 anon=0 copyup=0");

	struct cb_volume v[2];
	struct cb_tmpfs t[1];
	cb_err e;
	CHECK(cb_mount_parse("type=volume,source=m,target=/d,ro", &v[0], t, &e) == 1 && v[0].ro &&
	      unit_streq(v[0].name, "m"));
	CHECK(cb_mount_parse("type=tmpfs,destination=/t,size=1m", &v[1], t, &e) == 2 && unit_streq(t[0].dst, "/t"));
	CHECK(cb_mount_parse("type=bind,src=rel,target=/d", &v[1], t, &e) < 0);
	CHECK(cb_mount_parse("type=bind,src=/h,dst=//x/", &v[1], t, &e) == 1);
	CHECK(cb_mounts_check(v, 2, t, 0, &e) == 0);
	v[0].dst = "/x";
	CHECK(cb_mounts_check(v, 2, t, 0, &e) < 0 && unit_streq(e.msg, "/x: duplicate mount destination"));
	return unit_end();
}
