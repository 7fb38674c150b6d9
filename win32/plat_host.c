/* SPDX-License-Identifier: MIT */
/* The Windows computer name (plat_net_hostname), used for default bridge client ids. */
#include "win32/win32_internal.h"

#include <stdio.h>

void plat_net_hostname(char *out, size_t outlen)
{
    char h[256];
    DWORD n = (DWORD)sizeof h;
    if (outlen == 0)
        return;
    if (!GetComputerNameA(h, &n) || n == 0)
        snprintf(h, sizeof h, "localhost");
    snprintf(out, outlen, "%s", h);
}
