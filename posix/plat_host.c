/* SPDX-License-Identifier: MIT */
/* The POSIX host name (plat_net_hostname), used for default bridge client ids. */
#include "common/platform.h"

#include <stdio.h>
#include <unistd.h>

void plat_net_hostname(char *out, size_t outlen)
{
    char h[256];
    if (outlen == 0)
        return;
    if (gethostname(h, sizeof h) != 0 || h[0] == '\0')
        snprintf(h, sizeof h, "localhost");
    h[sizeof h - 1] = '\0';
    snprintf(out, outlen, "%s", h);
}
