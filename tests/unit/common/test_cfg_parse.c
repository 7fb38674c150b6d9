/* SPDX-License-Identifier: MIT */
/* Table-driven tests of the configuration schema and parser: every supported keyword,
 * every error path with its file:line message, comments, CRLF, includes and local-only. */
#include "common/cfg.h"
#include "common/cfg_parse.h"
#include "common/cfg_schema.h"
#include "common/mem.h"
#include "tests/assert.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- an in-memory file system for cfg_io ---- */

struct memfile {
    const char *path;
    const char *text;
};
struct memdir {
    const char *dir;
    const char *const *names; /* NULL-terminated */
};
struct memfs {
    const struct memfile *files;
    const struct memdir *dirs;
};

static int mem_read(void *ud, const char *path, char **data, size_t *len, struct err_detail *d)
{
    const struct memfs *fs = ud;
    for (const struct memfile *f = fs->files; f && f->path; f++) {
        if (strcmp(f->path, path) == 0) {
            *len = strlen(f->text);
            *data = xstrndup(f->text, *len);
            return 0;
        }
    }
    return err_set(d, ERR_NOTFOUND, path, 0, "no such file");
}

static int mem_list(void *ud, const char *dir, char ***names, size_t *count, struct err_detail *d)
{
    const struct memfs *fs = ud;
    for (const struct memdir *m = fs->dirs; m && m->dir; m++) {
        if (strcmp(m->dir, dir) != 0)
            continue;
        size_t n = 0;
        while (m->names[n])
            n++;
        *names = xcalloc(n + 1, sizeof **names);
        for (size_t i = 0; i < n; i++)
            (*names)[i] = xstrdup(m->names[i]);
        *count = n;
        return 0;
    }
    return err_set(d, ERR_NOTFOUND, dir, 0, "no such directory");
}

/* ---- helpers ---- */

static int parse(const char *text, struct cfg *c, char *msg, size_t msglen)
{
    struct err_detail d;
    memset(&d, 0, sizeof d);
    cfg_init(c);
    int rc = cfg_parse_text("test.conf", text, strlen(text), NULL, c, &d);
    if (msg)
        err_detail_format(&d, msg, msglen);
    return rc;
}

static int parse_fs(const struct memfs *fs, struct cfg *c, char *msg, size_t msglen)
{
    struct err_detail d;
    memset(&d, 0, sizeof d);
    struct cfg_io io = {mem_read, mem_list, (void *)fs};
    cfg_init(c);
    int rc = cfg_parse_file("main.conf", &io, c, &d);
    err_detail_format(&d, msg, msglen);
    return rc;
}

static int64_t load(const void *p, unsigned size, bool is_signed)
{
    switch (size) {
    case 1: {
        uint8_t v;
        memcpy(&v, p, 1);
        return v;
    }
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    case 4: {
        if (is_signed) {
            int32_t v;
            memcpy(&v, p, 4);
            return v;
        }
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    default: {
        int64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    }
}

static void expect_ok(const char *text, struct cfg *c)
{
    char msg[1200];
    int rc = parse(text, c, msg, sizeof msg);
    if (rc != 0)
        TEST_FAIL_("parsing \"%s\" failed: %s", text, msg);
}

/* ---- valid values of every supported keyword land in their field ---- */

struct num_case {
    const char *text;
    size_t off;
    unsigned size;
    bool is_signed;
    bool listener; /* field of listeners[0] */
    int64_t want;
};

#define GV(t, m, v)                                                               \
    {                                                                             \
        t, offsetof(struct cfg, m), sizeof(((struct cfg *)0)->m), false, false, v \
    }
#define GS(t, m, v)                                                              \
    {                                                                            \
        t, offsetof(struct cfg, m), sizeof(((struct cfg *)0)->m), true, false, v \
    }
#define LV(t, m, v)                                              \
    {                                                            \
        "listener 1883\n" t, offsetof(struct cfg_listener, m),   \
            sizeof(((struct cfg_listener *)0)->m), true, true, v \
    }

static const struct num_case num_cases[] = {
    GV("set_tcp_nodelay true", set_tcp_nodelay, 1),
    GV("set_tcp_nodelay 1", set_tcp_nodelay, 1),
    GV("set_tcp_nodelay false", set_tcp_nodelay, 0),
    GV("set_tcp_nodelay 0", set_tcp_nodelay, 0),
    GV("allow_zero_length_clientid false", allow_zero_length_clientid, 0),
    GV("allow_zero_length_clientid 0", allow_zero_length_clientid, 0),
    GV("max_inflight_messages 0", max_inflight_messages, 0),
    GV("max_inflight_messages 65535", max_inflight_messages, 65535),
    GV("max_queued_messages 0", max_queued_messages, 0),
    GV("max_queued_messages 2147483647", max_queued_messages, 2147483647),
    GV("max_queued_bytes 1000000000000", max_queued_bytes, 1000000000000),
    GV("queue_qos0_messages true", queue_qos0_messages, 1),
    GV("upgrade_outgoing_qos true", upgrade_outgoing_qos, 1),
    GV("message_size_limit 268435455", message_size_limit, 268435455),
    GV("max_packet_size 0", max_packet_size, 0),
    GV("max_packet_size 20", max_packet_size, 20),
    GV("max_packet_size 268435460", max_packet_size, 268435460),
    GV("max_keepalive 65535", max_keepalive, 65535),
    GV("max_keepalive 0", max_keepalive, 0),
    GV("retain_available false", retain_available, 0),
    GS("persistent_client_expiration 2h", persistent_client_expiration, 7200),
    GS("persistent_client_expiration 1d", persistent_client_expiration, 86400),
    GS("persistent_client_expiration 2w", persistent_client_expiration, 1209600),
    GS("persistent_client_expiration 1m", persistent_client_expiration, 2592000),
    GS("persistent_client_expiration 1y", persistent_client_expiration, 31536000),
    GS("persistent_client_expiration 100y", persistent_client_expiration, 3153600000),
    GV("log_timestamp false", log_timestamp, 0),
    GV("connection_messages false", connection_messages, 0),
    GS("allow_anonymous true", allow_anonymous, 1),
    GS("allow_anonymous false", allow_anonymous, 0),
    GV("sys_interval 0", sys_interval, 0),
    GV("sys_interval 65535", sys_interval, 65535),
    GV("sys_interval   \t 7 \t ", sys_interval, 7),
    LV("max_connections -1", max_connections, -1),
    LV("max_connections 100", max_connections, 100),
    LV("socket_domain ipv4", socket_domain, 4),
    LV("socket_domain ipv6", socket_domain, 6),
};

static void test_numeric_values(void)
{
    for (size_t i = 0; i < sizeof num_cases / sizeof num_cases[0]; i++) {
        const struct num_case *t = &num_cases[i];
        struct cfg c;
        expect_ok(t->text, &c);
        const char *base = t->listener ? (const char *)&c.listeners[0] : (const char *)&c;
        int64_t got = load(base + t->off, t->size, t->is_signed);
        if (got != t->want)
            TEST_FAIL_("\"%s\": got %lld, want %lld", t->text, (long long)got, (long long)t->want);
        cfg_cleanup(&c);
    }
}

struct str_case {
    const char *text;
    size_t off;
    const char *want;
};

#define SV(t, m, v)                   \
    {                                 \
        t, offsetof(struct cfg, m), v \
    }

static const struct str_case str_cases[] = {
    SV("auto_id_prefix gen-", auto_id_prefix, "gen-"),
    SV("pid_file /run/midge.pid", pid_file, "/run/midge.pid"),
    SV("pid_file   /run/with space.pid  \t", pid_file, "/run/with space.pid"),
    SV("user midge", user, "midge"),
    SV("log_timestamp_format %Y-%m-%dT%H:%M:%S", log_timestamp_format, "%Y-%m-%dT%H:%M:%S"),
    SV("auto_id_prefix caf\xc3\xa9 # not a comment", auto_id_prefix, "caf\xc3\xa9 # not a comment"),
    SV("log_dest file /var/log/midge.log", log_file, "/var/log/midge.log"),
};

static void test_string_values(void)
{
    for (size_t i = 0; i < sizeof str_cases / sizeof str_cases[0]; i++) {
        struct cfg c;
        expect_ok(str_cases[i].text, &c);
        char *const *slot = (char *const *)((const char *)&c + str_cases[i].off);
        ASSERT_EQ_STR(*slot, str_cases[i].want);
        cfg_cleanup(&c);
    }
}

static void test_listeners(void)
{
    struct cfg c;
    expect_ok("listener 1883\nmount_point tenant/\n"
              "listener 8883 127.0.0.1\nmax_connections 10\nsocket_domain ipv4\n"
              "listener 1884 ::1 # the rest is a comment\n",
              &c);
    ASSERT_EQ_INT(c.n_listeners, 3);
    ASSERT_FALSE(c.local_only);
    ASSERT_EQ_INT(c.listeners[0].port, 1883);
    ASSERT_TRUE(c.listeners[0].bind_address == NULL);
    ASSERT_EQ_STR(c.listeners[0].mount_point, "tenant/");
    ASSERT_EQ_INT(c.listeners[0].max_connections, -1);
    ASSERT_EQ_INT(c.listeners[0].socket_domain, 0);
    ASSERT_EQ_STR(c.listeners[0].src_file, "test.conf");
    ASSERT_EQ_INT(c.listeners[0].src_line, 1);
    ASSERT_EQ_INT(c.listeners[1].port, 8883);
    ASSERT_EQ_STR(c.listeners[1].bind_address, "127.0.0.1");
    ASSERT_EQ_INT(c.listeners[1].max_connections, 10);
    ASSERT_EQ_INT(c.listeners[1].socket_domain, 4);
    ASSERT_EQ_INT(c.listeners[1].src_line, 3);
    ASSERT_EQ_STR(c.listeners[2].bind_address, "::1");
    ASSERT_EQ_INT(c.n_warnings, 0);
    cfg_cleanup(&c);
}

/* per_listener_settings sends the security options to the current listener block (the
 * default listener before any `listener`), leaving the global fields untouched. */
static void test_per_listener_settings(void)
{
    struct cfg c;
    expect_ok("acl_file /global.acl\nallow_anonymous true\n", &c);
    ASSERT_FALSE(c.per_listener_settings);
    ASSERT_EQ_STR(c.acl_file, "/global.acl");
    ASSERT_EQ_INT(c.allow_anonymous, 1);
    cfg_cleanup(&c);
    expect_ok("per_listener_settings true\n"
              "listener 1883\npassword_file /a.pw\nacl_file /a.acl\nallow_anonymous true\n"
              "listener 1884 127.0.0.1\nallow_zero_length_clientid false\n"
              "auto_id_prefix p-\nuse_username_as_clientid true\n",
              &c);
    ASSERT_TRUE(c.per_listener_settings);
    ASSERT_TRUE(c.acl_file == NULL && c.password_file == NULL);
    ASSERT_EQ_INT(c.allow_anonymous, -1);
    ASSERT_EQ_INT(c.allow_zero_length_clientid, 1);
    ASSERT_EQ_INT(c.n_listeners, 2);
    ASSERT_EQ_STR(c.listeners[0].password_file, "/a.pw");
    ASSERT_EQ_STR(c.listeners[0].acl_file, "/a.acl");
    ASSERT_EQ_INT(c.listeners[0].allow_anonymous, 1);
    ASSERT_EQ_INT(c.listeners[0].allow_zero_length_clientid, -1);
    ASSERT_FALSE(c.listeners[0].use_username_as_clientid);
    ASSERT_TRUE(c.listeners[1].acl_file == NULL && c.listeners[1].auto_id_prefix);
    ASSERT_EQ_STR(c.listeners[1].auto_id_prefix, "p-");
    ASSERT_EQ_INT(c.listeners[1].allow_anonymous, -1);
    ASSERT_EQ_INT(c.listeners[1].allow_zero_length_clientid, 0);
    ASSERT_TRUE(c.listeners[1].use_username_as_clientid);
    cfg_cleanup(&c);
    /* false after a security option is fine, as in mosquitto */
    expect_ok("acl_file /g.acl\nper_listener_settings false\n", &c);
    ASSERT_EQ_STR(c.acl_file, "/g.acl");
    cfg_cleanup(&c);
}

/* port/bind_address build the default listener (appended after explicit ones). */
static void test_default_listener(void)
{
    struct cfg c;
    expect_ok("port 1884\nbind_address 10.0.0.1\n", &c);
    ASSERT_FALSE(c.local_only);
    ASSERT_EQ_INT(c.n_listeners, 1);
    ASSERT_EQ_INT(c.listeners[0].port, 1884);
    ASSERT_EQ_STR(c.listeners[0].bind_address, "10.0.0.1");
    ASSERT_EQ_INT(c.listeners[0].src_line, 1);
    cfg_cleanup(&c);

    expect_ok("bind_address 10.0.0.1\nmax_connections 3\nlistener 9000\n", &c);
    ASSERT_EQ_INT(c.n_listeners, 2);
    ASSERT_EQ_INT(c.listeners[0].port, 9000);
    ASSERT_EQ_INT(c.listeners[1].port, 1883);
    ASSERT_EQ_INT(c.listeners[1].max_connections, 3);
    ASSERT_EQ_INT(c.n_warnings, 0);
    cfg_cleanup(&c);

    /* A listener option before any listener makes mosquitto add a default listener. */
    expect_ok("max_connections 5\nlistener 9000\n", &c);
    ASSERT_EQ_INT(c.n_listeners, 2);
    ASSERT_EQ_INT(c.listeners[1].port, 1883);
    ASSERT_EQ_INT(c.listeners[1].max_connections, 5);
    ASSERT_EQ_INT(c.n_warnings, 1);
    ASSERT_TRUE(strstr(c.warnings[0], "test.conf:1: 'max_connections' before any "
                                      "'listener' applies to a default listener on port 1883"));
    cfg_cleanup(&c);
}

static void test_local_only(void)
{
    struct cfg c;
    expect_ok("", &c);
    ASSERT_TRUE(c.local_only);
    ASSERT_EQ_INT(c.n_listeners, 0);
    cfg_cleanup(&c);
    expect_ok("sys_interval 3\n", &c);
    ASSERT_TRUE(c.local_only);
    cfg_cleanup(&c);
    expect_ok("port 1883\n", &c);
    ASSERT_FALSE(c.local_only);
    ASSERT_EQ_INT(c.n_listeners, 1);
    cfg_cleanup(&c);
    expect_ok("listener 1883\n", &c);
    ASSERT_FALSE(c.local_only);
    cfg_cleanup(&c);
    /* No listener: the default listener's settings are dropped, with a warning. */
    expect_ok("\nsocket_domain ipv6\n", &c);
    ASSERT_TRUE(c.local_only);
    ASSERT_EQ_INT(c.n_listeners, 0);
    ASSERT_EQ_INT(c.n_warnings, 1);
    ASSERT_TRUE(strstr(c.warnings[0], "test.conf:2: 'socket_domain' has no effect"));
    cfg_cleanup(&c);
}

static void test_defaults(void)
{
    struct cfg c;
    cfg_init(&c);
    ASSERT_EQ_INT(c.max_inflight_messages, 20);
    ASSERT_EQ_INT(c.max_queued_messages, 1000);
    ASSERT_EQ_INT(c.max_queued_bytes, 0);
    ASSERT_TRUE(c.allow_zero_length_clientid);
    ASSERT_EQ_STR(c.auto_id_prefix, "auto-");
    ASSERT_EQ_STR(c.user, "mosquitto");
    ASSERT_TRUE(c.retain_available);
    ASSERT_TRUE(c.set_tcp_nodelay); /* midge's default; mosquitto's is false */
    ASSERT_EQ_INT(c.max_keepalive, 0);
    ASSERT_EQ_INT(c.sys_interval, 10);
    ASSERT_EQ_INT(c.log_dest, CFG_LOG_DEST_STDERR);
    ASSERT_EQ_INT(c.log_type, CFG_LOG_TYPE_ERROR | CFG_LOG_TYPE_WARNING | CFG_LOG_TYPE_NOTICE |
                                  CFG_LOG_TYPE_INFO);
    ASSERT_TRUE(c.log_timestamp);
    ASSERT_TRUE(c.connection_messages);
    ASSERT_EQ_INT(c.allow_anonymous, -1);
    ASSERT_EQ_INT(c.persistent_client_expiration, 0);
    ASSERT_TRUE(c.local_only);
    cfg_cleanup(&c);
    cfg_cleanup(&c); /* safe twice */
    ASSERT_TRUE(c.auto_id_prefix == NULL);
    ASSERT_EQ_INT(c.max_queued_messages, 1000);
}

/* Every generic supported row's default_text, parsed, gives what cfg_init sets, so the
 * documentation cannot drift from the code. */
static void test_defaults_match_schema(void)
{
    size_t n = 0;
    const struct cfg_option *t = cfg_schema_table(&n);
    for (size_t i = 0; i < n; i++) {
        const struct cfg_option *o = &t[i];
        if (o->status != CFG_ST_SUPPORTED || o->type == CFG_T_SPECIAL ||
            o->scope != CFG_SCOPE_GLOBAL || !o->default_text || o->type == CFG_T_DURATION ||
            strcmp(o->name, "allow_anonymous") == 0)
            continue;
        char line[200];
        snprintf(line, sizeof line, "%s %s", o->name, o->default_text);
        struct cfg want, got;
        cfg_init(&want);
        expect_ok(line, &got);
        const char *a = (const char *)&want + o->field, *b = (const char *)&got + o->field;
        if (o->type == CFG_T_STRING || o->type == CFG_T_PATH)
            ASSERT_EQ_STR(*(char *const *)a, *(char *const *)b);
        else if (memcmp(a, b, o->field_size) != 0)
            TEST_FAIL_("default of %s differs from cfg_init", o->name);
        cfg_cleanup(&want);
        cfg_cleanup(&got);
    }
}

/* The persistence options land in their fields; the deprecated alias sets the same
 * field with a warning. */
static void test_persistence_options(void)
{
    struct cfg c;
    expect_ok("persistence true\npersistence_file x.db\npersistence_location /var/lib/m\n"
              "autosave_interval 60\nautosave_on_changes true\n",
              &c);
    ASSERT_TRUE(c.persistence);
    ASSERT_EQ_STR(c.persistence_file, "x.db");
    ASSERT_EQ_STR(c.persistence_location, "/var/lib/m");
    ASSERT_EQ_INT(c.autosave_interval, 60);
    ASSERT_TRUE(c.autosave_on_changes);
    cfg_cleanup(&c);
    expect_ok("retained_persistence true\n", &c);
    ASSERT_TRUE(c.persistence);
    ASSERT_EQ_INT(c.n_warnings, 1);
    ASSERT_EQ_STR(c.persistence_file, "midge.db");
    ASSERT_EQ_INT(c.autosave_interval, 1800);
    cfg_cleanup(&c);
}

static void test_logging(void)
{
    struct cfg c;
    expect_ok("log_dest stdout\nlog_dest syslog\n", &c);
    ASSERT_EQ_INT(c.log_dest, CFG_LOG_DEST_STDOUT | CFG_LOG_DEST_SYSLOG);
    cfg_cleanup(&c);
    expect_ok("log_dest stdout\nlog_dest none\nlog_dest topic\n", &c);
    ASSERT_EQ_INT(c.log_dest, CFG_LOG_DEST_TOPIC);
    cfg_cleanup(&c);
    expect_ok("log_dest none\n", &c);
    ASSERT_EQ_INT(c.log_dest, 0);
    cfg_cleanup(&c);
    expect_ok("log_dest file  /tmp/a b.log \nlog_dest stderr\n", &c);
    ASSERT_EQ_INT(c.log_dest, CFG_LOG_DEST_FILE | CFG_LOG_DEST_STDERR);
    ASSERT_EQ_STR(c.log_file, "/tmp/a b.log");
    cfg_cleanup(&c);
    expect_ok("log_type debug\nlog_type subscribe\n", &c);
    ASSERT_EQ_INT(c.log_type, CFG_LOG_TYPE_DEBUG | CFG_LOG_TYPE_SUBSCRIBE);
    cfg_cleanup(&c);
    expect_ok("log_type all\n", &c);
    ASSERT_EQ_INT(c.log_type, CFG_LOG_TYPE_ALL);
    cfg_cleanup(&c);
    expect_ok("log_type all\nlog_type none\nlog_type information\n", &c);
    ASSERT_EQ_INT(c.log_type, CFG_LOG_TYPE_INFO);
    cfg_cleanup(&c);
    expect_ok("log_type internal\n", &c);
    ASSERT_EQ_INT(c.log_type, 0);
    ASSERT_EQ_INT(c.n_warnings, 1);
    cfg_cleanup(&c);
}

static void test_file_format(void)
{
    struct cfg c;
    expect_ok("# comment\r\n\r\n   # indented comment\n\t\n"
              "sys_interval 5\r\nmax_keepalive\t60\r\nauto_id_prefix x-\r\n"
              "max_queued_messages 7",
              &c); /* no final newline */
    ASSERT_EQ_INT(c.sys_interval, 5);
    ASSERT_EQ_INT(c.max_keepalive, 60);
    ASSERT_EQ_STR(c.auto_id_prefix, "x-");
    ASSERT_EQ_INT(c.max_queued_messages, 7);
    cfg_cleanup(&c);
    expect_ok("\xEF\xBB\xBFsys_interval 4\n", &c);
    ASSERT_EQ_INT(c.sys_interval, 4);
    cfg_cleanup(&c);
    /* Integers and booleans may be repeated (last wins), like mosquitto. */
    expect_ok("sys_interval 5\nsys_interval 6\n", &c);
    ASSERT_EQ_INT(c.sys_interval, 6);
    cfg_cleanup(&c);
}

/* ---- errors: exact "file:line: message" ---- */

struct err_case {
    const char *text;
    const char *want; /* substring of the formatted detail */
};

static const struct err_case err_cases[] = {
    {"foo bar", "test.conf:1: unknown configuration keyword 'foo'"},
    {"\n\nPort 1883", "test.conf:3: unknown configuration keyword 'Port'"},
    {"clientid_prefixes x", "test.conf:1: 'clientid_prefixes' is not supported yet by midge"},
    {"password_file /p\nper_listener_settings true",
     "test.conf:2: 'per_listener_settings true' must come before every security option"},
    {"per_listener_settings true\nlistener 1883\nacl_file /a\nacl_file /b",
     "test.conf:4: duplicate 'acl_file' value"},
    {"# x\ntls_engine tpm", "test.conf:2: 'tls_engine' is not supported yet by midge"},
    {"plugin_opt_db x", "test.conf:1: 'plugin_opt_db' is not supported yet by midge"},
    {"auth_opt_db x", "test.conf:1: 'auth_opt_db' is not supported yet by midge"},
    {"auth_plugin x.so", "test.conf:1: 'auth_plugin' is not supported yet by midge"},
    {"maximum_qos 1", "test.conf:1: 'maximum_qos' is not supported yet by midge"},
    {"bridge_alpn mqtt", "test.conf:1: 'bridge_alpn' is not supported yet by midge"},
    {"max_keepalive 65536",
     "test.conf:1: 'max_keepalive' must be an integer from 0 to 65535, not '65536'"},
    {"max_keepalive -1", "'max_keepalive' must be an integer from 0 to 65535, not '-1'"},
    {"max_keepalive 10s", "'max_keepalive' must be an integer from 0 to 65535, not '10s'"},
    {"max_keepalive 10 # seconds", "not '10 # seconds'"},
    {"max_keepalive +5", "not '+5'"},
    {"max_keepalive 99999999999999999999", "from 0 to 65535"},
    {"max_keepalive", "test.conf:1: 'max_keepalive' needs a value"},
    {"sys_interval 65536", "'sys_interval' must be an integer from 0 to 65535"},
    {"max_inflight_messages 65536", "'max_inflight_messages' must be an integer from 0 to 65535"},
    {"max_packet_size 19", "'max_packet_size' must be 0 or an integer from 20 to 268435460"},
    {"message_size_limit 268435456", "from 0 to 268435455"},
    {"max_queued_messages -1", "'max_queued_messages' must be an integer from 0"},
    {"listener 1\nmax_connections -2", "test.conf:2: 'max_connections' must be an integer from -1"},
    {"set_tcp_nodelay yes",
     "test.conf:1: 'set_tcp_nodelay' must be true, false, 1 or 0, not 'yes'"},
    {"set_tcp_nodelay TRUE", "not 'TRUE'"},
    {"retain_available true false", "not 'true false'"},
    {"listener 1\nsocket_domain ipv5",
     "test.conf:2: 'socket_domain' must be one of ipv4, ipv6, not 'ipv5'"},
    {"persistent_client_expiration 14",
     "'persistent_client_expiration' must be a number followed by h, d, w, m or y"},
    {"persistent_client_expiration 0d", "not '0d'"},
    {"persistent_client_expiration 2s", "not '2s'"},
    {"persistent_client_expiration 101y", "not '101y'"},
    {"persistent_client_expiration d", "not 'd'"},
    {"pid_file", "test.conf:1: 'pid_file' needs a value"},
    {"pid_file a\npid_file b", "test.conf:2: duplicate 'pid_file' value"},
    {"auto_id_prefix a\nauto_id_prefix a", "test.conf:2: duplicate 'auto_id_prefix' value"},
    {"user \xff", "test.conf:1: 'user' value is not valid UTF-8"},
    {"listener", "test.conf:1: 'listener' port must be an integer from 1 to 65535, not ''"},
    {"listener 65536", "'listener' port must be an integer from 1 to 65535, not '65536'"},
    {"listener x", "not 'x'"},
    {"listener 0 /tmp/s", "test.conf:1: 'listener' port 0 (a Unix socket) is not supported yet"},
    {"listener 0", "'listener' port 0 (a Unix socket) is not supported yet"},
    {"listener 1 a b", "unexpected 'b' after the 'listener' address"},
    {"listener 1883\nlistener 1883",
     "test.conf:2: a listener on port 1883 (all addresses) is already defined at test.conf:1"},
    {"listener 1883 ::1\n\nlistener 1883 ::1", "test.conf:3: a listener on port 1883 (::1)"},
    {"listener 1883\nport 1883",
     "test.conf:2: the default listener (port 1883, all addresses) clashes"},
    {"port 0", "test.conf:1: 'port' must be an integer from 1 to 65535, not '0'"},
    {"bind_address a\nbind_address b", "test.conf:2: duplicate 'bind_address' value"},
    {"mount_point a/", "test.conf:1: 'mount_point' needs a preceding 'listener'"},
    {"listener 1\nmount_point a/#", "test.conf:2: 'mount_point' must not contain the wildcards"},
    {"listener 1\nmount_point a\nmount_point b", "test.conf:3: duplicate 'mount_point' value"},
    {"log_dest dlt", "test.conf:1: 'log_dest dlt' is not supported yet by midge"},
    {"log_dest pigeon", "test.conf:1: 'log_dest' must be one of stdout, stderr, syslog, topic, "
                        "file PATH or none, not 'pigeon'"},
    {"log_dest stdout stderr", "not 'stdout stderr'"},
    {"log_dest file", "test.conf:1: 'log_dest file' needs a path"},
    {"log_dest file a\nlog_dest file b", "test.conf:2: only one 'log_dest file' is allowed"},
    {"log_type info", "test.conf:1: 'log_type' must be one of error, warning"},
    {"log_type error warning", "not 'error warning'"},
    {"include_dir /etc/midge.d", "test.conf:1: 'include_dir' cannot be used here"},
};

static void test_errors(void)
{
    for (size_t i = 0; i < sizeof err_cases / sizeof err_cases[0]; i++) {
        struct cfg c;
        char msg[1200];
        int rc = parse(err_cases[i].text, &c, msg, sizeof msg);
        if (rc != ERR_CONFIG || !strstr(msg, err_cases[i].want))
            TEST_FAIL_("\"%s\": rc %d, message \"%s\", want \"%s\"", err_cases[i].text, rc, msg,
                       err_cases[i].want);
        cfg_cleanup(&c);
    }
}

/* Keywords that mosquitto 1.3 (or 2.0 deprecated) accepts: warning, value ignored. */
static void test_ignored_keywords(void)
{
    static const char *const kws[] = {"retry_interval 20",
                                      "store_clean_interval 10",
                                      "trace_level 1",
                                      "trace_output x",
                                      "ffdc_output y",
                                      "max_log_entries 5",
                                      "allow_duplicate_messages true"};
    for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++) {
        struct cfg c;
        char text[100], want[100];
        snprintf(text, sizeof text, "\n%s\n", kws[i]);
        expect_ok(text, &c);
        ASSERT_EQ_INT(c.n_warnings, 1);
        snprintf(want, sizeof want, "test.conf:2: '%.*s' is obsolete and ignored by midge",
                 (int)strcspn(kws[i], " "), kws[i]);
        ASSERT_EQ_STR(c.warnings[0], want);
        cfg_cleanup(&c);
    }
}

/* Every NOT_YET row is refused with the same message, whatever its value. */
static void test_not_yet_rows(void)
{
    size_t n = 0;
    const struct cfg_option *t = cfg_schema_table(&n);
    for (size_t i = 0; i < n; i++) {
        if (t[i].status != CFG_ST_NOT_YET)
            continue;
        const struct cfg_option *canon =
            t[i].alias_of ? cfg_schema_find(t[i].alias_of, strlen(t[i].alias_of)) : NULL;
        if (canon && canon->status == CFG_ST_SUPPORTED)
            continue; /* the alias works like its canonical keyword */
        char text[200], key[100], want[200], msg[1200];
        snprintf(key, sizeof key, "%.*s%s", (int)strcspn(t[i].name, "*"), t[i].name,
                 t[i].prefix ? "x" : "");
        snprintf(text, sizeof text, "%s 1", key);
        snprintf(want, sizeof want, "test.conf:1: '%s' is not supported yet by midge", key);
        struct cfg c;
        ASSERT_EQ_INT(parse(text, &c, msg, sizeof msg), ERR_CONFIG);
        ASSERT_EQ_STR(msg, want);
        cfg_cleanup(&c);
    }
}

/* ---- schema invariants ---- */

static void test_schema(void)
{
    size_t n = 0, supported = 0, ignored = 0;
    const struct cfg_option *t = cfg_schema_table(&n);
    /* 116 keywords of mosquitto 2.0 + 5 of 1.3 that 2.0 rejects + midge's control_socket,
     * control_group and spin_wait_us. */
    ASSERT_EQ_INT(n, 121 + 3);
    for (size_t i = 0; i < n; i++) {
        const struct cfg_option *o = &t[i];
        ASSERT_TRUE(o->doc && o->doc[0]);
        const struct cfg_option *f = cfg_schema_find(o->name, strlen(o->name));
        if (o->prefix) {
            char k[64];
            snprintf(k, sizeof k, "%.*sfoo", (int)(strlen(o->name) - 1), o->name);
            f = cfg_schema_find(k, strlen(k));
        }
        if (f != o)
            TEST_FAIL_("cfg_schema_find does not find %s", o->name);
        if (o->alias_of)
            ASSERT_TRUE(cfg_schema_find(o->alias_of, strlen(o->alias_of)) != NULL);
        supported += o->status == CFG_ST_SUPPORTED;
        ignored += o->status == CFG_ST_IGNORED;
        if (o->status == CFG_ST_SUPPORTED && o->type != CFG_T_SPECIAL)
            ASSERT_TRUE(o->field != SIZE_MAX && o->field_size > 0);
        if (o->type == CFG_T_ENUM)
            ASSERT_TRUE(o->enum_values && o->enum_values[0]);
    }
    ASSERT_EQ_INT(supported, 88);
    ASSERT_EQ_INT(ignored, 7);
    ASSERT_TRUE(cfg_schema_find("listen", 6) == NULL);
    ASSERT_TRUE(cfg_schema_find("listenerx", 9) == NULL);
    ASSERT_TRUE(cfg_schema_find("plugin_opt_", 11) == NULL);
    ASSERT_EQ_STR(cfg_schema_find("port 1883", 4)->name, "port");
    ASSERT_EQ_STR(cfg_schema_type_name(CFG_T_DURATION), "duration");
}

/* ---- include_dir ---- */

static const char *const confd_names[] = {"b.conf",  "B.conf",  "a.conf",     "_x.conf", "A.conf",
                                          "01.conf", "00.conf", "readme.txt", ".conf",   NULL};
static const struct memfile inc_files[] = {
    {"main.conf", "listener 1000\ninclude_dir conf.d\nsys_interval 3\n"},
    {"conf.d/00.conf", "listener 1001\n"},
    {"conf.d/01.conf", "listener 1002\n"},
    {"conf.d/A.conf", "# upper a\nlistener 1003\n"},
    {"conf.d/a.conf", "listener 1004\n"},
    {"conf.d/B.conf", "listener 1005\n"},
    {"conf.d/b.conf", "listener 1006\n"},
    {"conf.d/_x.conf", "listener 1007\nmount_point x/\n"},
    {NULL, NULL},
};
static const struct memdir inc_dirs[] = {{"conf.d", confd_names}, {NULL, NULL}};

static void test_include_order(void)
{
    struct memfs fs = {inc_files, inc_dirs};
    struct cfg c;
    char msg[1200];
    ASSERT_EQ_INT(parse_fs(&fs, &c, msg, sizeof msg), 0);
    ASSERT_EQ_INT(c.n_listeners, 8);
    for (size_t i = 0; i < 8; i++)
        ASSERT_EQ_INT(c.listeners[i].port, 1000 + i);
    ASSERT_EQ_STR(c.listeners[3].src_file, "conf.d/A.conf");
    ASSERT_EQ_INT(c.listeners[3].src_line, 2);
    ASSERT_EQ_STR(c.listeners[7].mount_point, "x/");
    ASSERT_EQ_INT(c.sys_interval, 3);
    cfg_cleanup(&c);
}

struct inc_err_case {
    const char *main_text;
    const char *inc_text; /* conf.d/z.conf */
    const char *want;
};

static const struct inc_err_case inc_err_cases[] = {
    {"include_dir conf.d\n", "\n\nfoo 1\n", "conf.d/z.conf:3: unknown configuration keyword 'foo'"},
    {"include_dir conf.d\n", "include_dir conf.d\n",
     "conf.d/z.conf:1: 'include_dir' is only allowed in the main configuration file"},
    {"\ninclude_dir missing.d\n", "",
     "main.conf:2: cannot read include_dir missing.d: no such directory"},
    {"include_dir gone.d\n", "",
     "main.conf:1: cannot read included file gone.d/gone.conf: no such file"},
    {"pid_file a\ninclude_dir conf.d\n", "pid_file b\n",
     "conf.d/z.conf:1: duplicate 'pid_file' value"},
    {"listener 1\ninclude_dir conf.d\n", "mount_point a/\n",
     "conf.d/z.conf:1: 'mount_point' needs a preceding 'listener'"},
    {"include_dir conf.d\n", "listener 5\n\nlistener 5\n",
     "conf.d/z.conf:3: a listener on port 5 (all addresses) is already defined at conf.d/z.conf:1"},
};

static void test_include_errors(void)
{
    static const char *const z_names[] = {"z.conf", "y.conf", NULL};
    static const char *const gone_names[] = {"gone.conf", NULL};
    for (size_t i = 0; i < sizeof inc_err_cases / sizeof inc_err_cases[0]; i++) {
        const struct memfile files[] = {{"main.conf", inc_err_cases[i].main_text},
                                        {"conf.d/z.conf", inc_err_cases[i].inc_text},
                                        {"conf.d/y.conf", "# empty\n"},
                                        {NULL, NULL}};
        const struct memdir dirs[] = {{"conf.d", z_names}, {"gone.d", gone_names}, {NULL, NULL}};
        struct memfs fs = {files, dirs};
        struct cfg c;
        char msg[1200];
        int rc = parse_fs(&fs, &c, msg, sizeof msg);
        if (rc != ERR_CONFIG || !strstr(msg, inc_err_cases[i].want))
            TEST_FAIL_("case %zu: rc %d, \"%s\", want \"%s\"", i, rc, msg, inc_err_cases[i].want);
        cfg_cleanup(&c);
    }
}

/* An included file starts on the default listener, as in mosquitto. */
static void test_include_default_listener(void)
{
    static const char *const names[] = {"z.conf", NULL};
    const struct memfile files[] = {{"main.conf", "listener 9001\ninclude_dir d/\n"},
                                    {"d/z.conf", "max_connections 4\n"},
                                    {NULL, NULL}};
    const struct memdir dirs[] = {{"d/", names}, {NULL, NULL}};
    struct memfs fs = {files, dirs};
    struct cfg c;
    char msg[1200];
    ASSERT_EQ_INT(parse_fs(&fs, &c, msg, sizeof msg), 0);
    ASSERT_EQ_INT(c.n_listeners, 2);
    ASSERT_EQ_INT(c.listeners[0].max_connections, -1);
    ASSERT_EQ_INT(c.listeners[1].port, 1883);
    ASSERT_EQ_INT(c.listeners[1].max_connections, 4);
    ASSERT_EQ_INT(c.n_warnings, 1);
    ASSERT_TRUE(strstr(c.warnings[0], "d/z.conf:1: 'max_connections' before any"));
    cfg_cleanup(&c);
}

static void test_missing_main_file(void)
{
    struct memfs fs = {NULL, NULL};
    struct cfg c;
    char msg[1200];
    ASSERT_EQ_INT(parse_fs(&fs, &c, msg, sizeof msg), ERR_NOTFOUND);
    ASSERT_EQ_STR(msg, "main.conf: no such file");
    cfg_cleanup(&c);
}

int main(void)
{
    RUN_TEST(test_defaults);
    RUN_TEST(test_defaults_match_schema);
    RUN_TEST(test_numeric_values);
    RUN_TEST(test_string_values);
    RUN_TEST(test_listeners);
    RUN_TEST(test_per_listener_settings);
    RUN_TEST(test_default_listener);
    RUN_TEST(test_local_only);
    RUN_TEST(test_persistence_options);
    RUN_TEST(test_logging);
    RUN_TEST(test_file_format);
    RUN_TEST(test_errors);
    RUN_TEST(test_ignored_keywords);
    RUN_TEST(test_not_yet_rows);
    RUN_TEST(test_schema);
    RUN_TEST(test_include_order);
    RUN_TEST(test_include_errors);
    RUN_TEST(test_include_default_listener);
    RUN_TEST(test_missing_main_file);
    return 0;
}
