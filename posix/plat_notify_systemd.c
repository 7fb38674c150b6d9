/* SPDX-License-Identifier: MIT */
/* Service manager notifications through Debian's libsystemd (sd_notify): the build
 * selects this file when pkg-config finds libsystemd, plat_notify_none.c otherwise. */
#include "posix/posix_internal.h"

#include <systemd/sd-daemon.h>

void posix__notify(const char *state)
{
    /* sd_notify does nothing (and returns 0) when NOTIFY_SOCKET is unset; a failure to
     * reach the manager is not the broker's problem, so the result is ignored. */
    (void)sd_notify(0, state);
}
