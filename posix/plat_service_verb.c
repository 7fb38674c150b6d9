/* SPDX-License-Identifier: MIT */
/* POSIX has no platform command-line verbs: everything is an option of main. */
#include "posix/posix_internal.h"

bool plat_service_verb(int *argc, char ***argv, int *status)
{
    (void)argc;
    (void)argv;
    (void)status;
    return false;
}
