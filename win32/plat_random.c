/* SPDX-License-Identifier: MIT */
/* The OS CSPRNG (BCryptGenRandom with the system-preferred RNG) and the process's
 * private memory as the heap gauge. */
#include "win32/win32_internal.h"

#include <bcrypt.h>
#include <psapi.h>

int plat_random_bytes(void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len > 0) {
        ULONG chunk = len > 0x10000000u ? 0x10000000u : (ULONG)len;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, p, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
            return ERR_IO;
        p += chunk;
        len -= chunk;
    }
    return 0;
}

/* msvcrt has no cheap allocator statistics; the private bytes of the process are the
 * closest figure (they include the allocator's free lists and thread stacks). */
size_t plat_heap_in_use(void)
{
    PROCESS_MEMORY_COUNTERS_EX pmc;
    if (!K32GetProcessMemoryInfo(GetCurrentProcess(), (PROCESS_MEMORY_COUNTERS *)&pmc, sizeof pmc))
        return 0;
    return pmc.PrivateUsage;
}
