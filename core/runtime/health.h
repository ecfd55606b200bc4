/* health.h - healthchecks, as podman's: run/create's --health-* options, the check (the
 * command exec'd in the running container as exec runs it), its record in
 * containers/ID/health.json (podman's State.Health: Status starting|healthy|unhealthy,
 * FailingStreak, Log of the last 5), and the scheduler: a process the container's
 * waiting parent (run, or the monitor of -d and start) forks when the container has a
 * healthcheck with an interval; it checks every interval while the container runs (there
 * may be no systemd to time them). Nothing of it runs for a container without one.
 * Built with the healthcheck applet (CFG_APPLET_HEALTHCHECK). */
#ifndef CB_HEALTH_H
#define CB_HEALTH_H

#include <cjson/cJSON.h>

#include "store.h"
#include "state.h"

struct cb_health_opts {
	const char *cmd;        /* --health-cmd: a string (CMD-SHELL), a JSON array (CMD), none */
	long long interval, timeout, start_period; /* ns; -1: not given */
	int retries;            /* -1: not given */
	int no_healthcheck;     /* --no-healthcheck */
	const char *on_failure; /* --health-on-failure none|kill|restart|stop, or NULL */
};

enum { CB_HEALTH_O_CMD = 1100, CB_HEALTH_O_INTERVAL, CB_HEALTH_O_RETRIES, CB_HEALTH_O_START, CB_HEALTH_O_TIMEOUT,
       CB_HEALTH_O_NONE, CB_HEALTH_O_FAILURE };
#define CB_HEALTH_OPTIONS                                                        \
	{ "health-cmd", 0, CB_OPT_ARG, CB_HEALTH_O_CMD },                        \
		{ "health-interval", 0, CB_OPT_ARG, CB_HEALTH_O_INTERVAL },      \
		{ "health-retries", 0, CB_OPT_ARG, CB_HEALTH_O_RETRIES },        \
		{ "health-start-period", 0, CB_OPT_ARG, CB_HEALTH_O_START },     \
		{ "health-timeout", 0, CB_OPT_ARG, CB_HEALTH_O_TIMEOUT },        \
		{ "no-healthcheck", 0, CB_OPT_BOOL, CB_HEALTH_O_NONE },          \
		{ "health-on-failure", 0, CB_OPT_ARG, CB_HEALTH_O_FAILURE }

void cb_health_opts_init(struct cb_health_opts *h);
/* Take option id with its value: 1 when it was one of those, 0 when not, a negative
 * errno with *e (podman's words) for a bad value. */
int cb_health_opt(struct cb_health_opts *h, int id, const char *arg, cb_err *e);
/* Into config.json (cj): "healthcheck", podman's Config.Healthcheck {Test, StartPeriod,
 * Interval, Timeout, Retries} from --health-cmd (the other options apply only with it,
 * as podman 4.3's), else the image's config.Healthcheck; {"Test": ["NONE"]} for
 * --no-healthcheck; and "health_on_failure". 0, or a refusal with *e (cj NULL: only
 * that check). */
int cb_health_config(cJSON *cj, const struct cb_health_opts *h, const cJSON *image_config, cb_err *e);
/* The container (its config.json) has a healthcheck to run. */
int cb_health_defined(const cJSON *cj);

/* Run the check once in the running container id (state st) and record it; *unhealthy
 * is 1 when the check failed, 2 when --health-on-failure then acted. detach: --health-on-failure's action in a process of its
 * own (the scheduler's), else here. 0; or a negative errno with *e: podman's "container
 * ID has no defined healthcheck", "healthcheck command exceeded timeout of 30s". */
int cb_health_run(struct cb_store *s, const char *id, int dfd, const cJSON *cj, const struct cb_state *st,
		  int detach, int *unhealthy, cb_err *e);

/* The container (pid, its config cj) has just started: Status "starting", and (when it
 * has an interval) the scheduler's pid, which cb_health_stop ends; else 0. */
pid_t cb_health_start(struct cb_store *s, int dfd, const cJSON *cj, pid_t pid);
void cb_health_stop(pid_t scheduler);

/* The container directory dfd's health.json as podman's State.Health ({"Status": "",
 * "FailingStreak": 0, "Log": null} when there is none). */
cJSON *cb_health_read(int dfd);
/* Container id's (config cj) Status alone into status (n bytes; "" without a healthcheck). */
void cb_health_status(struct cb_store *s, const char *id, const cJSON *cj, char *status, size_t n);

/* A Go duration ("1m30s", "500ms") in ns: 0, else -EINVAL. */
int cb_go_duration(const char *s, long long *ns);

#endif
