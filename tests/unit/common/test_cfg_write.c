/* SPDX-License-Identifier: MIT */
/* Unit tests for common/cfg_write: byte-exact round trips and tables of edits whose
 * complete expected output shows that only the intended lines changed. */
#include "common/cfg_write.h"

#include "common/cfg.h"
#include "common/cfg_parse.h"
#include "tests/assert.h"

/* Round trips: parse and render must give back the same bytes. */
static const char *const round_trips[] = {
    "",
    "\n",
    "listener 1883",
    "# only a comment\n",
    "\xEF\xBB\xBFlistener 1883\r\n  # indented comment\r\n\r\nmax_connections 5\r\n",
    "mixed\r\nendings\nand no final newline",
    "\tlistener\t1884\t::1  \nunknown_keyword with value\n\n\n#x\n",
};

static void test_round_trip(void)
{
    for (size_t i = 0; i < sizeof round_trips / sizeof round_trips[0]; i++) {
        struct cfg_doc doc;
        cfg_doc_parse(&doc, round_trips[i], strlen(round_trips[i]));
        size_t len = 0;
        char *out = cfg_doc_render(&doc, &len);
        ASSERT_EQ_MEM(out, len, round_trips[i], strlen(round_trips[i]));
        free(out);
        cfg_doc_cleanup(&doc);
        cfg_doc_cleanup(&doc);
    }
}

static void test_classify(void)
{
    const char *t = "# c\n\n  listener 1883 127.0.0.1\nbogus 1\nmax_connections   7  \n";
    struct cfg_doc doc;
    cfg_doc_parse(&doc, t, strlen(t));
    ASSERT_EQ_INT(doc.n, 5);
    ASSERT_EQ_INT(doc.lines[0].kind, CFG_DOC_COMMENT);
    ASSERT_EQ_INT(doc.lines[1].kind, CFG_DOC_BLANK);
    ASSERT_EQ_INT(doc.lines[2].kind, CFG_DOC_OPTION);
    ASSERT_EQ_STR(doc.lines[2].opt->name, "listener");
    ASSERT_EQ_INT(doc.lines[3].kind, CFG_DOC_UNKNOWN);
    ASSERT_EQ_INT(doc.lines[4].val_len, 1);
    ASSERT_EQ_INT(cfg_doc_find_listener(&doc, 1883, "127.0.0.1"), 2);
    ASSERT_EQ_INT(cfg_doc_find_listener(&doc, 1883, NULL), ERR_NOTFOUND);
    ASSERT_EQ_INT(cfg_doc_find_listener(&doc, 188, "127.0.0.1"), ERR_NOTFOUND);
    ASSERT_EQ_INT(cfg_doc_block_end(&doc, 2), 5);
    size_t len = 0;
    const char *v = cfg_doc_block_get(&doc, 2, "max_connections", &len);
    ASSERT_EQ_MEM(v, len, "7", 1);
    ASSERT_TRUE(cfg_doc_block_get(&doc, 2, "mount_point", &len) == NULL);
    cfg_doc_cleanup(&doc);
}

/* One edit and the whole file it must produce. */
enum edit_kind { ADD, SET, REMOVE };
struct edit_case {
    const char *why;
    const char *before;
    enum edit_kind kind;
    uint16_t port;
    const char *address;
    const char *key, *value; /* SET; ADD uses them as its one option (key NULL = none) */
    int rc;
    const char *after; /* NULL: unchanged */
};

static const char base[] = "# midge test config\n"
                           "sys_interval 10\n"
                           "\n"
                           "# the plain listener\n"
                           "listener 1883\n"
                           "  max_connections 10\n"
                           "# keep me\n"
                           "allow_anonymous true\n"
                           "mount_point a/\n"
                           "\n"
                           "listener 1884 127.0.0.1\n"
                           "socket_domain ipv4\n"
                           "\n"
                           "# trailing comment\n";

static const struct edit_case edits[] = {
    {"add a listener at the end", base, ADD, 1885, NULL, "max_connections", "3", 0,
     "# midge test config\nsys_interval 10\n\n# the plain listener\n"
     "listener 1883\n  max_connections 10\n# keep me\nallow_anonymous true\nmount_point a/\n\n"
     "listener 1884 127.0.0.1\nsocket_domain ipv4\n\n# trailing comment\n"
     "\nlistener 1885\nmax_connections 3\n"},
    {"add with an address, to a file without final newline", "listener 1883", ADD, 1886, "::1",
     NULL, NULL, 0, "listener 1883\n\nlistener 1886 ::1"},
    {"add a duplicate", base, ADD, 1884, "127.0.0.1", NULL, NULL, ERR_EXISTS, NULL},
    {"add with a non-listener option", base, ADD, 1890, NULL, "sys_interval", "3", ERR_INVAL, NULL},
    {"add with a multi-line value", base, ADD, 1890, NULL, "mount_point", "a\nlistener 1",
     ERR_INVAL, NULL},
    {"set rewrites the line in place, keeping its indentation", base, SET, 1883, NULL,
     "max_connections", "20", 0,
     "# midge test config\nsys_interval 10\n\n# the plain listener\n"
     "listener 1883\n  max_connections 20\n# keep me\nallow_anonymous true\nmount_point a/\n\n"
     "listener 1884 127.0.0.1\nsocket_domain ipv4\n\n# trailing comment\n"},
    {"set a new option goes after the block's last option", base, SET, 1884, "127.0.0.1",
     "max_connections", "5", 0,
     "# midge test config\nsys_interval 10\n\n# the plain listener\n"
     "listener 1883\n  max_connections 10\n# keep me\nallow_anonymous true\nmount_point a/\n\n"
     "listener 1884 127.0.0.1\nsocket_domain ipv4\nmax_connections 5\n\n# trailing comment\n"},
    {"set null removes the option line only", base, SET, 1883, NULL, "mount_point", NULL, 0,
     "# midge test config\nsys_interval 10\n\n# the plain listener\n"
     "listener 1883\n  max_connections 10\n# keep me\nallow_anonymous true\n\n"
     "listener 1884 127.0.0.1\nsocket_domain ipv4\n\n# trailing comment\n"},
    {"set on a missing listener", base, SET, 1999, NULL, "max_connections", "1", ERR_NOTFOUND,
     NULL},
    {"set a global option is refused", base, SET, 1883, NULL, "allow_anonymous", "false", ERR_INVAL,
     NULL},
    {"set the default listener's port keyword is refused", base, SET, 1883, NULL, "port", "1",
     ERR_INVAL, NULL},
    {"remove keeps comments, blanks and global lines of the block", base, REMOVE, 1883, NULL, NULL,
     NULL, 0,
     "# midge test config\nsys_interval 10\n\n# the plain listener\n"
     "# keep me\nallow_anonymous true\n\n"
     "listener 1884 127.0.0.1\nsocket_domain ipv4\n\n# trailing comment\n"},
    {"remove the last block", base, REMOVE, 1884, "127.0.0.1", NULL, NULL, 0,
     "# midge test config\nsys_interval 10\n\n# the plain listener\n"
     "listener 1883\n  max_connections 10\n# keep me\nallow_anonymous true\nmount_point a/\n\n"
     "\n# trailing comment\n"},
    {"remove by port alone does not match an addressed block", base, REMOVE, 1884, NULL, NULL, NULL,
     ERR_NOTFOUND, NULL},
    {"CRLF file: new lines use CRLF", "listener 1883\r\n", SET, 1883, NULL, "max_connections", "4",
     0, "listener 1883\r\nmax_connections 4\r\n"},
    {"listener line with a comment after the port", "listener 1883 # main\n", SET, 1883, NULL,
     "max_connections", "4", 0, "listener 1883 # main\nmax_connections 4\n"},
};

static int apply(struct cfg_doc *doc, const struct edit_case *c, struct err_detail *d)
{
    struct cfg_doc_kv kv = {c->key, c->value};
    switch (c->kind) {
    case ADD:
        return cfg_doc_listener_add(doc, c->port, c->address, &kv, c->key ? 1 : 0, d);
    case SET:
        return cfg_doc_listener_set(doc, c->port, c->address, c->key, c->value, d);
    case REMOVE:
        return cfg_doc_listener_remove(doc, c->port, c->address, d);
    }
    return ERR_INVAL;
}

static void test_edits(void)
{
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        const struct edit_case *c = &edits[i];
        struct cfg_doc doc;
        struct err_detail d = {{0}, {0}, 0};
        cfg_doc_parse(&doc, c->before, strlen(c->before));
        int rc = apply(&doc, c, &d);
        if (rc != c->rc)
            TEST_FAIL_("case '%s': rc %d, want %d (%s)", c->why, rc, c->rc, d.msg);
        size_t len = 0;
        char *out = cfg_doc_render(&doc, &len);
        const char *want = c->after ? c->after : c->before;
        if (strcmp(out, want) != 0)
            TEST_FAIL_("case '%s':\n--- got\n%s\n--- want\n%s", c->why, out, want);
        free(out);
        cfg_doc_cleanup(&doc);
    }
}

/* The edited text is what the parser sees: the new listener exists with its option. */
static void test_edit_parses(void)
{
    struct cfg_doc doc;
    cfg_doc_parse(&doc, base, strlen(base));
    struct cfg_doc_kv kv[] = {{"max_connections", "3"}, {"mount_point", "m/"}};
    ASSERT_EQ_INT(cfg_doc_listener_add(&doc, 1885, "::1", kv, 2, NULL), 0);
    ASSERT_EQ_INT(cfg_doc_listener_remove(&doc, 1883, NULL, NULL), 0);
    size_t len = 0;
    char *text = cfg_doc_render(&doc, &len);
    struct cfg c;
    struct err_detail d = {{0}, {0}, 0};
    cfg_init(&c);
    int rc = cfg_parse_text("t.conf", text, len, NULL, &c, &d);
    if (rc != 0)
        TEST_FAIL_("parse: %s:%d: %s", d.file, d.line, d.msg);
    ASSERT_EQ_INT(c.n_listeners, 2);
    ASSERT_EQ_INT(c.listeners[1].port, 1885);
    ASSERT_EQ_STR(c.listeners[1].bind_address, "::1");
    ASSERT_EQ_INT(c.listeners[1].max_connections, 3);
    ASSERT_EQ_STR(c.listeners[1].mount_point, "m/");
    cfg_cleanup(&c);
    free(text);
    cfg_doc_cleanup(&doc);
}

static void test_version(void)
{
    char v[65];
    ASSERT_EQ_STR(cfg_doc_version("", 0, v),
                  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ASSERT_EQ_STR(cfg_doc_version("abc", 3, v),
                  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ASSERT_EQ_STR(cfg_doc_version(NULL, 0, v), "");
}

int main(void)
{
    test_round_trip();
    test_classify();
    test_edits();
    test_edit_parses();
    test_version();
    puts("test_cfg_write: ok");
    return 0;
}
