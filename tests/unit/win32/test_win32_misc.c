/* SPDX-License-Identifier: MIT */
/* Tests of the win32 platform's files, paths, clocks, CSPRNG and log sinks against the
 * real Win32 API (under Wine in CI). */
#include "common/platform.h"
#include "tests/assert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

static char dir[MAX_PATH];

static void path_in(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s\\%s", dir, name);
}

static void test_atomic_write_and_read(void)
{
    char p[MAX_PATH + 32];
    path_in(p, sizeof p, "a.conf");
    struct err_detail d = {{0}, {0}, 0};
    ASSERT_EQ_INT(plat_file_write_atomic(p, "one\n", 4, 0600, &d), 0);
    ASSERT_EQ_INT(plat_file_write_atomic(p, "second\n", 7, 0600, &d), 0); /* replace */
    char *data = NULL;
    size_t len = 0;
    ASSERT_EQ_INT(plat_file_read_all(p, 100, &data, &len, &d), 0);
    ASSERT_EQ_STR(data, "second\n");
    ASSERT_EQ_INT((int)len, 7);
    free(data);
    ASSERT_EQ_INT(plat_file_read_all(p, 3, &data, &len, &d), ERR_TOOBIG);
    path_in(p, sizeof p, "missing.conf");
    ASSERT_EQ_INT(plat_file_read_all(p, 100, &data, &len, &d), ERR_NOTFOUND);
    ASSERT_TRUE(strstr(d.msg, "missing.conf") != NULL);
    ASSERT_EQ_INT(plat_file_read_all(dir, 100, &data, &len, &d), ERR_IO);
}

static void test_dir_list_and_append(void)
{
    char p[MAX_PATH + 32];
    path_in(p, sizeof p, "b.conf");
    ASSERT_EQ_INT(plat_file_write_atomic(p, "x", 1, 0644, NULL), 0);
    path_in(p, sizeof p, "c.txt");
    plat_file *f = NULL;
    ASSERT_EQ_INT(plat_file_open_append(p, &f, NULL), 0);
    ASSERT_EQ_INT(plat_file_write(f, "ab", 2), 0);
    plat_file_close(f);
    ASSERT_EQ_INT(plat_file_open_append(p, &f, NULL), 0);
    ASSERT_EQ_INT(plat_file_write(f, "cd", 2), 0);
    plat_file_close(f);
    char *data = NULL;
    size_t len = 0;
    ASSERT_EQ_INT(plat_file_read_all(p, 100, &data, &len, NULL), 0);
    ASSERT_EQ_STR(data, "abcd");
    free(data);
    char **names = NULL;
    size_t n = 0;
    ASSERT_EQ_INT(plat_dir_list(dir, ".conf", &names, &n, NULL), 0);
    ASSERT_EQ_INT((int)n, 2); /* a.conf, b.conf; no temporary files left behind */
    for (size_t i = 0; i < n; i++) {
        ASSERT_TRUE(!strcmp(names[i], "a.conf") || !strcmp(names[i], "b.conf"));
        free(names[i]);
    }
    free(names);
    ASSERT_TRUE(plat_path_is_dir(dir));
    ASSERT_FALSE(plat_path_is_dir(p));
}

static void test_expand(void)
{
    SetEnvironmentVariableW(L"MIDGE_T", L"C:\\x y");
    char *out = NULL;
    ASSERT_EQ_INT(plat_path_expand("%MIDGE_T%\\midge.conf", &out), 0);
    ASSERT_EQ_STR(out, "C:\\x y\\midge.conf");
    free(out);
    ASSERT_EQ_INT(plat_path_expand("%NO_SUCH_VAR_MIDGE%\\a", &out), 0);
    ASSERT_EQ_STR(out, "%NO_SUCH_VAR_MIDGE%\\a");
    free(out);
    ASSERT_EQ_INT(plat_path_expand("\xff", &out), ERR_INVAL);
    /* The file functions expand too. */
    char env[MAX_PATH + 8];
    snprintf(env, sizeof env, "%s", dir);
    SetEnvironmentVariableA("MIDGE_DIR", env);
    char *data = NULL;
    size_t len = 0;
    ASSERT_EQ_INT(plat_file_read_all("%MIDGE_DIR%\\a.conf", 100, &data, &len, NULL), 0);
    ASSERT_EQ_STR(data, "second\n");
    free(data);
}

static void test_time_random_log(void)
{
    uint64_t m1 = plat_time_mono_ms();
    Sleep(20);
    ASSERT_TRUE(plat_time_mono_ms() >= m1 + 15);
    ASSERT_TRUE(plat_time_wall_ms() > 1600000000000LL);
    char out[64];
    /* C99 shorthands work, unknown conversions are written literally (msvcrt would
     * abort on them). */
    ASSERT_EQ_INT(plat_time_format(out, sizeof out, "%F", 86400 * 365), 10);
    ASSERT_TRUE(out[4] == '-' && out[7] == '-');
    ASSERT_TRUE(plat_time_format(out, sizeof out, "%Q%T", 0) == 9);
    ASSERT_TRUE(out[0] == 'Q' && out[3] == ':');
    unsigned char a[64] = {0}, b[64] = {0};
    ASSERT_EQ_INT(plat_random_bytes(a, sizeof a), 0);
    ASSERT_EQ_INT(plat_random_bytes(b, sizeof b), 0);
    ASSERT_TRUE(memcmp(a, b, sizeof a) != 0);
    ASSERT_TRUE(plat_heap_in_use() > 0);
    plat_log_console(1, "# console line on stdout");
    ASSERT_EQ_INT(plat_log_syslog_open("midge-test"), 0);
    plat_log_syslog(PLAT_LOG_WARNING, "unit test of the Event Log sink");
    plat_log_syslog_close();
    plat_log_syslog_close();
}

int main(void)
{
    char tmp[MAX_PATH];
    GetTempPathA(sizeof tmp, tmp);
    snprintf(dir, sizeof dir, "%smidge-test-%lu", tmp, (unsigned long)GetCurrentProcessId());
    CreateDirectoryA(dir, NULL);
    RUN_TEST(test_atomic_write_and_read);
    RUN_TEST(test_dir_list_and_append);
    RUN_TEST(test_expand);
    RUN_TEST(test_time_random_log);
    return 0;
}
