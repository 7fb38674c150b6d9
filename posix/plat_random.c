/* SPDX-License-Identifier: MIT */
/* The OS CSPRNG (getrandom) and the allocator's heap statistics. */
#include "posix/posix_internal.h"

#include <errno.h>
#include <malloc.h>
#include <sys/random.h>

int plat_random_bytes(void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len > 0) {
        /* Requests above 256 bytes may return short, and any may be interrupted. */
        ssize_t n = getrandom(p, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return ERR_IO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* glibc's mallinfo2 walks the arenas: cheap enough for a once-a-second gauge. Chunks
 * served by mmap (large allocations) are counted apart from the arenas, so add them. */
size_t plat_heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}
