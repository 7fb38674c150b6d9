/* SPDX-License-Identifier: MIT */
/* The service verbs: `midge install [--config PATH]` registers the service (automatic
 * start, restart on failure, Event Log source) and `midge uninstall` stops it, waiting
 * on the service process itself rather than sleeping, then removes it; `midge reload`
 * sends the running service SERVICE_CONTROL_PARAMCHANGE (what `sc control midge
 * paramchange` does). */
#include "win32/win32_internal.h"

#include "common/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENTLOG_KEY L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\midge"
#define SERVICE_DISPLAY L"midge MQTT broker"
#define SERVICE_DESCRIPTION L"MQTT 3.1/3.1.1 message broker (mosquitto-compatible configuration)."
/* How long uninstall waits for the running service to stop. */
#define STOP_TIMEOUT_MS 60000

static int fail(const char *what, DWORD e)
{
    struct err_detail d = {{0}, {0}, 0};
    win32__err(&d, ERR_IO, e, what);
    fprintf(stderr, "midge: %s\n", d.msg);
    if (e == ERROR_ACCESS_DENIED)
        fprintf(stderr, "midge: run this from an administrator command prompt\n");
    return 1;
}

/* Restart after 5 s, 30 s, then every 60 s; forget failures after a day. Also on a
 * clean stop with an error code (a start-up failure), not only after crashes. */
static void set_recovery(SC_HANDLE s)
{
    SERVICE_DESCRIPTIONW desc = {(LPWSTR)SERVICE_DESCRIPTION};
    ChangeServiceConfig2W(s, SERVICE_CONFIG_DESCRIPTION, &desc);
    SC_ACTION actions[3] = {
        {SC_ACTION_RESTART, 5000}, {SC_ACTION_RESTART, 30000}, {SC_ACTION_RESTART, 60000}};
    SERVICE_FAILURE_ACTIONSW fa = {86400, NULL, NULL, 3, actions};
    ChangeServiceConfig2W(s, SERVICE_CONFIG_FAILURE_ACTIONS, &fa);
    SERVICE_FAILURE_ACTIONS_FLAG flag = {TRUE};
    ChangeServiceConfig2W(s, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &flag);
}

/* Register midge.exe as the message file of the "midge" Event Log source. */
static void register_event_source(const wchar_t *exe)
{
    HKEY k;
    if (RegCreateKeyExW(HKEY_LOCAL_MACHINE, EVENTLOG_KEY, 0, NULL, 0, KEY_SET_VALUE, NULL, &k,
                        NULL) != ERROR_SUCCESS) {
        fprintf(stderr, "midge: warning: cannot register the Event Log source\n");
        return;
    }
    DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
    RegSetValueExW(k, L"EventMessageFile", 0, REG_EXPAND_SZ, (const BYTE *)exe,
                   (DWORD)((wcslen(exe) + 1) * sizeof *exe));
    RegSetValueExW(k, L"TypesSupported", 0, REG_DWORD, (const BYTE *)&types, sizeof types);
    RegCloseKey(k);
}

/* The absolute, expanded configuration path (caller frees), or NULL. */
static wchar_t *config_path(const char *given)
{
    wchar_t *w = win32__path(given ? given : "%ProgramData%\\midge\\midge.conf", NULL);
    if (!w)
        return NULL;
    wchar_t full[MAX_PATH];
    DWORD n = GetFullPathNameW(w, MAX_PATH, full, NULL);
    free(w);
    if (n == 0 || n >= MAX_PATH)
        return NULL;
    return _wcsdup(full);
}

/* Create the service, or point an existing one at this binary and config (upgrade). */
static SC_HANDLE create_or_update(SC_HANDLE scm, const wchar_t *cmd)
{
    SC_HANDLE s = CreateServiceW(scm, WIN32_SERVICE_NAME, SERVICE_DISPLAY, SERVICE_ALL_ACCESS,
                                 SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START,
                                 SERVICE_ERROR_NORMAL, cmd, NULL, NULL, NULL, NULL, NULL);
    if (s || GetLastError() != ERROR_SERVICE_EXISTS)
        return s;
    s = OpenServiceW(scm, WIN32_SERVICE_NAME, SERVICE_CHANGE_CONFIG | SERVICE_QUERY_STATUS);
    if (s && !ChangeServiceConfigW(s, SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START,
                                   SERVICE_ERROR_NORMAL, cmd, NULL, NULL, NULL, NULL, NULL,
                                   SERVICE_DISPLAY)) {
        DWORD e = GetLastError();
        CloseServiceHandle(s);
        SetLastError(e);
        return NULL;
    }
    return s;
}

int win32__service_install(int argc, char **argv)
{
    const char *given = NULL;
    for (int i = 0; i < argc; i++) {
        if ((!strcmp(argv[i], "--config") || !strcmp(argv[i], "-c")) && i + 1 < argc) {
            given = argv[++i];
        } else {
            fprintf(stderr, "usage: midge install [--config PATH]\n");
            return 1;
        }
    }
    wchar_t exe[MAX_PATH];
    wchar_t *conf = config_path(given);
    if (!conf || GetModuleFileNameW(NULL, exe, MAX_PATH) >= MAX_PATH) {
        fprintf(stderr, "midge: invalid configuration path\n");
        free(conf);
        return 1;
    }
    size_t n = wcslen(exe) + wcslen(conf) + 32;
    wchar_t *cmd = xmalloc(n * sizeof *cmd);
    _snwprintf(cmd, n, L"\"%ls\" service -c \"%ls\"", exe, conf);
    cmd[n - 1] = L'\0';
    int status = 1;
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT | SC_MANAGER_CREATE_SERVICE);
    SC_HANDLE s = scm ? create_or_update(scm, cmd) : NULL;
    if (!s) {
        status = fail(scm ? "cannot create the service" : "cannot open the service manager",
                      GetLastError());
    } else {
        set_recovery(s);
        register_event_source(exe);
        char *c8 = win32__utf8(conf);
        printf("midge: service 'midge' installed (automatic start), configuration %s\n"
               "midge: start it with: net start midge\n",
               c8);
        if (GetFileAttributesW(conf) == INVALID_FILE_ATTRIBUTES)
            printf("midge: note: %s does not exist yet\n", c8);
        free(c8);
        status = 0;
        CloseServiceHandle(s);
    }
    if (scm)
        CloseServiceHandle(scm);
    free(cmd);
    free(conf);
    return status;
}

DWORD win32__service_stop_wait(SC_HANDLE s)
{
    SERVICE_STATUS_PROCESS sp;
    DWORD need;
    if (!QueryServiceStatusEx(s, SC_STATUS_PROCESS_INFO, (BYTE *)&sp, sizeof sp, &need))
        return GetLastError();
    if (sp.dwCurrentState == SERVICE_STOPPED)
        return 0;
    HANDLE proc = sp.dwProcessId ? OpenProcess(SYNCHRONIZE, FALSE, sp.dwProcessId) : NULL;
    SERVICE_STATUS st;
    if (!ControlService(s, SERVICE_CONTROL_STOP, &st) &&
        GetLastError() != ERROR_SERVICE_NOT_ACTIVE) {
        DWORD e = GetLastError();
        if (proc)
            CloseHandle(proc);
        return e;
    }
    printf("midge: stopping the service\n");
    DWORD w = proc ? WaitForSingleObject(proc, STOP_TIMEOUT_MS) : WAIT_OBJECT_0;
    if (proc)
        CloseHandle(proc);
    if (w != WAIT_OBJECT_0)
        return ERROR_SERVICE_REQUEST_TIMEOUT;
    return 0;
}

int win32__service_uninstall(void)
{
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    if (!scm)
        return fail("cannot open the service manager", GetLastError());
    SC_HANDLE s =
        OpenServiceW(scm, WIN32_SERVICE_NAME, SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE);
    int status = 0;
    if (!s && GetLastError() == ERROR_SERVICE_DOES_NOT_EXIST) {
        printf("midge: service 'midge' is not installed\n");
    } else if (!s) {
        status = fail("cannot open the service", GetLastError());
    } else {
        DWORD e = win32__service_stop_wait(s);
        if (e != 0)
            status = fail("cannot stop the service", e);
        else if (!DeleteService(s) && GetLastError() != ERROR_SERVICE_MARKED_FOR_DELETE)
            status = fail("cannot remove the service", GetLastError());
        else
            printf("midge: service 'midge' removed\n");
        CloseServiceHandle(s);
        if (status == 0)
            RegDeleteKeyW(HKEY_LOCAL_MACHINE, EVENTLOG_KEY);
    }
    CloseServiceHandle(scm);
    return status;
}

int win32__service_reload(void)
{
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    if (!scm)
        return fail("cannot open the service manager", GetLastError());
    /* SERVICE_CONTROL_PARAMCHANGE needs the pause/continue access right. */
    SC_HANDLE s = OpenServiceW(scm, WIN32_SERVICE_NAME, SERVICE_PAUSE_CONTINUE);
    SERVICE_STATUS st;
    int status = 0;
    if (!s)
        status = fail("cannot open the service", GetLastError());
    else if (!ControlService(s, SERVICE_CONTROL_PARAMCHANGE, &st))
        status = fail("cannot send the reload request", GetLastError());
    else
        printf("midge: reload requested\n");
    if (s)
        CloseServiceHandle(s);
    CloseServiceHandle(scm);
    return status;
}
