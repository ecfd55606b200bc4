/* ctrconf.h - the few keys of containers.conf's [containers] table cbox honours (the
 * network ones: /etc/hosts and resolv.conf), read as podman reads them: $CONTAINERS_CONF
 * alone when set, else /usr/share/containers, /etc/containers and the user's
 * ($XDG_CONFIG_HOME or ~/.config)/containers/containers.conf, later files winning. */
#ifndef CB_CTRCONF_H
#define CB_CTRCONF_H

#include "cbox.h"

#define CB_CTRCONF_MAX 16

struct cb_ctrconf {
	char base_hosts_file[512];       /* "" the host's /etc/hosts; "none"; "image" */
	char host_containers_internal_ip[64];
	char dns_servers[CB_CTRCONF_MAX][64], dns_searches[CB_CTRCONF_MAX][256], dns_options[CB_CTRCONF_MAX][64];
	int ndns_servers, ndns_searches, ndns_options;
	char userns[32];                 /* "auto": --userns=auto's when no option says */
};

/* Fills *c (zeroed first); a missing file is no error, an unreadable one is skipped
 * with a debug line (podman fails on a malformed file; cbox reads only these keys). */
void cb_ctrconf_load(struct cb_ctrconf *c);
/* The same from one text (for tests). */
void cb_ctrconf_parse(struct cb_ctrconf *c, const char *text);

#endif
