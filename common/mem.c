/* SPDX-License-Identifier: MIT */
/* Aborting and trying allocators (see common/mem.h). */
#include "common/mem.h"

#include "common/err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        PANIC("out of memory");
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    if (size && nmemb > SIZE_MAX / size)
        PANIC("allocation size overflow");
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p)
        PANIC("out of memory");
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        PANIC("out of memory");
    return q;
}

char *xstrdup(const char *s)
{
    return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t len)
{
    char *p = xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void *xtrymalloc(size_t n)
{
    return malloc(n ? n : 1);
}

void *xtryrealloc(void *p, size_t n)
{
    return realloc(p, n ? n : 1);
}
