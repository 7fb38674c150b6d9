/* SPDX-License-Identifier: MIT */
/* The fake platform has no command-line verbs (as POSIX). */
#include "tests/fakes/fake_internal.h"

bool plat_service_verb(int *argc, char ***argv, int *status)
{
    (void)argc;
    (void)argv;
    (void)status;
    return false;
}
