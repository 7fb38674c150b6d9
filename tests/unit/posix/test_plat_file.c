/* SPDX-License-Identifier: MIT */
/* Tests of POSIX file access in a scratch directory: atomic replace, bounded reads,
 * directory listing and append-only files. */
#include "common/platform.h"
#include "tests/assert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[64];

static const char *in_tmp(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

static unsigned file_mode(const char *path)
{
    struct stat st;
    ASSERT_EQ_INT(stat(path, &st), 0);
    return (unsigned)(st.st_mode & 07777);
}

static size_t count_entries(const char *dir)
{
    char **names = NULL;
    size_t n = 0;
    ASSERT_EQ_INT(plat_dir_list(dir, "", &names, &n, NULL), 0);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return n;
}

static void expect_contents(const char *path, const char *want)
{
    char *data = NULL;
    size_t len = 0;
    ASSERT_EQ_INT(plat_file_read_all(path, 1 << 20, &data, &len, NULL), 0);
    ASSERT_EQ_MEM(data, len, want, strlen(want));
    ASSERT_EQ_INT(data[len], '\0');
    free(data);
}

static void test_write_atomic_create_and_replace(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s", in_tmp("midge.conf"));
    struct err_detail d = {0};
    ASSERT_EQ_INT(plat_file_write_atomic(path, "one\n", 4, 0600, &d), 0);
    ASSERT_EQ_INT(file_mode(path), 0600);
    expect_contents(path, "one\n");
    /* Replace: new contents and the mode asked for, whatever the umask. */
    ASSERT_EQ_INT(plat_file_write_atomic(path, "two two\n", 8, 0640, &d), 0);
    ASSERT_EQ_INT(file_mode(path), 0640);
    expect_contents(path, "two two\n");
    ASSERT_EQ_INT(plat_file_write_atomic(path, "", 0, 0600, &d), 0);
    expect_contents(path, "");
    /* No temporary file is left behind. */
    ASSERT_EQ_INT(count_entries(tmpdir), 1);
    unlink(path);
}

static void test_write_atomic_failures_leave_nothing(void)
{
    struct err_detail d = {0};
    /* The directory does not exist: an error, and nothing is created. */
    ASSERT_EQ_INT(plat_file_write_atomic(in_tmp("nope/x.conf"), "x", 1, 0600, &d), ERR_NOTFOUND);
    ASSERT_TRUE(d.msg[0] != '\0');
    ASSERT_FALSE(plat_path_is_dir(in_tmp("nope")));
    ASSERT_EQ_INT(count_entries(tmpdir), 0);
    /* The target is a directory: rename fails after the temporary file was written; the
     * temporary file is removed and the directory is untouched. */
    char dir[256];
    snprintf(dir, sizeof dir, "%s", in_tmp("adir"));
    ASSERT_EQ_INT(mkdir(dir, 0700), 0);
    ASSERT_TRUE(plat_file_write_atomic(dir, "x", 1, 0600, &d) < 0);
    ASSERT_TRUE(plat_path_is_dir(dir));
    ASSERT_EQ_INT(count_entries(tmpdir), 0); /* regular files only: the temp is gone */
    ASSERT_EQ_INT(rmdir(dir), 0);
}

static void test_read_all_cap(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s", in_tmp("hundred"));
    char data[100];
    memset(data, 'a', sizeof data);
    ASSERT_EQ_INT(plat_file_write_atomic(path, data, sizeof data, 0600, NULL), 0);
    char *out = NULL;
    size_t len = 0;
    ASSERT_EQ_INT(plat_file_read_all(path, 100, &out, &len, NULL), 0);
    ASSERT_EQ_INT(len, 100);
    free(out);
    struct err_detail d = {0};
    ASSERT_EQ_INT(plat_file_read_all(path, 99, &out, &len, &d), ERR_TOOBIG);
    ASSERT_TRUE(strstr(d.msg, "hundred") != NULL);
    ASSERT_EQ_INT(plat_file_read_all(in_tmp("missing"), 100, &out, &len, NULL), ERR_NOTFOUND);
    ASSERT_EQ_INT(plat_file_read_all(tmpdir, 100, &out, &len, NULL), ERR_IO);
    /* Files whose size is unknown in advance (procfs) are read to the end or capped. */
    ASSERT_EQ_INT(plat_file_read_all("/proc/self/status", 1 << 20, &out, &len, NULL), 0);
    ASSERT_TRUE(len > 10 && strlen(out) == len);
    free(out);
    ASSERT_EQ_INT(plat_file_read_all("/proc/self/status", 10, &out, &len, NULL), ERR_TOOBIG);
    unlink(path);
}

static void test_dir_list_filter(void)
{
    const char *files[] = {"a.conf", "b.conf", "c.txt", "conf"};
    for (size_t i = 0; i < 4; i++)
        ASSERT_EQ_INT(plat_file_write_atomic(in_tmp(files[i]), "x", 1, 0600, NULL), 0);
    ASSERT_EQ_INT(mkdir(in_tmp("d.conf"), 0700), 0);
    char **names = NULL;
    size_t n = 0;
    ASSERT_EQ_INT(plat_dir_list(tmpdir, ".conf", &names, &n, NULL), 0);
    ASSERT_EQ_INT(n, 2);
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        seen |= strcmp(names[i], "a.conf") == 0 ? 1 : strcmp(names[i], "b.conf") == 0 ? 2 : 4;
        free(names[i]);
    }
    free(names);
    ASSERT_EQ_INT(seen, 3);
    ASSERT_EQ_INT(count_entries(tmpdir), 4);
    struct err_detail d = {0};
    ASSERT_EQ_INT(plat_dir_list(in_tmp("nope"), "", &names, &n, &d), ERR_NOTFOUND);
    ASSERT_TRUE(plat_path_is_dir(in_tmp("d.conf")));
    ASSERT_FALSE(plat_path_is_dir(in_tmp("a.conf")));
    ASSERT_FALSE(plat_path_is_dir(in_tmp("nope")));
    ASSERT_EQ_INT(rmdir(in_tmp("d.conf")), 0);
    for (size_t i = 0; i < 4; i++)
        ASSERT_EQ_INT(unlink(in_tmp(files[i])), 0);
}

/* Only files named like a temporary of this exact path are removed. */
static void test_remove_stale_temps(void)
{
    const char *files[] = {"x.db", ".x.db.ab12CD", ".x.db.toolong", ".y.db.ab12CD", "x.db.ab12CD"};
    for (size_t i = 0; i < 5; i++)
        ASSERT_EQ_INT(plat_file_write_atomic(in_tmp(files[i]), "x", 1, 0600, NULL), 0);
    char path[256];
    snprintf(path, sizeof path, "%s", in_tmp("x.db"));
    ASSERT_EQ_INT(plat_file_remove_stale_temps(path, NULL), 1);
    ASSERT_EQ_INT(count_entries(tmpdir), 4);
    ASSERT_EQ_INT(access(in_tmp(".x.db.ab12CD"), F_OK), -1);
    ASSERT_EQ_INT(plat_file_remove_stale_temps(path, NULL), 0);
    ASSERT_EQ_INT(plat_file_remove_stale_temps(in_tmp("nope/x.db"), NULL), 0);
    for (size_t i = 0; i < 5; i++)
        if (i != 1) /* the removed one */
            ASSERT_EQ_INT(unlink(in_tmp(files[i])), 0);
}

/* The streaming variant: nothing visible until commit, abort leaves nothing. */
static void test_atomic_stream(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s", in_tmp("s.db"));
    plat_atomic_file *f = NULL;
    ASSERT_EQ_INT(plat_file_write_atomic(path, "old", 3, 0600, NULL), 0);
    ASSERT_EQ_INT(plat_file_atomic_begin(path, 0640, &f, NULL), 0);
    ASSERT_EQ_INT(plat_file_atomic_write(f, "ne", 2, NULL), 0);
    ASSERT_EQ_INT(plat_file_atomic_write(f, "w!", 2, NULL), 0);
    expect_contents(path, "old");
    ASSERT_EQ_INT(count_entries(tmpdir), 2); /* the file and the temporary */
    ASSERT_EQ_INT(plat_file_atomic_commit(f, NULL), 0);
    expect_contents(path, "new!");
    ASSERT_EQ_INT(file_mode(path), 0640);
    ASSERT_EQ_INT(count_entries(tmpdir), 1);
    ASSERT_EQ_INT(plat_file_atomic_begin(path, 0600, &f, NULL), 0);
    ASSERT_EQ_INT(plat_file_atomic_write(f, "x", 1, NULL), 0);
    plat_file_atomic_abort(f);
    plat_file_atomic_abort(NULL);
    expect_contents(path, "new!");
    ASSERT_EQ_INT(count_entries(tmpdir), 1);
    struct err_detail d = {{0}, {0}, 0};
    ASSERT_EQ_INT(plat_file_atomic_begin(in_tmp("nope/s.db"), 0600, &f, &d), ERR_NOTFOUND);
    ASSERT_EQ_INT(unlink(path), 0);
}

static void test_append(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s", in_tmp("midge.log"));
    plat_file *f = NULL;
    ASSERT_EQ_INT(plat_file_open_append(path, &f, NULL), 0);
    ASSERT_EQ_INT(plat_file_write(f, "line 1\n", 7), 0);
    plat_file_close(f);
    ASSERT_EQ_INT(file_mode(path), 0640);
    ASSERT_EQ_INT(plat_file_open_append(path, &f, NULL), 0);
    ASSERT_EQ_INT(plat_file_write(f, "line 2\n", 7), 0);
    plat_file_close(f);
    plat_file_close(NULL);
    expect_contents(path, "line 1\nline 2\n");
    struct err_detail d = {0};
    ASSERT_EQ_INT(plat_file_open_append(in_tmp("nope/x.log"), &f, &d), ERR_NOTFOUND);
    unlink(path);
}

int main(void)
{
    umask(022);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/midge-test-file-XXXXXX");
    ASSERT_TRUE(mkdtemp(tmpdir) != NULL);
    RUN_TEST(test_write_atomic_create_and_replace);
    RUN_TEST(test_write_atomic_failures_leave_nothing);
    RUN_TEST(test_read_all_cap);
    RUN_TEST(test_dir_list_filter);
    RUN_TEST(test_append);
    RUN_TEST(test_atomic_stream);
    RUN_TEST(test_remove_stale_temps);
    ASSERT_EQ_INT(rmdir(tmpdir), 0);
    return 0;
}
