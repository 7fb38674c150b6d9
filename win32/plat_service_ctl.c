/* SPDX-License-Identifier: MIT */
/* The verbs `midge start` and `midge stop`, for installers and scripts that need the
 * outcome: start waits until the service reports RUNNING (it does so only once its
 * listeners are bound) or has stopped with an error, stop waits for the service process
 * to exit. Unlike `net start`, which Wine reports as successful even when the service
 * stops at once, the exit status is the service's real state. */
#include "win32/win32_internal.h"

#include <stdio.h>

/* How long start waits for a service that stays in START_PENDING. */
#define START_TIMEOUT_MS 60000
#define POLL_MS 50

static int fail(const char *what, DWORD e)
{
    struct err_detail d = {{0}, {0}, 0};
    win32__err(&d, ERR_IO, e, what);
    fprintf(stderr, "midge: %s\n", d.msg);
    if (e == ERROR_ACCESS_DENIED)
        fprintf(stderr, "midge: run this from an administrator command prompt\n");
    return 1;
}

/* Open the midge service with ACCESS, printing why on failure. */
static SC_HANDLE open_service(SC_HANDLE *scm, DWORD access)
{
    *scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    if (!*scm) {
        fail("cannot open the service manager", GetLastError());
        return NULL;
    }
    SC_HANDLE s = OpenServiceW(*scm, WIN32_SERVICE_NAME, access);
    if (!s) {
        DWORD e = GetLastError();
        if (e == ERROR_SERVICE_DOES_NOT_EXIST)
            fprintf(stderr, "midge: service 'midge' is not installed (midge install)\n");
        else
            fail("cannot open the service", e);
        CloseServiceHandle(*scm);
    }
    return s;
}

/* Poll the service state while it is START_PENDING (bounded). Returns false when the
 * status cannot be read, with *sp holding the last state otherwise. */
static bool wait_started(SC_HANDLE s, SERVICE_STATUS_PROCESS *sp)
{
    DWORD need;
    ULONGLONG end = GetTickCount64() + START_TIMEOUT_MS;
    for (;;) {
        if (!QueryServiceStatusEx(s, SC_STATUS_PROCESS_INFO, (BYTE *)sp, sizeof *sp, &need))
            return false;
        if (sp->dwCurrentState != SERVICE_START_PENDING || GetTickCount64() >= end)
            return true;
        Sleep(POLL_MS);
    }
}

int win32__service_start(void)
{
    SC_HANDLE scm;
    SC_HANDLE s = open_service(&scm, SERVICE_START | SERVICE_QUERY_STATUS);
    if (!s)
        return 1;
    int status = 1;
    SERVICE_STATUS_PROCESS sp;
    if (!StartServiceW(s, 0, NULL) && GetLastError() != ERROR_SERVICE_ALREADY_RUNNING)
        fail("cannot start the service", GetLastError());
    else if (!wait_started(s, &sp))
        fail("cannot query the service", GetLastError());
    else if (sp.dwCurrentState == SERVICE_RUNNING) {
        printf("midge: service 'midge' is running\n");
        status = 0;
    } else if (sp.dwCurrentState == SERVICE_START_PENDING) {
        fprintf(stderr, "midge: the service is still starting after %d s\n",
                START_TIMEOUT_MS / 1000);
    } else {
        fprintf(stderr,
                "midge: the service did not start (state %lu, exit code %lu/%lu); the "
                "reason is in %%ProgramData%%\\midge\\midge-service.log and the Event Log\n",
                (unsigned long)sp.dwCurrentState, (unsigned long)sp.dwWin32ExitCode,
                (unsigned long)sp.dwServiceSpecificExitCode);
    }
    CloseServiceHandle(s);
    CloseServiceHandle(scm);
    return status;
}

int win32__service_stop(void)
{
    SC_HANDLE scm;
    SC_HANDLE s = open_service(&scm, SERVICE_STOP | SERVICE_QUERY_STATUS);
    if (!s)
        return 1;
    DWORD e = win32__service_stop_wait(s);
    int status = e ? fail("cannot stop the service", e) : 0;
    if (!e)
        printf("midge: service 'midge' is stopped\n");
    CloseServiceHandle(s);
    CloseServiceHandle(scm);
    return status;
}
