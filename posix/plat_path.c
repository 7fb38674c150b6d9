/* SPDX-License-Identifier: MIT */
/* POSIX paths: no environment expansion (paths are used as written) and no default
 * configuration file (the built-in defaults apply without -c). */
#include "posix/posix_internal.h"

#include "common/mem.h"

int plat_path_expand(const char *path, char **out)
{
    *out = xstrdup(path);
    return 0;
}

const char *plat_path_default_config(void)
{
    return NULL;
}
