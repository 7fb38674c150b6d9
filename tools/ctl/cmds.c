/* SPDX-License-Identifier: MIT */
/* midge-ctl's commands (see tools/ctl/cmds.h). */
#include "tools/ctl/cmds.h"

#include "common/mem.h"
#include "tools/ctl/print.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CONFIG_BYTES (16u * 1024u * 1024u)

/* ---- Helpers --------------------------------------------------------------------------- */

static void print_error(const struct ctl_ctx *x, const struct ctl_reply *r)
{
    if (x->json) {
        print_json(cJSON_GetObjectItemCaseSensitive(r->root, "error"));
        return;
    }
    if (r->file && r->line > 0)
        fprintf(stderr, "midge-ctl: %s:%d: %s\n", r->file, r->line, r->message);
    else
        fprintf(stderr, "midge-ctl: %s (%s)\n", r->message, r->code_name);
}

/* Run one request. Returns CTL_EXIT_OK with the result in *r (caller cleans it up),
 * CTL_EXIT_REFUSED after printing an error reply, CTL_EXIT_CONNECT after printing a
 * transport failure. */
static int call(struct ctl_ctx *x, enum ctl_op op, cJSON *args, struct ctl_reply *r)
{
    struct err_detail d = {{0}, {0}, 0};
    int rc = ctl_conn_call(&x->conn, op, args, r, &d);
    if (rc < 0) {
        fprintf(stderr, "midge-ctl: %s\n", d.msg[0] ? d.msg : err_str(rc));
        return CTL_EXIT_CONNECT;
    }
    if (r->kind == CTL_REPLY_ERROR) {
        print_error(x, r);
        ctl_reply_cleanup(r);
        return CTL_EXIT_REFUSED;
    }
    return CTL_EXIT_OK;
}

/* Run a request whose result needs no more than "ok" (or the JSON result). */
static int call_simple(struct ctl_ctx *x, enum ctl_op op, cJSON *args, const char *done)
{
    struct ctl_reply r;
    int rc = call(x, op, args, &r);
    if (rc != CTL_EXIT_OK)
        return rc;
    if (x->json)
        print_json(r.result);
    else if (done)
        printf("%s\n", done);
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(r.result, "warnings");
    for (const cJSON *i = (!x->json && cJSON_IsArray(w)) ? w->child : NULL; i; i = i->next)
        if (cJSON_IsString(i))
            fprintf(stderr, "midge-ctl: warning: %s\n", i->valuestring);
    ctl_reply_cleanup(&r);
    return CTL_EXIT_OK;
}

static int usage_error(const char *fmt, const char *what)
{
    fprintf(stderr, "midge-ctl: ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\n(see midge-ctl --help)\n");
    return CTL_EXIT_REFUSED;
}

/* Parse a decimal integer in [min, max]. */
static bool parse_int(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* The version string to base an edit on: --if-version, or the one op reports now. */
static int base_version(struct ctl_ctx *x, enum ctl_op list_op, char out[80])
{
    if (x->if_version) {
        snprintf(out, 80, "%s", x->if_version);
        return CTL_EXIT_OK;
    }
    struct ctl_reply r;
    int rc = call(x, list_op, NULL, &r);
    if (rc != CTL_EXIT_OK)
        return rc;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r.result, "version");
    snprintf(out, 80, "%s", cJSON_IsString(v) ? v->valuestring : "");
    ctl_reply_cleanup(&r);
    return CTL_EXIT_OK;
}

/* Options "--name VALUE" of the listener commands, into args. */
struct lopt {
    const char *flag, *key;
    bool number;
};

static const struct lopt lopts[] = {
    {"--address", "address", false},
    {"--certfile", "certfile", false},
    {"--keyfile", "keyfile", false},
    {"--cafile", "cafile", false},
    {"--max-connections", "max_connections", true},
    {"--mount-point", "mount_point", false},
    {"--socket-domain", "socket_domain", false},
};

/* Parse PORT and the options after it into obj (address goes to sel when not NULL). */
static int listener_args(int argc, char **argv, cJSON *obj, cJSON *sel, bool allow_unset)
{
    long port = 0;
    if (argc < 1 || !parse_int(argv[0], 1, 65535, &port))
        return usage_error("a listener PORT (1-65535) is needed%s", "");
    cJSON_AddNumberToObject(sel ? sel : obj, "port", (double)port);
    for (int i = 1; i < argc; i++) {
        const struct lopt *o = NULL;
        for (size_t k = 0; k < sizeof lopts / sizeof lopts[0] && !o; k++)
            if (strcmp(argv[i], lopts[k].flag) == 0)
                o = &lopts[k];
        if (allow_unset &&
            (strcmp(argv[i], "--no-mount-point") == 0 || strcmp(argv[i], "--no-tls") == 0)) {
            bool tls = argv[i][5] == 't';
            cJSON_AddNullToObject(obj, tls ? "certfile" : "mount_point");
            if (tls) {
                cJSON_AddNullToObject(obj, "keyfile");
                cJSON_AddNullToObject(obj, "cafile");
            }
            continue;
        }
        if (!o || i + 1 >= argc)
            return usage_error("unknown option or missing value: %s", argv[i]);
        const char *v = argv[++i];
        cJSON *target = sel && strcmp(o->key, "address") == 0 ? sel : obj;
        long n = 0;
        if (o->number && !parse_int(v, -1, 2147483647, &n))
            return usage_error("%s needs a number (-1 = unlimited)", o->flag);
        if (o->number)
            cJSON_AddNumberToObject(target, o->key, (double)n);
        else if (allow_unset && strcmp(o->key, "socket_domain") == 0 && strcmp(v, "any") == 0)
            cJSON_AddNullToObject(target, o->key);
        else
            ctl_json_add_str(target, o->key, v);
    }
    return CTL_EXIT_OK;
}

/* ---- stats ------------------------------------------------------------------------------- */

static void print_stats(const struct ctl_ctx *x, const cJSON *result)
{
    if (x->json) {
        print_json(result);
        return;
    }
    static const char *const head[] = {"NAME", "VALUE"};
    struct table t;
    table_init(&t, 2, head);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(result, "stats");
    for (const cJSON *m = st ? st->child : NULL; m; m = m->next) {
        char buf[64];
        const char *row[] = {m->string, cell_text(st, m->string, buf, sizeof buf)};
        table_row(&t, row);
    }
    table_print(&t);
}

static int stats_once(struct ctl_ctx *x)
{
    struct ctl_reply r;
    int rc = call(x, CTL_OP_STATS_GET, NULL, &r);
    if (rc != CTL_EXIT_OK)
        return rc;
    print_stats(x, r.result);
    ctl_reply_cleanup(&r);
    return rc;
}

static int cmd_stats_watch(struct ctl_ctx *x, long interval)
{
    cJSON *args = ctl_json_object();
    cJSON_AddNumberToObject(args, "interval", (double)interval);
    struct ctl_reply r;
    int rc = call(x, CTL_OP_STATS_SUBSCRIBE, args, &r);
    if (rc != CTL_EXIT_OK)
        return rc;
    ctl_reply_cleanup(&r);
    for (;;) {
        struct err_detail d = {{0}, {0}, 0};
        if (ctl_conn_next_event(&x->conn, &r, &d) < 0) {
            fprintf(stderr, "midge-ctl: %s\n", d.msg);
            return CTL_EXIT_CONNECT;
        }
        if (x->json) {
            print_json_line(r.data);
        } else {
            printf("\n");
            print_stats(x, r.data);
            fflush(stdout);
        }
        ctl_reply_cleanup(&r);
    }
}

static int cmd_stats_entry(struct ctl_ctx *x, int argc, char **argv)
{
    long interval = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--watch") == 0)
            interval = interval ? interval : 1;
        else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc &&
                 parse_int(argv[i + 1], 1, 3600, &interval))
            i++;
        else
            return usage_error("stats: unknown argument %s", argv[i]);
    }
    if (interval)
        return cmd_stats_watch(x, interval);
    return stats_once(x);
}

/* ---- listeners --------------------------------------------------------------------------- */

static int cmd_listeners_list(struct ctl_ctx *x, int argc, char **argv)
{
    (void)argv;
    if (argc > 0)
        return usage_error("listeners list takes no arguments%s", "");
    struct ctl_reply r;
    int rc = call(x, CTL_OP_LISTENERS_LIST, NULL, &r);
    if (rc != CTL_EXIT_OK)
        return rc;
    if (x->json) {
        print_json(r.result);
        ctl_reply_cleanup(&r);
        return rc;
    }
    static const char *const head[] = {"PORT",  "ADDRESS", "DOMAIN", "MAX-CONN",
                                       "MOUNT", "TLS",     "CONNS",  "SOURCE"};
    struct table t;
    table_init(&t, 8, head);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(r.result, "listeners");
    for (const cJSON *l = list ? list->child : NULL; l; l = l->next) {
        char b[8][256];
        const cJSON *tls = cJSON_GetObjectItemCaseSensitive(l, "tls");
        const char *row[] = {
            cell_text(l, "port", b[0], 256),          cell_text(l, "address", b[1], 256),
            cell_text(l, "socket_domain", b[2], 256), cell_text(l, "max_connections", b[3], 256),
            cell_text(l, "mount_point", b[4], 256),   cJSON_IsObject(tls) ? "yes" : "no",
            cell_text(l, "connections", b[6], 256),   cell_text(l, "source", b[7], 256)};
        table_row(&t, row);
    }
    table_print(&t);
    ctl_reply_cleanup(&r);
    return rc;
}

/* listeners add|set|remove: build the request around the selector and options. */
static int listener_edit(struct ctl_ctx *x, enum ctl_op op, int argc, char **argv, const char *done)
{
    char version[80];
    cJSON *args = ctl_json_object();
    cJSON *set = op == CTL_OP_LISTENERS_SET ? ctl_json_object() : NULL;
    int rc = listener_args(argc, argv, set ? set : args, set ? args : NULL, set != NULL);
    if (rc == CTL_EXIT_OK && op == CTL_OP_LISTENERS_REMOVE && cJSON_GetArraySize(args) > 2)
        rc = usage_error("listeners remove takes PORT [--address ADDR] only%s", "");
    if (rc == CTL_EXIT_OK)
        rc = base_version(x, CTL_OP_LISTENERS_LIST, version);
    if (rc != CTL_EXIT_OK) {
        cJSON_Delete(args);
        cJSON_Delete(set);
        return rc;
    }
    ctl_json_add_str(args, "base_version", version);
    if (set)
        cJSON_AddItemToObject(args, "set", set);
    return call_simple(x, op, args, done);
}

static int cmd_listeners_add(struct ctl_ctx *x, int argc, char **argv)
{
    return listener_edit(x, CTL_OP_LISTENERS_ADD, argc, argv, "listener added");
}

static int cmd_listeners_set(struct ctl_ctx *x, int argc, char **argv)
{
    return listener_edit(x, CTL_OP_LISTENERS_SET, argc, argv, "listener changed");
}

static int cmd_listeners_remove(struct ctl_ctx *x, int argc, char **argv)
{
    return listener_edit(x, CTL_OP_LISTENERS_REMOVE, argc, argv, "listener removed");
}

/* ---- users ------------------------------------------------------------------------------- */

static int cmd_users_list(struct ctl_ctx *x, int argc, char **argv)
{
    (void)argv;
    if (argc > 0)
        return usage_error("users list takes no arguments%s", "");
    struct ctl_reply r;
    int rc = call(x, CTL_OP_USERS_LIST, NULL, &r);
    if (rc != CTL_EXIT_OK)
        return rc;
    const cJSON *users = cJSON_GetObjectItemCaseSensitive(r.result, "users");
    if (x->json)
        print_json(r.result);
    for (const cJSON *u = x->json ? NULL : users ? users->child : NULL; u; u = u->next)
        if (cJSON_IsString(u))
            printf("%s\n", u->valuestring);
    ctl_reply_cleanup(&r);
    return rc;
}

static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

/* The password from --password (argv's copy wiped) or the terminal prompt, twice. */
static int get_password(int argc, char **argv, char *pw, size_t size)
{
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--password") == 0) {
            snprintf(pw, size, "%s", argv[i + 1]);
            wipe(argv[i + 1], strlen(argv[i + 1]));
            return 0;
        }
    }
    char again[1024];
    struct err_detail d = {{0}, {0}, 0};
    int rc = plat_password_prompt("Password: ", pw, size, &d);
    if (rc >= 0)
        rc = plat_password_prompt("Reenter password: ", again, sizeof again, &d);
    if (rc >= 0 && strcmp(pw, again) != 0) {
        fprintf(stderr, "midge-ctl: the passwords do not match\n");
        rc = ERR_INVAL;
    } else if (rc < 0) {
        fprintf(stderr, "midge-ctl: cannot read the password: %s\n",
                d.msg[0] ? d.msg : err_str(rc));
    }
    wipe(again, sizeof again);
    return rc < 0 ? rc : 0;
}

static int user_edit(struct ctl_ctx *x, enum ctl_op op, int argc, char **argv, const char *done)
{
    bool with_pw = op != CTL_OP_USERS_REMOVE;
    int allowed = with_pw ? 3 : 1;
    if (argc < 1 || argc > allowed || (argc == 2) || (argc == 3 && strcmp(argv[1], "--password")))
        return usage_error("usage: users add|passwd NAME [--password PW], users remove "
                           "NAME%s",
                           "");
    char pw[1024];
    if (with_pw && get_password(argc, argv, pw, sizeof pw) < 0)
        return CTL_EXIT_REFUSED;
    char version[80];
    int rc = base_version(x, CTL_OP_USERS_LIST, version);
    if (rc != CTL_EXIT_OK) {
        wipe(pw, sizeof pw);
        return rc;
    }
    cJSON *args = ctl_json_object();
    ctl_json_add_str(args, "base_version", version);
    ctl_json_add_str(args, "name", argv[0]);
    if (with_pw)
        ctl_json_add_str(args, "password", pw);
    wipe(pw, sizeof pw);
    return call_simple(x, op, args, done);
}

static int cmd_users_add(struct ctl_ctx *x, int argc, char **argv)
{
    return user_edit(x, CTL_OP_USERS_ADD, argc, argv, "user added");
}

static int cmd_users_passwd(struct ctl_ctx *x, int argc, char **argv)
{
    return user_edit(x, CTL_OP_USERS_PASSWD, argc, argv, "password changed");
}

static int cmd_users_remove(struct ctl_ctx *x, int argc, char **argv)
{
    return user_edit(x, CTL_OP_USERS_REMOVE, argc, argv, "user removed");
}

/* ---- clients ----------------------------------------------------------------------------- */

static int cmd_clients_list(struct ctl_ctx *x, int argc, char **argv)
{
    (void)argv;
    if (argc > 0)
        return usage_error("clients list takes no arguments%s", "");
    struct ctl_reply r;
    int rc = call(x, CTL_OP_CLIENTS_LIST, NULL, &r);
    if (rc != CTL_EXIT_OK)
        return rc;
    if (x->json) {
        print_json(r.result);
        ctl_reply_cleanup(&r);
        return rc;
    }
    static const char *const head[] = {"ID",    "ADDRESS", "USER",   "PROTO",   "LISTENER",
                                       "SINCE", "SUBS",    "QUEUED", "INFLIGHT"};
    struct table t;
    table_init(&t, 9, head);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(r.result, "clients");
    for (const cJSON *c = list ? list->child : NULL; c; c = c->next) {
        char b[9][256];
        const cJSON *since = cJSON_GetObjectItemCaseSensitive(c, "connected_since_ms");
        if (!cJSON_IsNumber(since) || !plat_time_format(b[5], 256, "%Y-%m-%d %H:%M:%S",
                                                        (int64_t)(since->valuedouble / 1000.0)))
            snprintf(b[5], 256, "-");
        const char *row[] = {cell_text(c, "id", b[0], 256),
                             cell_text(c, "address", b[1], 256),
                             cell_text(c, "username", b[2], 256),
                             cell_text(c, "protocol", b[3], 256),
                             cell_text(c, "listener", b[4], 256),
                             b[5],
                             cell_text(c, "subscriptions", b[6], 256),
                             cell_text(c, "queued", b[7], 256),
                             cell_text(c, "inflight", b[8], 256)};
        table_row(&t, row);
    }
    table_print(&t);
    ctl_reply_cleanup(&r);
    return rc;
}

static int cmd_clients_kick(struct ctl_ctx *x, int argc, char **argv)
{
    if (argc != 1)
        return usage_error("usage: clients kick CLIENT_ID%s", "");
    cJSON *args = ctl_json_object();
    ctl_json_add_str(args, "id", argv[0]);
    return call_simple(x, CTL_OP_CLIENTS_KICK, args, "client disconnected");
}

/* ---- config, save, log ------------------------------------------------------------------- */

static int cmd_reload(struct ctl_ctx *x, int argc, char **argv)
{
    (void)argv;
    if (argc > 0)
        return usage_error("reload takes no arguments%s", "");
    return call_simple(x, CTL_OP_CONFIG_RELOAD, NULL, "configuration reloaded");
}

static int cmd_check_config(struct ctl_ctx *x, int argc, char **argv)
{
    if (argc != 1)
        return usage_error("usage: check-config FILE%s", "");
    char *text = NULL;
    size_t len = 0;
    struct err_detail d = {{0}, {0}, 0};
    if (plat_file_read_all(argv[0], MAX_CONFIG_BYTES, &text, &len, &d) < 0) {
        fprintf(stderr, "midge-ctl: %s: %s\n", argv[0], d.msg);
        return CTL_EXIT_REFUSED;
    }
    cJSON *args = ctl_json_object();
    ctl_json_add_str(args, "text", text);
    ctl_json_add_str(args, "name", argv[0]);
    free(text);
    char done[600];
    snprintf(done, sizeof done, "%.500s: valid", argv[0]);
    return call_simple(x, CTL_OP_CONFIG_CHECK, args, done);
}

static int cmd_save(struct ctl_ctx *x, int argc, char **argv)
{
    (void)argv;
    if (argc > 0)
        return usage_error("save takes no arguments%s", "");
    return call_simple(x, CTL_OP_PERSIST_SAVE, NULL, "saved");
}

static int cmd_log(struct ctl_ctx *x, int argc, char **argv)
{
    long lines = 100;
    if (argc == 2 && strcmp(argv[0], "--lines") == 0 && parse_int(argv[1], 1, 1000, &lines))
        argc = 0;
    if (argc != 0)
        return usage_error("usage: log [--lines N]%s", "");
    cJSON *args = ctl_json_object();
    cJSON_AddNumberToObject(args, "lines", (double)lines);
    struct ctl_reply r;
    int rc = call(x, CTL_OP_LOG_GET, args, &r);
    if (rc != CTL_EXIT_OK)
        return rc;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(r.result, "lines");
    if (x->json)
        print_json(r.result);
    for (const cJSON *l = x->json ? NULL : list ? list->child : NULL; l; l = l->next) {
        char when[32], level[32], text[2048];
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(l, "time_ms");
        if (!cJSON_IsNumber(t) || !plat_time_format(when, sizeof when, "%Y-%m-%d %H:%M:%S",
                                                    (int64_t)(t->valuedouble / 1000.0)))
            snprintf(when, sizeof when, "-");
        printf("%s %-7s %s\n", when, cell_text(l, "level", level, sizeof level) ? level : "-",
               cell_text(l, "text", text, sizeof text) ? text : "");
    }
    ctl_reply_cleanup(&r);
    return rc;
}

/* ---- Table ------------------------------------------------------------------------------- */

struct cmd_row {
    const char *group, *verb;
    ctl_cmd_fn fn;
};

static const struct cmd_row cmds[] = {
    {"stats", NULL, cmd_stats_entry},
    {"listeners", "list", cmd_listeners_list},
    {"listeners", "add", cmd_listeners_add},
    {"listeners", "set", cmd_listeners_set},
    {"listeners", "remove", cmd_listeners_remove},
    {"users", "list", cmd_users_list},
    {"users", "add", cmd_users_add},
    {"users", "passwd", cmd_users_passwd},
    {"users", "remove", cmd_users_remove},
    {"clients", "list", cmd_clients_list},
    {"clients", "kick", cmd_clients_kick},
    {"reload", NULL, cmd_reload},
    {"check-config", NULL, cmd_check_config},
    {"save", NULL, cmd_save},
    {"log", NULL, cmd_log},
};

ctl_cmd_fn cmds_find(const char *group, const char *verb, bool *one_word)
{
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        if (strcmp(cmds[i].group, group) != 0)
            continue;
        *one_word = cmds[i].verb == NULL;
        if (!cmds[i].verb || (verb && strcmp(cmds[i].verb, verb) == 0))
            return cmds[i].fn;
    }
    return NULL;
}

void cmds_usage(bool to_stderr)
{
    fputs("Usage: midge-ctl [--json] [--socket PATH] [--if-version HASH] COMMAND ...\n"
          "  stats [--watch] [--interval N]   $SYS values (--watch: every N s, default 1)\n"
          "  listeners list\n"
          "  listeners add PORT [--address ADDR] [--certfile F --keyfile F [--cafile F]]\n"
          "                [--max-connections N] [--mount-point P] [--socket-domain D]\n"
          "  listeners set PORT [--address ADDR] [--max-connections N] [--mount-point P]\n"
          "                [--no-mount-point] [--socket-domain ipv4|ipv6|any]\n"
          "                [--certfile F] [--keyfile F] [--cafile F] [--no-tls]\n"
          "  listeners remove PORT [--address ADDR]\n"
          "  users list | add NAME [--password PW] | passwd NAME [--password PW]\n"
          "  users remove NAME\n"
          "  clients list | kick CLIENT_ID\n"
          "  reload | check-config FILE | save | log [--lines N]\n"
          "Exit status: 0 ok, 1 refused (error reply or bad arguments), 2 cannot connect.\n"
          "Without --password, users add/passwd prompt for the password (no echo).\n"
          "Edits are based on the file version read just before; --if-version makes an\n"
          "edit fail with a conflict if the file changed since that version.\n",
          to_stderr ? stderr : stdout);
}
