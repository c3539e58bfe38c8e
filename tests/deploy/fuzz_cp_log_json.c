/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: cp_log's json line on arbitrary bytes. The input is cut
 * into a message and three ids at '|'; the line must always parse as one JSON
 * object whose msg and ids are strings (jansson also checks the UTF-8). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../controlplane/cp_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[4 * CP_LOG_MSG_MAX], line[16384];
	if (size >= sizeof(buf))
		size = sizeof(buf) - 1;
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *part[4] = {buf, NULL, NULL, NULL};
	for (int i = 1; i < 4; i++) {
		char *bar = part[i - 1] ? strchr(part[i - 1], '|') : NULL;
		if (!bar)
			break;
		*bar = '\0';
		part[i] = bar + 1;
	}
	if (strlen(part[0]) >= CP_LOG_MSG_MAX)
		part[0][CP_LOG_MSG_MAX - 1] = '\0'; /* cp_log's own cut */
	cp_log_format_line(line, sizeof(line), CP_LOG_JSON, "2026-01-01T00:00:00.000Z",
			   CP_LOG_INFO, part[1], part[2], part[3], part[0]);
	json_error_t e;
	json_t *j = json_loads(line, 0, &e);
	if (!j || !json_is_string(json_object_get(j, "msg")) ||
	    !json_is_string(json_object_get(j, "component")))
		abort();
	for (int i = 1; i < 4; i++) {
		static const char *const k[] = {NULL, "room", "peer", "transport"};
		if ((part[i] != NULL) != json_is_string(json_object_get(j, k[i])))
			abort();
	}
	json_decref(j);
	return 0;
}
