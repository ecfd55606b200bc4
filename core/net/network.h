/* network.h - named networks (network create/ls/inspect/rm, run --network NAME):
 * ROOT/networks/NAME.json with podman's keys.
 *
 * A bridge shared by containers needs root-owned helpers (netavark's bridge, veth pairs,
 * iptables; podman's rootless mode runs them in a namespace of its own with
 * rootlessport). cbox has none of them, so a container on a named network gets a slirp
 * network of its own shaped like the network's subnet: eth0, the subnet's .2, the
 * gateway .1 (which also forwards DNS). Published ports work as with slirp; containers on
 * one network do not reach one another, and connect/disconnect/reload are refused.
 * "podman" (10.88.0.0/16) is built in; --network bridge names it. */
#ifndef CB_NETWORK_H
#define CB_NETWORK_H

#include <cjson/cJSON.h>

#include "net.h"
#include "store.h"

#define CB_NETWORK_DEFAULT "podman"

/* subnet NULL: the next free 10.89.N.0/24. -EEXIST with podman's words. */
int cb_network_create(struct cb_store *s, const char *name, const char *subnet, cb_err *e);
/* Its JSON (caller deletes), or NULL with -ENOENT in *e (podman's words). */
cJSON *cb_network_inspect(struct cb_store *s, const char *name, cb_err *e);
/* Every network's name, the default's too, sorted (caller frees each and the array). */
int cb_network_names(struct cb_store *s, char ***names, int *n, cb_err *e);
/* -ENOENT, -EPERM (the default), -EBUSY (a container uses it). */
int cb_network_rm(struct cb_store *s, const char *name, cb_err *e);
/* The first container (id) on the network: 1, else 0. */
int cb_network_user(struct cb_store *s, const char *name, char id[65]);
/* n->netname's addressing into n (after options, with the store open). */
int cb_network_apply(struct cb_store *s, struct cb_net *n, cb_err *e);

#endif
