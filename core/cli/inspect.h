/* inspect.h - a container as 'podman inspect' shows one: its config.json and state under
 * podman's key names (the cheap ones). */
#ifndef CB_INSPECT_H
#define CB_INSPECT_H

#include <cjson/cJSON.h>

#include "store.h"

/* Id, Name, Created, Path, Args, State {Status, Running, Pid, ExitCode, StartedAt,
 * FinishedAt}, Image, ImageName, Driver, Config {Cmd, Env, WorkingDir, User, Hostname,
 * StopSignal}, HostConfig {NetworkMode, PortBindings}, NetworkSettings {Ports}. NULL
 * with *e when the container cannot be read. */
cJSON *cb_container_inspect(struct cb_store *s, const char *id, cb_err *e);

#endif
