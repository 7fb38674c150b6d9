/* SPDX-License-Identifier: MIT */
/* midge-passwd: creates and edits password files with mosquitto_passwd's command line,
 * using common/pw_hash and common/pw_file so the tool and the broker share one format. */
#include "common/platform.h"
#include "common/pw_file.h"
#include "common/pw_hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest password file read (the broker's limit will match). */
#define PASSWD_FILE_MAX (64u * 1024 * 1024)

enum passwd_mode { MODE_SET, MODE_DELETE, MODE_UPGRADE, MODE_CHECK };

struct passwd_opts {
    enum passwd_mode mode;
    bool create, batch;
    enum pw_hash_type type;
    unsigned iterations;
    const char *file, *user;
    char *password; /* -b or --check: points into argv, wiped after use */
};

static void usage(void)
{
    fputs("midge-passwd: manage password files for midge (and mosquitto 2.0).\n"
          "\n"
          "usage: midge-passwd [-H sha512|sha512-pbkdf2] [-I iterations] [-c | -D] "
          "passwordfile username\n"
          "       midge-passwd [-H hash] [-I iterations] [-c] -b passwordfile username "
          "password\n"
          "       midge-passwd [-H hash] [-I iterations] -U passwordfile\n"
          "\n"
          " -b  batch mode: take the password from the command line (visible to other\n"
          "     users of this machine while the tool runs; prefer the prompt)\n"
          " -c  create a new password file, replacing an existing one\n"
          " -D  delete the user\n"
          " -H  hash type: sha512-pbkdf2 (default) or sha512 (for mosquitto 1.6 and older)\n"
          " -I  PBKDF2 iterations for new hashes (default 100000)\n"
          " -U  hash the plain-text passwords of a file (hashed entries are kept)\n",
          stderr);
}

static void wipe(char *s, size_t n)
{
    volatile char *p = s;
    while (n-- > 0)
        *p++ = 0;
}

static int parse_iterations(const char *s, unsigned *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s < '0' || *s > '9' || *end || v < 1 || v > PW_HASH_MAX_ITERATIONS) {
        fprintf(stderr, "Error: -I needs an iteration count between 1 and %u.\n",
                PW_HASH_MAX_ITERATIONS);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

/* Options first, then positional arguments, as mosquitto_passwd. */
static int parse_args(int argc, char **argv, struct passwd_opts *o)
{
    int i = 1, want;
    bool del = false, upgrade = false;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-c")) {
            o->create = true;
        } else if (!strcmp(a, "-b")) {
            o->batch = true;
        } else if (!strcmp(a, "-D")) {
            del = true;
        } else if (!strcmp(a, "-U")) {
            upgrade = true;
        } else if (!strcmp(a, "--check")) {
            o->mode = MODE_CHECK;
        } else if (!strcmp(a, "-H") && i + 1 < argc) {
            const char *h = argv[++i];
            if (!strcmp(h, "sha512"))
                o->type = PW_HASH_SHA512;
            else if (!strcmp(h, "sha512-pbkdf2"))
                o->type = PW_HASH_SHA512_PBKDF2;
            else {
                fprintf(stderr, "Error: unknown hash type '%s'.\n", h);
                return -1;
            }
        } else if (!strcmp(a, "-I") && i + 1 < argc) {
            if (parse_iterations(argv[++i], &o->iterations) < 0)
                return -1;
        } else {
            usage();
            return -1;
        }
    }
    if ((del && (o->create || o->batch || upgrade)) || (upgrade && (o->create || o->batch))) {
        fputs("Error: -D and -U cannot be combined with -c, -b or each other.\n", stderr);
        return -1;
    }
    if (o->mode != MODE_CHECK)
        o->mode = del ? MODE_DELETE : upgrade ? MODE_UPGRADE : MODE_SET;
    want = o->mode == MODE_UPGRADE ? 1 : (o->mode == MODE_CHECK || o->batch) ? 3 : 2;
    if (argc - i != want) {
        usage();
        return -1;
    }
    o->file = argv[i];
    o->user = want > 1 ? argv[i + 1] : NULL;
    o->password = want > 2 ? argv[i + 2] : NULL;
    if (o->user && o->mode == MODE_SET && !pw_file_user_is_valid(o->user)) {
        fputs("Error: the username must be 1-65535 bytes of UTF-8 without ':', control "
              "characters or blanks at either end.\n",
              stderr);
        return -1;
    }
    return 0;
}

/* Hash password with a fresh salt into out (PW_HASH_ENCODED_MAX bytes). */
static int make_hash(const struct passwd_opts *o, const char *password, char *out)
{
    uint8_t salt[PW_HASH_SALT_LEN];
    struct pw_hash h;
    size_t len = strlen(password);
    if (len > PW_HASH_PASSWORD_MAX) {
        fputs("Error: the password is longer than 65535 bytes.\n", stderr);
        return -1;
    }
    if (plat_random_bytes(salt, sizeof salt) < 0 ||
        pw_hash_compute(&h, o->type, o->iterations, salt, password, len) < 0 ||
        pw_hash_encode(&h, out, PW_HASH_ENCODED_MAX) < 0) {
        fputs("Error: could not hash the password.\n", stderr);
        return -1;
    }
    wipe((char *)&h, sizeof h);
    return 0;
}

/* Ask for the password twice; returns 0 with the password in buf. */
static int prompt_twice(char *buf, size_t size)
{
    char again[PW_HASH_PASSWORD_MAX + 2];
    struct err_detail d = {0};
    int rc = plat_password_prompt("Password: ", buf, size, &d);
    if (rc >= 0)
        rc = plat_password_prompt("Reenter password: ", again, sizeof again, &d);
    if (rc < 0) {
        fprintf(stderr, "Error: %s\n", d.msg[0] ? d.msg : err_str(rc));
    } else if (strcmp(buf, again) != 0) {
        fputs("Error: Passwords do not match.\n", stderr);
        rc = -1;
    }
    wipe(again, sizeof again);
    return rc < 0 ? -1 : 0;
}

/* Load and parse the file; bad lines are reported as warnings and kept as they are. */
static int load(const struct passwd_opts *o, struct pw_file *f, unsigned flags)
{
    char *data = NULL;
    size_t len = 0;
    struct err_detail d = {0};
    int rc = plat_file_read_all(o->file, PASSWD_FILE_MAX, &data, &len, &d);
    if (rc < 0) {
        fprintf(stderr, "Error: cannot read %s: %s\n", o->file, d.msg[0] ? d.msg : err_str(rc));
        return -1;
    }
    pw_file_parse(f, o->file, data, len, flags);
    wipe(data, len);
    free(data);
    for (size_t i = 0; i < f->n_errors; i++) {
        char line[1200];
        fprintf(stderr, "Warning: %s\n", err_detail_format(&f->errors[i], line, sizeof line));
    }
    return 0;
}

static int save(const struct passwd_opts *o, const struct pw_file *f)
{
    size_t len;
    char *text = pw_file_serialise(f, &len);
    struct err_detail d = {0};
    /* Always owner-only: tools/ cannot read the old mode without OS headers, and a
     * password file should not be readable by others anyway. */
    int rc = plat_file_write_atomic(o->file, text, len, 0600, &d);
    wipe(text, len);
    free(text);
    if (rc < 0) {
        fprintf(stderr, "Error: cannot write %s: %s\n", o->file, d.msg[0] ? d.msg : err_str(rc));
        return -1;
    }
    return 0;
}

static int do_set(const struct passwd_opts *o, struct pw_file *f)
{
    static char pw[PW_HASH_PASSWORD_MAX + 2];
    char hash[PW_HASH_ENCODED_MAX];
    if (!o->create && load(o, f, 0) < 0)
        return -1;
    if (o->password) {
        /* Copy, then wipe argv's copy so that it is not visible for the hashing time. */
        snprintf(pw, sizeof pw, "%s", o->password);
        wipe(o->password, strlen(o->password));
    } else if (prompt_twice(pw, sizeof pw) < 0) {
        return -1;
    }
    int rc = make_hash(o, pw, hash);
    wipe(pw, sizeof pw);
    if (rc < 0)
        return -1;
    rc = pw_file_set(f, o->user, hash);
    wipe(hash, sizeof hash);
    return rc < 0 ? -1 : save(o, f);
}

static int do_delete(const struct passwd_opts *o, struct pw_file *f)
{
    if (load(o, f, 0) < 0)
        return -1;
    if (pw_file_delete(f, o->user) < 0) {
        fprintf(stderr, "Warning: User %s not found in password file.\n", o->user);
        return -1;
    }
    return save(o, f);
}

/* Hash every plain-text entry; already hashed entries are left alone. */
static int do_upgrade(const struct passwd_opts *o, struct pw_file *f)
{
    char hash[PW_HASH_ENCODED_MAX];
    if (load(o, f, PW_FILE_PLAIN_OK) < 0)
        return -1;
    for (size_t i = 0; i < f->n_lines; i++) {
        struct pw_line *l = &f->lines[i];
        if (l->kind != PW_LINE_PLAIN)
            continue;
        if (make_hash(o, l->secret, hash) < 0 || pw_file_set(f, l->user, hash) < 0)
            return -1;
    }
    wipe(hash, sizeof hash);
    return save(o, f);
}

/* Test/scripting aid: exit 0 if the password matches the user's entry, 1 otherwise. */
static int do_check(const struct passwd_opts *o, struct pw_file *f)
{
    if (load(o, f, 0) < 0)
        return -1;
    const struct pw_line *l = pw_file_find(f, o->user);
    if (!l || l->kind != PW_LINE_ENTRY)
        return -1;
    return pw_hash_verify(&l->hash, o->password, strlen(o->password)) ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct passwd_opts o = {.type = PW_HASH_SHA512_PBKDF2,
                            .iterations = PW_HASH_DEFAULT_ITERATIONS};
    if (parse_args(argc, argv, &o) < 0)
        return 1;
    struct pw_file f;
    pw_file_init(&f);
    int rc;
    switch (o.mode) {
    case MODE_SET:
        rc = do_set(&o, &f);
        break;
    case MODE_DELETE:
        rc = do_delete(&o, &f);
        break;
    case MODE_UPGRADE:
        rc = do_upgrade(&o, &f);
        break;
    default:
        rc = do_check(&o, &f);
        break;
    }
    if (o.password)
        wipe(o.password, strlen(o.password));
    pw_file_cleanup(&f);
    return rc < 0 ? 1 : 0;
}
