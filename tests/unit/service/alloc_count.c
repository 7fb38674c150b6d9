/* SPDX-License-Identifier: MIT */
/* Wrappers behind -Wl,--wrap that count live heap blocks (see alloc_count.h). */
#include "tests/unit/service/alloc_count.h"

#include <stdlib.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t nmemb, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t nmemb, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

static long live;

long alloc_count_live(void)
{
    return live;
}

void *__wrap_malloc(size_t n)
{
    void *p = __real_malloc(n);
    if (p)
        live++;
    return p;
}

void *__wrap_calloc(size_t nmemb, size_t size)
{
    void *p = __real_calloc(nmemb, size);
    if (p)
        live++;
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    void *q = __real_realloc(p, n);
    /* realloc(NULL, n) allocates; realloc(p, 0) may free (midge never asks for 0). */
    if (q && !p)
        live++;
    else if (!q && p && n == 0)
        live--;
    return q;
}

void __wrap_free(void *p)
{
    if (p)
        live--;
    __real_free(p);
}
