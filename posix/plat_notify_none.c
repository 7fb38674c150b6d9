/* SPDX-License-Identifier: MIT */
/* Service manager notifications in a build without libsystemd: nothing is sent (the
 * broker runs the same; systemd units then need Type=simple or Type=exec). */
#include "posix/posix_internal.h"

void posix__notify(const char *state)
{
    (void)state;
}
