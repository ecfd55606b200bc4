/* network.c - named networks (see network.h). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "json.h"
#include "network.h"
#include "state.h"

/* podman's id of its default network */
#define DEFAULT_ID "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9"

static int net_file(const char *name, char *out, size_t n)
{
	return (size_t)snprintf(out, n, "networks/%s.json", name) < n && cb_container_name_ok(name) ? 0 : -EINVAL;
}

static cJSON *describe(const char *name, const char *id, const char *subnet, const char *gw, int dns, int index)
{
	char created[32], ifname[32];
	cb_state_now(created, sizeof(created));
	snprintf(ifname, sizeof(ifname), "podman%d", index);
	cJSON *j = cJSON_CreateObject(), *sn = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", name);
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddStringToObject(j, "driver", "bridge");
	cJSON_AddStringToObject(j, "network_interface", ifname);
	cJSON_AddStringToObject(j, "created", created);
	cJSON_AddStringToObject(sn, "subnet", subnet);
	cJSON_AddStringToObject(sn, "gateway", gw);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(j, "subnets"), sn);
	cJSON_AddBoolToObject(j, "ipv6_enabled", 0);
	cJSON_AddBoolToObject(j, "internal", 0);
	cJSON_AddBoolToObject(j, "dns_enabled", dns);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(j, "ipam_options"), "driver", "host-local");
	return j;
}

cJSON *cb_network_inspect(struct cb_store *s, const char *name, cb_err *e)
{
	char f[300];
	if (!strcmp(name, CB_NETWORK_DEFAULT) || !strcmp(name, DEFAULT_ID) || !strcmp(name, "bridge"))
		return describe(CB_NETWORK_DEFAULT, DEFAULT_ID, "10.88.0.0/16", "10.88.0.1", 0, 0);
	if (net_file(name, f, sizeof(f)) < 0 || faccessat(s->rootfd, f, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
		cb_fail(e, ENOENT, "unable to find network with name or ID %s: network not found", name);
		return NULL;
	}
	return cb_store_read_json(s, f, 1 << 16, e);
}

/* a created network's name (podman's is built in) */
static int created_ok(const char *name)
{
	return cb_container_name_ok(name) && strcmp(name, CB_NETWORK_DEFAULT);
}

int cb_network_names(struct cb_store *s, char ***names, int *n, cb_err *e)
{
	char **got = NULL;
	int k = 0, r = cb_store_names(s, "networks", ".json", created_ok, &got, &k, e);
	*names = r < 0 ? NULL : realloc(got, sizeof(*got) * (size_t)(k + 1));
	if (r < 0 || !*names) {
		free(got);
		return r < 0 ? r : cb_fail(e, ENOMEM, "out of memory");
	}
	/* "podman" in its sorted place */
	int at = 0;
	while (at < k && strcmp((*names)[at], CB_NETWORK_DEFAULT) < 0)
		at++;
	memmove(*names + at + 1, *names + at, sizeof(**names) * (size_t)(k - at));
	(*names)[at] = strdup(CB_NETWORK_DEFAULT);
	*n = k + 1;
	return 0;
}

/* The subnet of network name ("A.B.C.D/N") into out; 0, or -1. */
static int subnet_of(struct cb_store *s, const char *name, char *out, size_t n)
{
	cb_err ignore;
	cJSON *j = cb_network_inspect(s, name, &ignore);
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "subnets"), 0),
								 "subnet"));
	int r = v ? (snprintf(out, n, "%s", v), 0) : -1;
	cJSON_Delete(j);
	return r;
}

int cb_network_create(struct cb_store *s, const char *name, const char *subnet, cb_err *e)
{
	char f[300], sub[64], gw[32], id[65];
	char **names = NULL;
	int nn = 0, r;
	if (net_file(name, f, sizeof(f)) < 0)
		return cb_fail(e, EINVAL, "network name %s invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid "
				   "argument", name);
	if ((r = cb_network_names(s, &names, &nn, e)) < 0)
		return r;
	int exists = 0;
	for (int i = 0; i < nn; i++)
		exists |= !strcmp(names[i], name);
	/* slirp's network: its .2 and .1 must fit (a /31 or /32 has no room) */
	struct cb_slirp_opts o;
	cb_slirp_opts_init(&o);
	snprintf(sub, sizeof(sub), "slirp4netns:cidr=%s", subnet ? subnet : "");
	if (!exists && subnet && (cb_slirp_parse_network(&o, sub, e) < 0 || o.prefix > 30))
		r = cb_fail(e, EINVAL, "network %s: subnet %s: want IPv4 A.B.C.D/N with N from 1 to 30", name, subnet);
	/* none given: the next free 10.89.N.0/24, as podman */
	for (int k = 0; !exists && !r && !subnet && k < 256; k++) {
		int used = 0;
		for (int i = 0; i < nn; i++) {
			char other[64], want[32];
			snprintf(want, sizeof(want), "10.89.%d.0/24", k);
			used |= subnet_of(s, names[i], other, sizeof(other)) == 0 && !strcmp(other, want);
		}
		if (!used) {
			cb_slirp_parse_network(&o, (snprintf(sub, sizeof(sub), "slirp4netns:cidr=10.89.%d.0/24", k), sub), e);
			break;
		}
	}
	for (int i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	if (exists)
		return cb_fail(e, EEXIST, "network name %s already used: network already exists", name);
	if (r < 0)
		return r;
	char net[16];
	snprintf(sub, sizeof(sub), "%s/%d", cb_slirp_ip(&o, 0, net), o.prefix);
	cb_slirp_ip(&o, 1, gw);
	unsigned char rnd[32];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return cb_fail_errno(e, errno, "network %s: random id", name);
	for (int i = 0; i < 32; i++)
		sprintf(id + 2 * i, "%02x", rnd[i]);
	cJSON *j = describe(name, id, sub, gw, 1, nn);
	char *text = cb_json_print(j);
	cJSON_Delete(j);
	if (mkdirat(s->rootfd, "networks", 0700) < 0 && errno != EEXIST)
		r = cb_fail_errno(e, errno, "%s/networks", s->root);
	/* O_EXCL: two creates of one name, one wins */
	int fd = r < 0 ? -1 : openat(s->rootfd, f, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (r == 0 && fd < 0)
		r = errno == EEXIST ? cb_fail(e, EEXIST, "network name %s already used: network already exists", name)
				    : cb_fail_errno(e, errno, "%s/%s", s->root, f);
	if (r == 0 && (!text || write(fd, text, strlen(text)) != (ssize_t)strlen(text))) {
		r = cb_fail_errno(e, text ? errno : ENOMEM, "%s/%s", s->root, f);
		unlinkat(s->rootfd, f, 0);
	}
	if (fd >= 0)
		close(fd);
	free(text);
	return r;
}

int cb_network_user(struct cb_store *s, const char *name, char id[65])
{
	char (*ids)[65] = NULL;
	int n = 0, found = 0;
	cb_err ignore;
	if (cb_container_ids(s, &ids, &n, &ignore) < 0)
		return 0;
	for (int i = 0; i < n && !found; i++) {
		int dfd = -1;
		cJSON *cfg = NULL;
		if (cb_container_open(s, ids[i], &dfd, &cfg, &ignore) == 0)
			found = !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "network_name")) ?: "", name);
		if (found)
			snprintf(id, 65, "%s", ids[i]);
		if (dfd >= 0)
			close(dfd);
		cJSON_Delete(cfg);
	}
	free(ids);
	return found;
}

int cb_network_rm(struct cb_store *s, const char *name, cb_err *e)
{
	char f[300], id[65];
	if (!strcmp(name, CB_NETWORK_DEFAULT) || !strcmp(name, DEFAULT_ID))
		return cb_fail(e, EPERM, "default network %s cannot be removed", CB_NETWORK_DEFAULT);
	if (net_file(name, f, sizeof(f)) < 0 || faccessat(s->rootfd, f, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return cb_fail(e, ENOENT, "unable to find network with name or ID %s: network not found", name);
	if (cb_network_user(s, name, id))
		return cb_fail(e, EBUSY, "network %s: container %.12s uses it: remove that first (cbox rm -f): network "
				   "is being used", name, id);
	if (unlinkat(s->rootfd, f, 0) < 0)
		return cb_fail_errno(e, errno, "%s/%s", s->root, f);
	return 0;
}

int cb_network_apply(struct cb_store *s, struct cb_net *n, cb_err *e)
{
	if (!n->netname)
		return 0;
	if (!CFG_SLIRP) /* a named network is a slirp network here */
		return cb_fail(e, ENOTSUP, "network %s: slirp is not built into this cbox: use --network host or --network none",
			       n->netname);
	cJSON *j = cb_network_inspect(s, n->netname, e);
	if (!j)
		return -ENOENT;
	char sub[80];
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "subnets"), 0),
								 "subnet"));
	snprintf(sub, sizeof(sub), "slirp4netns:cidr=%s", v ?: "");
	n->dns_enabled = cJSON_IsTrue(cJSON_GetObjectItem(j, "dns_enabled"));
	n->netname = strcmp(n->netname, "bridge") ? n->netname : CB_NETWORK_DEFAULT;
	cJSON_Delete(j);
	int r = cb_slirp_parse_network(&n->slirp, sub, e);
	if (r < 0)
		return r;
	/* netavark's shape: eth0, the gateway .1 (our DNS forwarder too), the container .2 */
	n->slirp.gw = n->slirp.dns = 1;
	n->slirp.guest = 2;
	strcpy(n->slirp.ifname, "eth0");
	if (n->dns_enabled && !n->ndns_search)
		n->dns_search[n->ndns_search++] = "dns.podman";
	return 0;
}
