/* json.h - JSON helpers over cJSON. */
#ifndef CB_JSON_H
#define CB_JSON_H

#include <cjson/cJSON.h>

#include "cbox.h"

/* Indented output in podman's layout; caller frees. */
char *cb_json_print(const cJSON *j);

#endif
