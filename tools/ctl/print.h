/* SPDX-License-Identifier: MIT */
/* midge-ctl's output: aligned text tables and JSON, on stdout. */
#ifndef MIDGE_TOOLS_CTL_PRINT_H
#define MIDGE_TOOLS_CTL_PRINT_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* A table being filled: ncols columns, rows of caller-supplied text (copied). */
struct table {
    size_t ncols;
    char **cells; /* row-major, owned */
    size_t nrows;
};

/* Start a table with the given column titles (ncols of them, copied). */
void table_init(struct table *t, size_t ncols, const char *const *titles);
/* Add one row of ncols strings (NULL prints "-"). */
void table_row(struct table *t, const char *const *cells);
/* Print the table with columns padded to their widest cell, then free it. */
void table_print(struct table *t);

/* Print v as indented JSON followed by a newline. */
void print_json(const cJSON *v);
/* Print v as one line of JSON (for event streams). */
void print_json_line(const cJSON *v);
/* The text of member name of obj for a table cell into buf: strings as they are,
 * integers in full, other numbers with two decimals, null and absent as NULL.
 * Returns buf or NULL. */
const char *cell_text(const cJSON *obj, const char *name, char *buf, size_t size);

#endif
