/* SPDX-License-Identifier: MIT */
/* cfg_io callbacks backed by platform.h, and the one-call loader (service/config_io.h). */
#include "service/config_io.h"

#include "common/cfg_parse.h"
#include "common/platform.h"

/* Configuration files larger than this are certainly a mistake. */
#define MAX_CONFIG_BYTES (16u * 1024u * 1024u)

static int read_file(void *ud, const char *path, char **data, size_t *len, struct err_detail *d)
{
    (void)ud;
    return plat_file_read_all(path, MAX_CONFIG_BYTES, data, len, d);
}

static int list_dir(void *ud, const char *dir, char ***names, size_t *count, struct err_detail *d)
{
    (void)ud;
    return plat_dir_list(dir, ".conf", names, count, d);
}

int config_io_load(const char *path, struct cfg *out, struct err_detail *d)
{
    const struct cfg_io io = {read_file, list_dir, NULL};
    return cfg_parse_file(path, &io, out, d);
}

int config_io_parse_text(const char *name, const char *text, size_t len, struct cfg *out,
                         struct err_detail *d)
{
    const struct cfg_io io = {read_file, list_dir, NULL};
    return cfg_parse_text(name, text, len, &io, out, d);
}
