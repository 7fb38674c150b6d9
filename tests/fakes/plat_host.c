/* SPDX-License-Identifier: MIT */
/* The fake host name: always "fakehost", so tests can predict default client ids. */
#include "common/platform.h"

#include <stdio.h>

void plat_net_hostname(char *out, size_t outlen)
{
    if (outlen)
        snprintf(out, outlen, "fakehost");
}
