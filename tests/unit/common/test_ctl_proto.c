/* SPDX-License-Identifier: MIT */
/* Unit tests for common/ctl_proto: tables of request and reply frames (valid, boundary,
 * malformed), the framer on split and oversize input, and the builders' exact output. */
#include "common/ctl_proto.h"

#include "tests/assert.h"

#include <stdbool.h>

struct req_case {
    const char *frame;
    int rc;  /* expected ctl_request_parse result */
    bool id; /* has_id expected */
    int op;  /* expected op when rc == 0 */
    const char *why;
};

static const struct req_case req_cases[] = {
    {"{\"id\":1,\"op\":\"hello\",\"args\":{\"protocol\":1}}", 0, true, CTL_OP_HELLO, "hello"},
    {"{\"id\":0,\"op\":\"stats.get\"}", 0, true, CTL_OP_STATS_GET, "no args, id 0"},
    {"{\"id\":2,\"op\":\"log.get\",\"args\":null}", 0, true, CTL_OP_LOG_GET, "null args"},
    {"  {\"op\":\"clients.list\",\"id\":9007199254740991}  ", 0, true, CTL_OP_CLIENTS_LIST,
     "largest id, member order free, spaces around"},
    {"{\"id\":3,\"op\":\"nope\"}", ERR_NOTSUP, true, -1, "unknown op keeps the id"},
    {"{\"id\":9007199254740992,\"op\":\"hello\"}", ERR_MALFORMED, false, -1, "id above 2^53-1"},
    {"{\"id\":-1,\"op\":\"hello\"}", ERR_MALFORMED, false, -1, "negative id"},
    {"{\"id\":1.5,\"op\":\"hello\"}", ERR_MALFORMED, false, -1, "fractional id"},
    {"{\"id\":\"1\",\"op\":\"hello\"}", ERR_MALFORMED, false, -1, "string id"},
    {"{\"op\":\"hello\"}", ERR_MALFORMED, false, -1, "no id"},
    {"{\"id\":4}", ERR_MALFORMED, true, -1, "no op"},
    {"{\"id\":4,\"op\":7}", ERR_MALFORMED, true, -1, "numeric op"},
    {"{\"id\":5,\"op\":\"hello\",\"args\":[1]}", ERR_MALFORMED, true, -1, "array args"},
    {"[1,2,3]", ERR_MALFORMED, false, -1, "array frame"},
    {"\"hello\"", ERR_MALFORMED, false, -1, "string frame"},
    {"{\"id\":1,\"op\":\"hello\"", ERR_MALFORMED, false, -1, "truncated object"},
    {"{\"id\":1,\"op\":\"hello\"} {}", ERR_MALFORMED, false, -1, "two objects on a line"},
    {"GET / HTTP/1.1", ERR_MALFORMED, false, -1, "garbage"},
    {"{\"id\":1,\"op\":\"he\xc3\x28llo\"}", ERR_MALFORMED, false, -1, "invalid UTF-8"},
};

static void test_request_table(void)
{
    for (size_t i = 0; i < sizeof req_cases / sizeof req_cases[0]; i++) {
        const struct req_case *c = &req_cases[i];
        struct ctl_request r;
        struct err_detail d = {{0}, {0}, 0};
        int rc = ctl_request_parse(c->frame, strlen(c->frame), &r, &d);
        if (rc != c->rc || r.has_id != c->id)
            TEST_FAIL_("case '%s': rc %d has_id %d (%s)", c->why, rc, r.has_id, d.msg);
        if (rc == 0) {
            ASSERT_EQ_INT(r.op, c->op);
            ASSERT_TRUE(cJSON_IsObject(r.args));
        }
        if (rc < 0)
            ASSERT_TRUE(d.msg[0] != '\0');
        ctl_request_cleanup(&r);
    }
}

static void test_build_exact(void)
{
    size_t len = 0;
    cJSON *args = ctl_json_object();
    cJSON_AddNumberToObject(args, "port", 1884);
    char *f = ctl_build_request(7, CTL_OP_LISTENERS_ADD, args, &len);
    ASSERT_EQ_STR(f, "{\"id\":7,\"op\":\"listeners.add\",\"args\":{\"port\":1884}}\n");
    ASSERT_EQ_INT(len, strlen(f));
    free(f);

    f = ctl_build_result(9007199254740991., NULL, NULL);
    ASSERT_EQ_STR(f, "{\"id\":9007199254740991,\"ok\":true,\"result\":{}}\n");
    free(f);

    f = ctl_build_error(-1, CTL_E_MALFORMED, "bad\nline", NULL, 0, NULL);
    ASSERT_EQ_STR(f, "{\"id\":null,\"ok\":false,\"error\":{\"code\":\"malformed\","
                     "\"message\":\"bad\\nline\"}}\n");
    free(f);

    f = ctl_build_error(3, CTL_E_CONFIG, "bad value", "x.conf", 12, NULL);
    ASSERT_EQ_STR(f, "{\"id\":3,\"ok\":false,\"error\":{\"code\":\"config\",\"message\":"
                     "\"bad value\",\"file\":\"x.conf\",\"line\":12}}\n");
    free(f);

    cJSON *data = ctl_json_object();
    ctl_json_add_u64(data, "big", UINT64_MAX);
    ctl_json_add_str(data, "none", NULL);
    f = ctl_build_event("stats", 2, data, NULL);
    ASSERT_EQ_STR(f, "{\"event\":\"stats\",\"sub\":2,\"data\":{\"big\":18446744073709551615,"
                     "\"none\":null}}\n");
    free(f);
}

/* Every frame a builder makes parses back into the same fields. */
static void test_round_trip(void)
{
    size_t len = 0;
    char *f = ctl_build_error(42, CTL_E_CONFLICT, "changed", "a.conf", 3, &len);
    struct ctl_reply r;
    struct err_detail d = {{0}, {0}, 0};
    ASSERT_EQ_INT(ctl_reply_parse(f, len - 1, &r, &d), 0);
    ASSERT_EQ_INT(r.kind, CTL_REPLY_ERROR);
    ASSERT_EQ_INT(r.id, 42);
    ASSERT_EQ_INT(r.code, CTL_E_CONFLICT);
    ASSERT_EQ_STR(r.message, "changed");
    ASSERT_EQ_STR(r.file, "a.conf");
    ASSERT_EQ_INT(r.line, 3);
    ctl_reply_cleanup(&r);
    free(f);

    cJSON *res = ctl_json_object();
    ctl_json_add_str(res, "version", "abc");
    f = ctl_build_result(5, res, &len);
    ASSERT_EQ_INT(ctl_reply_parse(f, len, &r, &d), 0); /* the LF is whitespace to JSON */
    ASSERT_EQ_INT(r.kind, CTL_REPLY_RESULT);
    ASSERT_EQ_INT(r.id, 5);
    ASSERT_EQ_STR(cJSON_GetObjectItem(r.result, "version")->valuestring, "abc");
    ctl_reply_cleanup(&r);
    free(f);

    f = ctl_build_event("stats", 1, NULL, &len);
    ASSERT_EQ_INT(ctl_reply_parse(f, len - 1, &r, &d), 0);
    ASSERT_EQ_INT(r.kind, CTL_REPLY_EVENT);
    ASSERT_EQ_STR(r.event, "stats");
    ASSERT_EQ_INT(r.sub, 1);
    ASSERT_EQ_INT(r.id, -1);
    ctl_reply_cleanup(&r);
    free(f);
}

static const char *const bad_replies[] = {
    "{\"id\":1}",                                         /* no ok */
    "{\"id\":1,\"ok\":true}",                             /* no result */
    "{\"id\":1,\"ok\":true,\"result\":3}",                /* result not an object */
    "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"x\"}}", /* no message */
    "{\"id\":1,\"ok\":false}",                            /* no error */
    "{\"id\":\"1\",\"ok\":true,\"result\":{}}",           /* string id */
    "{\"event\":\"stats\",\"data\":{}}",                  /* event without sub */
    "{\"event\":5,\"sub\":1,\"data\":{}}",                /* event name not a string */
    "not json",
};

static void test_reply_malformed(void)
{
    for (size_t i = 0; i < sizeof bad_replies / sizeof bad_replies[0]; i++) {
        struct ctl_reply r;
        int rc = ctl_reply_parse(bad_replies[i], strlen(bad_replies[i]), &r, NULL);
        if (rc != ERR_MALFORMED)
            TEST_FAIL_("reply '%s' gave %d", bad_replies[i], rc);
        ctl_reply_cleanup(&r);
    }
    /* An error code newer than this table is kept by name and maps to internal. */
    const char *f = "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"future\",\"message\":\"m\"}}";
    struct ctl_reply r;
    ASSERT_EQ_INT(ctl_reply_parse(f, strlen(f), &r, NULL), 0);
    ASSERT_EQ_INT(r.code, CTL_E_INTERNAL);
    ASSERT_EQ_STR(r.code_name, "future");
    ctl_reply_cleanup(&r);
}

static void test_framer(void)
{
    struct ctl_framer f;
    ctl_framer_init(&f, 16);
    char *line = NULL;
    size_t len = 0;
    ASSERT_EQ_INT(ctl_framer_next(&f, &line, &len), 0); /* empty */
    ASSERT_EQ_INT(ctl_framer_feed(&f, "ab", 2), 0);
    ASSERT_EQ_INT(ctl_framer_next(&f, &line, &len), 0);
    ASSERT_EQ_INT(ctl_framer_pending(&f), 2);
    ASSERT_EQ_INT(ctl_framer_feed(&f, "c\r\n\n\nde", 7), 0);
    ASSERT_EQ_INT(ctl_framer_next(&f, &line, &len), 1);
    ASSERT_EQ_STR(line, "abc");
    ASSERT_EQ_INT(len, 3);
    ASSERT_EQ_INT(ctl_framer_next(&f, &line, &len), 0); /* empty lines skipped, "de" open */
    ASSERT_EQ_INT(ctl_framer_pending(&f), 2);
    ASSERT_EQ_INT(ctl_framer_feed(&f, "\n0123456789abcde\n", 17), 0);
    ASSERT_EQ_INT(ctl_framer_next(&f, &line, &len), 1);
    ASSERT_EQ_STR(line, "de");
    ASSERT_EQ_INT(ctl_framer_next(&f, &line, &len), 1); /* 15 bytes + LF = the limit */
    ASSERT_EQ_INT(len, 15);
    ASSERT_EQ_INT(ctl_framer_next(&f, &line, &len), 0);
    ASSERT_EQ_INT(ctl_framer_pending(&f), 0);
    /* A 16-byte line plus LF is one over, whether it arrives whole or without its LF. */
    ASSERT_EQ_INT(ctl_framer_feed(&f, "0123456789abcdef\n", 17), 0);
    ASSERT_EQ_INT(ctl_framer_next(&f, &line, &len), ERR_TOOBIG);
    ctl_framer_cleanup(&f);
    ctl_framer_init(&f, 16);
    ASSERT_EQ_INT(ctl_framer_feed(&f, "0123456789", 10), 0);
    ASSERT_EQ_INT(ctl_framer_feed(&f, "abcdef", 6), ERR_TOOBIG);
    ctl_framer_cleanup(&f);
    ctl_framer_cleanup(&f); /* twice is fine */
}

static void test_args(void)
{
    const char *frame = "{\"id\":1,\"op\":\"listeners.add\",\"args\":{\"port\":1884,"
                        "\"address\":\"::1\",\"max_connections\":1.5,\"x\":null}}";
    struct ctl_request r;
    ASSERT_EQ_INT(ctl_request_parse(frame, strlen(frame), &r, NULL), 0);
    int64_t v = 0;
    const char *s = NULL;
    struct err_detail d = {{0}, {0}, 0};
    ASSERT_EQ_INT(ctl_arg_int(r.args, "port", true, 1, 65535, &v, &d), 1);
    ASSERT_EQ_INT(v, 1884);
    ASSERT_EQ_INT(ctl_arg_int(r.args, "port", true, 1, 1000, &v, &d), ERR_INVAL);
    ASSERT_EQ_INT(ctl_arg_int(r.args, "max_connections", false, -1, 100, &v, &d), ERR_INVAL);
    ASSERT_EQ_INT(ctl_arg_int(r.args, "missing", false, 0, 1, &v, &d), 0);
    ASSERT_EQ_INT(ctl_arg_int(r.args, "missing", true, 0, 1, &v, &d), ERR_INVAL);
    ASSERT_EQ_INT(ctl_arg_str(r.args, "address", true, &s, &d), 1);
    ASSERT_EQ_STR(s, "::1");
    ASSERT_EQ_INT(ctl_arg_str(r.args, "port", false, &s, &d), ERR_INVAL);
    ASSERT_EQ_INT(ctl_arg_str(r.args, "x", false, &s, &d), 0);
    ASSERT_TRUE(s == NULL);
    static const char *const allowed[] = {"port", "address", "max_connections", NULL};
    ASSERT_EQ_INT(ctl_args_check(r.args, allowed, &d), ERR_INVAL);
    ASSERT_TRUE(strstr(d.msg, "'x'") != NULL);
    static const char *const all[] = {"port", "address", "max_connections", "x", NULL};
    ASSERT_EQ_INT(ctl_args_check(r.args, all, &d), 0);
    ctl_request_cleanup(&r);
}

static void test_tables(void)
{
    for (int i = 0; i < CTL_OP_COUNT_; i++)
        ASSERT_EQ_INT(ctl_op_from_name(ctl_op_name((enum ctl_op)i)), i);
    for (int i = 0; i < CTL_E_COUNT_; i++)
        ASSERT_EQ_INT(ctl_ecode_from_name(ctl_ecode_name((enum ctl_ecode)i)), i);
    ASSERT_TRUE(ctl_op_name(CTL_OP_COUNT_) == NULL);
    ASSERT_EQ_INT(ctl_op_from_name("stats"), -1);
    ASSERT_EQ_INT(ctl_ecode_from_err(ERR_CONFLICT), CTL_E_CONFLICT);
    ASSERT_EQ_INT(ctl_ecode_from_err(ERR_ADDRINUSE), CTL_E_BIND);
    ASSERT_EQ_INT(ctl_ecode_from_err(ERR_CONFIG), CTL_E_CONFIG);
    ASSERT_EQ_INT(ctl_ecode_from_err(ERR_NOMEM), CTL_E_INTERNAL);
}

int main(void)
{
    test_request_table();
    test_build_exact();
    test_round_trip();
    test_reply_malformed();
    test_framer();
    test_args();
    test_tables();
    puts("test_ctl_proto: ok");
    return 0;
}
