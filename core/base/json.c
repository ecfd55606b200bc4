/* json.c - JSON output as podman prints it: 4-space indents, "key": value. */
#include <string.h>

#include "json.h"

char *cb_json_print(const cJSON *j)
{
	char *raw = cJSON_Print(j);
	if (!raw)
		return NULL;
	/* cJSON escapes tabs inside strings, so every raw tab is layout. */
	size_t tabs = 0;
	for (char *p = raw; *p; p++)
		tabs += *p == '\t';
	char *out = malloc(strlen(raw) + 3 * tabs + 1), *o = out;
	if (!out) {
		free(raw);
		return NULL;
	}
	for (char *p = raw; *p; p++) {
		if (*p != '\t') {
			*o++ = *p;
		} else if (p > raw && p[-1] == ':') {
			*o++ = ' ';
		} else {
			memcpy(o, "    ", 4);
			o += 4;
		}
	}
	*o = '\0';
	free(raw);
	return out;
}
