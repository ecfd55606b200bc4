/* net.h - a container's network for cbox run: host, none or slirp (a new network
 * namespace with tap0, served by the slirp helper; published ports), and the /etc files
 * that go with it (resolv.conf, hosts).
 *
 * The order, in cb_container_run:
 *   cb_net_start      before the container exists: the helper binds the ports (a busy
 *                     port fails here)
 *   cb_net_child      in the clone, before the pivot: its own network namespace
 *                     (unshare; none, slirp), lo up; tap0, its fd to the parent; or
 *                     (container:) the other container's namespace
 *   cb_net_attach     in the parent: the tap fd to the helper
 *   cb_net_stop       after the container exits (or failed): close ctl, reap the helper
 */
#ifndef CB_NET_H
#define CB_NET_H

#include <cjson/cJSON.h>

#include "cbox.h"
#include "ctrconf.h"
#include "slirp.h"

enum { CB_NET_DEFAULT, CB_NET_HOST, CB_NET_NONE, CB_NET_SLIRP, CB_NET_CONTAINER, CB_NET_NS };

struct cb_net {
	int mode;
	struct cb_slirp_opts slirp;
	const char **dns;   /* --dns, in order */
	int ndns;
	const char **hosts; /* --add-host NAME:IP */
	int nhosts;
	const char **dns_search, **dns_opts; /* --dns-search, --dns-option */
	int ndns_search, ndns_opts;
	struct cb_ctrconf *conf; /* containers.conf: where no option says */
	/* container:REF: the other container (its full id once joined), its network
	 * namespace and the /etc files the two share */
	const char *peer_ref;
	const char *netname;     /* --network NAME (bridge: podman): see network.h */
	int dns_enabled;         /* that network answers names (search dns.podman) */
	const char *ns_path;     /* --network ns:PATH */
	char host_dns[64];       /* the host's first nameserver (a named network's forwarder) */
	const char **expose;     /* --expose PORT[-PORT][/PROTO] */
	int nexpose, publish_all;
	int ports_discarded;  /* -p with --network host|none: dropped (the caller warns, as podman) */
	int static_addr;         /* --ip, --ip6 or --mac-address: refused */ /* -P: those and the image's ExposedPorts, on free host ports */
	char peer[65];
	int netns;
	char *peer_hosts, *peer_resolv;
	/* while the container runs */
	pid_t helper;
	int ctl, sock[2];
};

/* n->dns and n->hosts are arrays of max entries (one per argument is enough). */
int cb_net_init(struct cb_net *n, int max, cb_err *e);
void cb_net_free(struct cb_net *n);

/* --network host|none|private|slirp4netns[:options]|container:REF|ns:PATH|bridge|NAME */
int cb_net_parse(struct cb_net *n, const char *spec, cb_err *e);
/* container:REF, before anything else of run's (instead of cb_userns_enter): find the
 * running container, open its network namespace and enter the user namespace that owns
 * it (a sibling's could not be joined: podman's containers share one). */
int cb_net_join_peer(struct cb_net *n, cb_err *e);

/* ns:PATH, the same: enter the user namespace that owns it (not ours: a container's). */
int cb_net_enter_ns_owner(struct cb_net *n, cb_err *e);

/* -p/--publish, --dns, --add-host */
int cb_net_publish(struct cb_net *n, const char *spec, cb_err *e);
int cb_net_dns(struct cb_net *n, const char *ip, cb_err *e);
int cb_net_add_host(struct cb_net *n, const char *spec, cb_err *e);
/* --expose (checked here), and with -P their ports and the image config's ExposedPorts
 * published on free host ports (those -p publishes already stay as they are). */
int cb_net_expose(struct cb_net *n, const char *spec, cb_err *e);
int cb_net_publish_all(struct cb_net *n, const cJSON *image_config, cb_err *e);

/* After the options: the default mode (slirp for rootless or with -p, host for root)
 * and the combinations refused. */
int cb_net_finish_opts(struct cb_net *n, int rootless, cb_err *e);
/* The mode run picks when neither --network nor -p is given: "slirp" or "host". */
const char *cb_net_default_name(int rootless);

/* Write /proc/sys/net/NAME in our network namespace; a failure is only logged (debug). */
void cb_net_sysctl(const char *name, const char *value);

int cb_net_start(struct cb_net *n, cb_err *e);
int cb_net_child(struct cb_net *n, cb_err *e);
/* 0 attached (or nothing to attach); 1 the child ended before sending its tap fd (its
 * error comes through the sync socket); negative errno with *e. */
int cb_net_attach(struct cb_net *n, cb_err *e);
void cb_net_stop(struct cb_net *n);

/* The container's resolv.conf from the host's (in buf, len bytes; rewritten in place,
 * buf has size bytes): nameservers replaced by 10.0.2.3 with slirp, by --dns otherwise. */
size_t cb_net_resolv(const struct cb_net *n, char *buf, size_t len, size_t size);
/* The container's /etc/hosts as podman writes it (see net.c), in buf (size bytes). */
void cb_net_hosts(const struct cb_net *n, const char *hostname, const char *name, char *buf, size_t size);
/* "network", "ports" and "network_opts" for config.json; from_json rebuilds n from them
 * (for start: dns and hosts point into cj, which must outlive n; cb_net_free after). */
void cb_net_json(const struct cb_net *n, cJSON *cj);
int cb_net_from_json(struct cb_net *n, const cJSON *cj, cb_err *e);

#endif
