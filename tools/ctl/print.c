/* SPDX-License-Identifier: MIT */
/* Tables and JSON output of midge-ctl (see tools/ctl/print.h). */
#include "tools/ctl/print.h"

#include "common/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void table_init(struct table *t, size_t ncols, const char *const *titles)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    table_row(t, titles);
}

void table_row(struct table *t, const char *const *cells)
{
    t->cells = xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof *t->cells);
    for (size_t i = 0; i < t->ncols; i++)
        t->cells[t->nrows * t->ncols + i] = xstrdup(cells[i] ? cells[i] : "-");
    t->nrows++;
}

void table_print(struct table *t)
{
    size_t *w = xcalloc(t->ncols, sizeof *w);
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t n = strlen(t->cells[r * t->ncols + c]);
            w[c] = n > w[c] ? n : w[c];
        }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = t->cells[r * t->ncols + c];
            if (c + 1 == t->ncols)
                printf("%s\n", s);
            else
                printf("%-*s  ", (int)w[c], s);
        }
    }
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(w);
    memset(t, 0, sizeof *t);
}

void print_json(const cJSON *v)
{
    char *s = cJSON_Print(v);
    if (s)
        printf("%s\n", s);
    free(s);
}

void print_json_line(const cJSON *v)
{
    char *s = cJSON_PrintUnformatted(v);
    if (s)
        printf("%s\n", s);
    free(s);
    fflush(stdout);
}

const char *cell_text(const cJSON *obj, const char *name, char *buf, size_t size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (cJSON_IsString(v))
        snprintf(buf, size, "%s", v->valuestring);
    else if (cJSON_IsNumber(v) && floor(v->valuedouble) == v->valuedouble &&
             fabs(v->valuedouble) < 1e18)
        snprintf(buf, size, "%.0f", v->valuedouble);
    else if (cJSON_IsNumber(v))
        snprintf(buf, size, "%.2f", v->valuedouble);
    else if (cJSON_IsBool(v))
        snprintf(buf, size, "%s", cJSON_IsTrue(v) ? "yes" : "no");
    else
        return NULL;
    return buf;
}
