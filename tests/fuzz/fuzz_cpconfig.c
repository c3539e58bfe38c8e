/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the control plane's configuration file parser and
 * validator on arbitrary file contents. Must never crash; a file it accepts
 * leaves ports in range. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../controlplane/cp_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/sluice-fuzzcfg-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	struct cp_config c;
	char err[512];
	cp_config_defaults(&c);
	if (cp_config_load_file(&c, path, err, sizeof(err)) == 0 &&
	    cp_config_validate(&c, err, sizeof(err)) == 0) {
		if (c.http_port < 1 || c.http_port > 65535 || c.rtc_min_port > c.rtc_max_port)
			abort();
	}
	unlink(path);
	return 0;
}
