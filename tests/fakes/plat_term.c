/* SPDX-License-Identifier: MIT */
/* The fake platform has no terminal: the password prompt is an explicit stub. */
#include "common/platform.h"

int plat_password_prompt(const char *prompt, char *buf, size_t size, struct err_detail *d)
{
    (void)prompt;
    if (size > 0)
        buf[0] = '\0';
    return err_set(d, ERR_NOTSUP, NULL, 0, "no terminal in the fake platform");
}
