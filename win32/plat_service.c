/* SPDX-License-Identifier: MIT */
/* The Windows process model: console mode (Ctrl-C stops) and the service control
 * manager. Under the SCM the dispatcher runs on its own thread from the start, so that
 * the core's main thread loads the configuration and binds the listeners as on POSIX;
 * SERVICE_RUNNING is reported only after ops->start succeeded, and any earlier exit is
 * reported as a stop with an error code, with the reason sent to the Event Log. */
#include "win32/win32_internal.h"

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

/* Longest service log excerpt copied into a start-up failure event. */
#define SERVICE_TAIL_BYTES 1500

static struct {
    bool scm; /* started by the SCM through the "service" verb */
    SERVICE_STATUS_HANDLE handle;
    SERVICE_STATUS st;
    SRWLOCK lock;    /* guards st: the control handler runs on the dispatcher thread */
    HANDLE ready;    /* set once service_main registered its handler (or failed) */
    HANDLE finished; /* set after SERVICE_STOPPED: service_main may return */
    DWORD dispatch_err;
    bool stopped; /* SERVICE_STOPPED was reported */
    wchar_t log_path[MAX_PATH + 32];
    LONGLONG log_start; /* size of the service log when this run began */
} svc = {.lock = SRWLOCK_INIT};

bool win32__under_scm(void)
{
    return svc.scm;
}

static void set_status(DWORD state, DWORD exit_code, DWORD specific, DWORD wait_hint)
{
    AcquireSRWLockExclusive(&svc.lock);
    svc.st.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    svc.st.dwCurrentState = state;
    svc.st.dwWin32ExitCode = exit_code;
    svc.st.dwServiceSpecificExitCode = specific;
    svc.st.dwWaitHint = wait_hint;
    svc.st.dwControlsAccepted =
        state == SERVICE_RUNNING
            ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_PARAMCHANGE
            : 0;
    bool pending = state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING;
    svc.st.dwCheckPoint = pending ? svc.st.dwCheckPoint + 1 : 0;
    SetServiceStatus(svc.handle, &svc.st);
    ReleaseSRWLockExclusive(&svc.lock);
}

/* Service controls arrive on the dispatcher thread and go to the loop as signals. */
static DWORD WINAPI on_control(DWORD ctrl, DWORD type, LPVOID data, LPVOID ctx)
{
    (void)type;
    (void)data;
    (void)ctx;
    switch (ctrl) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
        set_status(SERVICE_STOP_PENDING, NO_ERROR, 0, 30000);
        win32__signal_raise(PLAT_SIG_STOP);
        return NO_ERROR;
    case SERVICE_CONTROL_PARAMCHANGE:
        win32__signal_raise(PLAT_SIG_RELOAD);
        return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
        return NO_ERROR;
    default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv)
{
    (void)argc;
    (void)argv;
    svc.handle = RegisterServiceCtrlHandlerExW(WIN32_SERVICE_NAME, on_control, NULL);
    if (!svc.handle) {
        svc.dispatch_err = GetLastError();
        SetEvent(svc.ready);
        return;
    }
    set_status(SERVICE_START_PENDING, NO_ERROR, 0, 30000);
    SetEvent(svc.ready);
    WaitForSingleObject(svc.finished, INFINITE);
}

static DWORD WINAPI dispatcher_thread(LPVOID arg)
{
    (void)arg;
    SERVICE_TABLE_ENTRYW table[] = {{(LPWSTR)WIN32_SERVICE_NAME, service_main}, {NULL, NULL}};
    if (!StartServiceCtrlDispatcherW(table)) {
        svc.dispatch_err = GetLastError();
        SetEvent(svc.ready);
    }
    return 0;
}

/* The last bytes of this run's service log (what the program printed), for an event. */
static char *log_tail(void)
{
    fflush(stdout);
    fflush(stderr);
    HANDLE h = CreateFileW(svc.log_path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                           OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return NULL;
    LARGE_INTEGER size, pos;
    char *text = NULL;
    if (GetFileSizeEx(h, &size) && size.QuadPart > svc.log_start) {
        LONGLONG n = size.QuadPart - svc.log_start;
        if (n > SERVICE_TAIL_BYTES)
            n = SERVICE_TAIL_BYTES;
        pos.QuadPart = size.QuadPart - n;
        text = calloc(1, (size_t)n + 1);
        DWORD got = 0;
        if (text && SetFilePointerEx(h, pos, NULL, FILE_BEGIN))
            ReadFile(h, text, (DWORD)n, &got, NULL);
    }
    CloseHandle(h);
    return text;
}

/* Report a failed start: an error event with the reason, then SERVICE_STOPPED with a
 * service-specific exit code (the SCM then applies the recovery actions). */
static void service_failed(DWORD status)
{
    char *tail = log_tail();
    char msg[SERVICE_TAIL_BYTES + 256];
    snprintf(msg, sizeof msg, "midge could not start as a service (exit status %lu)%s%s",
             (unsigned long)status, tail && tail[0] ? ":\r\n" : "; see the log file",
             tail ? tail : "");
    free(tail);
    win32__event_log(PLAT_LOG_ERROR, msg);
    svc.stopped = true;
    set_status(SERVICE_STOPPED, ERROR_SERVICE_SPECIFIC_ERROR, status ? status : 1, 0);
    SetEvent(svc.finished);
}

/* An exit before plat_service_main reported anything (bad configuration, bad option). */
static void service_atexit(void)
{
    if (svc.scm && !svc.stopped)
        service_failed(1);
}

/* Send what the program prints to %ProgramData%\midge\midge-service.log: a service has no
 * console, and this keeps main's own error messages. */
static void service_redirect_output(void)
{
    _snwprintf(svc.log_path, sizeof svc.log_path / sizeof svc.log_path[0],
               L"%ls\\midge-service.log", win32__data_dir());
    svc.log_path[sizeof svc.log_path / sizeof svc.log_path[0] - 1] = L'\0';
    WIN32_FILE_ATTRIBUTE_DATA fa;
    if (GetFileAttributesExW(svc.log_path, GetFileExInfoStandard, &fa))
        svc.log_start = (LONGLONG)(((ULONGLONG)fa.nFileSizeHigh << 32) | fa.nFileSizeLow);
    /* A service starts without valid descriptors 1 and 2, so freopen cannot be used:
     * open the log and make it descriptors 1 and 2 of the C runtime. */
    int fd =
        _wopen(svc.log_path, _O_WRONLY | _O_APPEND | _O_CREAT | _O_BINARY, _S_IREAD | _S_IWRITE);
    if (fd < 0)
        return;
    _dup2(fd, 1);
    _dup2(fd, 2);
    if (fd > 2)
        _close(fd);
    /* msvcrt marked the streams as unusable (descriptor -2) at start-up and freopen
     * refuses such streams; point them at the now valid descriptors. */
    stdout->_file = 1;
    stderr->_file = 2;
    setvbuf(stderr, NULL, _IONBF, 0);
    SetStdHandle(STD_OUTPUT_HANDLE, (HANDLE)_get_osfhandle(1));
    SetStdHandle(STD_ERROR_HANDLE, (HANDLE)_get_osfhandle(2));
}

int win32__service_enter_scm(void)
{
    svc.ready = CreateEventW(NULL, TRUE, FALSE, NULL);
    svc.finished = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE t =
        svc.ready && svc.finished ? CreateThread(NULL, 0, dispatcher_thread, NULL, 0, NULL) : NULL;
    if (!t) {
        fprintf(stderr, "midge: cannot start the service dispatcher thread\n");
        return ERR_IO;
    }
    CloseHandle(t);
    WaitForSingleObject(svc.ready, INFINITE);
    if (!svc.handle) {
        struct err_detail d = {{0}, {0}, 0};
        win32__err(&d, ERR_IO, svc.dispatch_err, "cannot connect to the service control manager");
        fprintf(stderr,
                "midge: %s\nmidge: the 'service' verb is for the SCM; use 'midge run' "
                "in a console\n",
                d.msg);
        return ERR_IO;
    }
    svc.scm = true;
    service_redirect_output();
    atexit(service_atexit);
    return 0;
}

/* ---- The run itself ------------------------------------------------------------------- */

struct service_ctx {
    const struct plat_service_ops *ops;
    void *ud;
    plat_loop *loop;
    bool stopping;
};

static void on_service_signal(enum plat_signal sig, void *ud)
{
    struct service_ctx *ctx = ud;
    switch (sig) {
    case PLAT_SIG_STOP:
        /* A second stop request means "now". */
        if (ctx->stopping || !ctx->ops->stop)
            plat_loop_stop(ctx->loop);
        else
            ctx->ops->stop(ctx->ud);
        ctx->stopping = true;
        break;
    case PLAT_SIG_RELOAD:
        if (ctx->ops->reload)
            ctx->ops->reload(ctx->ud);
        break;
    case PLAT_SIG_SAVE:
        if (ctx->ops->save)
            ctx->ops->save(ctx->ud);
        break;
    case PLAT_SIG_DEBUG:
        if (ctx->ops->debug)
            ctx->ops->debug(ctx->ud);
        break;
    default:
        break;
    }
}

static void service_console(const char *what, int rc, const struct err_detail *d)
{
    char line[768];
    snprintf(line, sizeof line, "midge: %s: %s", what, d->msg[0] ? d->msg : err_str(rc));
    plat_log_console(2, line);
}

/* Start the core, report RUNNING, run the loop, clean up. Returns the exit status. */
static int service_run(struct service_ctx *ctx)
{
    struct err_detail d = {{0}, {0}, 0};
    int rc = plat_loop_handle_signals(ctx->loop, on_service_signal, ctx);
    if (rc < 0) {
        service_console("cannot handle console events", rc, &d);
        return 1;
    }
    if (ctx->ops->start(ctx->loop, ctx->ud) < 0) {
        if (ctx->ops->cleanup)
            ctx->ops->cleanup(ctx->ud);
        return 1;
    }
    if (svc.scm) {
        set_status(SERVICE_RUNNING, NO_ERROR, 0, 0);
        win32__event_log(PLAT_LOG_INFO, "midge service started: configuration loaded, "
                                        "listeners bound");
    }
    rc = plat_loop_run(ctx->loop);
    if (rc < 0)
        service_console("event loop failed", rc, &d);
    if (ctx->ops->cleanup)
        ctx->ops->cleanup(ctx->ud);
    return rc < 0 ? 1 : 0;
}

static int write_pid(const char *path, struct err_detail *d)
{
    char text[32];
    int n = snprintf(text, sizeof text, "%lu\n", (unsigned long)GetCurrentProcessId());
    return plat_file_write_atomic(path, text, (size_t)n, 0644, d);
}

int plat_service_main(const struct plat_service_ops *ops, const struct plat_service_opts *o,
                      void *ud)
{
    if (o && o->daemonize) {
        plat_log_console(2, "midge: -d is not available on Windows; register the service "
                            "with 'midge install' or run in the console with 'midge run'");
        return 1;
    }
    struct err_detail d = {{0}, {0}, 0};
    struct service_ctx ctx = {.ops = ops, .ud = ud};
    int rc = plat_loop_new(&ctx.loop, &d);
    if (rc < 0) {
        service_console("cannot create the event loop", rc, &d);
        return 1;
    }
    const char *pid_file = o ? o->pid_file : NULL;
    int status = 1;
    if (pid_file && (rc = write_pid(pid_file, &d)) < 0)
        service_console("cannot write the pid file", rc, &d);
    else
        status = service_run(&ctx);
    if (pid_file && rc >= 0) {
        wchar_t *w = win32__path(pid_file, NULL);
        if (w)
            DeleteFileW(w);
        free(w);
    }
    plat_loop_free(ctx.loop);
    if (svc.scm && status != 0) {
        service_failed((DWORD)status);
    } else if (svc.scm) {
        win32__event_log(PLAT_LOG_INFO, "midge service stopped");
        svc.stopped = true;
        set_status(SERVICE_STOPPED, NO_ERROR, 0, 0);
        SetEvent(svc.finished);
    }
    return status;
}
