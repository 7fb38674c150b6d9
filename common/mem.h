/* SPDX-License-Identifier: MIT */
/* Allocation policy: x* allocators abort on exhaustion; xtry* return NULL so code that
 * sizes an allocation from peer input can answer ERR_NOMEM instead of dying. */
#ifndef MIDGE_COMMON_MEM_H
#define MIDGE_COMMON_MEM_H

#include <stddef.h>

/* Allocate n bytes (n may be 0); never returns NULL (aborts when memory is exhausted).
 * The caller owns the result and releases it with free(). */
void *xmalloc(size_t n);
/* As xmalloc, zero-filled, for nmemb*size bytes with overflow checking. */
void *xcalloc(size_t nmemb, size_t size);
/* Resize p (owned by the caller, may be NULL) to n bytes; aborts on exhaustion. */
void *xrealloc(void *p, size_t n);
/* Duplicate a NUL-terminated string (NULL gives NULL); the caller owns the copy. */
char *xstrdup(const char *s);
/* Duplicate len bytes of s and NUL-terminate them; the caller owns the copy. */
char *xstrndup(const char *s, size_t len);
/* As xmalloc but returns NULL on exhaustion: for sizes that came from a peer. */
void *xtrymalloc(size_t n);
/* As xrealloc but returns NULL (leaving p intact) on exhaustion. */
void *xtryrealloc(void *p, size_t n);

/* Free *pp and set it to NULL; use it wherever a stale pointer could survive. */
#define x_clear(pp)   \
    do {              \
        free(*(pp));  \
        *(pp) = NULL; \
    } while (0)

#endif
