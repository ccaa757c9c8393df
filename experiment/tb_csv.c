/* tb_csv.c - an RFC 4180 reader for the CSV files tailback writes and then reads back (reports, plots). */
#include <stdlib.h>
#include <string.h>
#include "tb_csv.h"
#include "../models/tb_io.h"

void tb_csv_free(tb_csv *t)
{
    for (int r = 0; t->row && r < t->nrow; r++) {
        for (int c = 0; c < t->ncol[r]; c++)
            free(t->row[r][c]);
        free(t->row[r]);
    }
    free(t->row);
    free(t->ncol);
    memset(t, 0, sizeof *t);
}

/* Append a field (a copy of buf[0..len)) to the last row. */
static int add_field(tb_csv *t, const char *buf, size_t len)
{
    int r = t->nrow - 1;
    char **nr = realloc(t->row[r], (size_t)(t->ncol[r] + 1) * sizeof *nr);
    if (!nr)
        return -1;
    t->row[r] = nr; /* owned by t, freed by tb_csv_free() (-fanalyzer's leak report cannot follow it) */
    if (!(nr[t->ncol[r]] = malloc(len + 1)))
        return -1;
    memcpy(nr[t->ncol[r]], buf, len);
    nr[t->ncol[r]++][len] = 0;
    return 0;
}

static int add_row(tb_csv *t)
{
    char ***nr = realloc(t->row, (size_t)(t->nrow + 1) * sizeof *nr);
    if (!nr)
        return -1;
    t->row = nr;
    int *nc = realloc(t->ncol, (size_t)(t->nrow + 1) * sizeof *nc);
    if (!nc)
        return -1;
    t->ncol = nc;
    t->row[t->nrow] = NULL;
    t->ncol[t->nrow++] = 0;
    return 0;
}

/* Append ch to the field being read, growing it: 0, or -1 out of memory. */
static int push(char **buf, size_t *len, size_t *cap, char ch)
{
    if (*len + 1 >= *cap) {
        char *nb = realloc(*buf, *cap * 2);
        if (!nb)
            return -1;
        *buf = nb;
        *cap *= 2;
    }
    (*buf)[(*len)++] = ch;
    return 0;
}

int tb_csv_parse(tb_csv *t, const char *s)
{
    memset(t, 0, sizeof *t);
    size_t cap = 256, len = 0;
    char *buf = malloc(cap);
    int rc = buf ? 0 : -1;
    while (rc == 0 && *s) {
        rc = add_row(t);
        for (int more = 1; rc == 0 && more;) { /* one field per turn */
            len = 0;
            if (*s == '"') {
                for (s++;; s++) {
                    if (!*s) { /* a quote never closed */
                        rc = -1;
                        break;
                    }
                    if (*s == '"' && s[1] != '"')
                        break;
                    if (*s == '"')
                        s++; /* "" is one quote */
                    if ((rc = push(&buf, &len, &cap, *s)) != 0)
                        break;
                }
                if (rc)
                    break;
                s++; /* the closing quote; anything up to the separator is kept as written */
            }
            while (*s && *s != ',' && *s != '\n' && !(*s == '\r' && s[1] == '\n')) {
                if ((rc = push(&buf, &len, &cap, *s++)) != 0)
                    break;
            }
            if (rc == 0)
                rc = add_field(t, buf, len);
            if (*s == ',') {
                s++;
            } else {
                more = 0;
                s += *s == '\r' ? 2 : *s == '\n';
            }
        }
    }
    free(buf);
    if (rc)
        tb_csv_free(t);
    return rc;
}

int tb_csv_read(tb_csv *t, const char *path)
{
    memset(t, 0, sizeof *t);
    char *text = tb_read_file(path, NULL);
    if (!text)
        return -1;
    int rc = tb_csv_parse(t, text);
    free(text);
    return rc;
}

int tb_csv_col(const tb_csv *t, const char *name)
{
    for (int c = 0; t->nrow > 0 && c < t->ncol[0]; c++)
        if (strcmp(t->row[0][c], name) == 0)
            return c;
    return -1;
}

const char *tb_csv_get(const tb_csv *t, int r, int c)
{
    if (r < 0 || r >= t->nrow || c < 0 || c >= t->ncol[r])
        return "";
    return t->row[r][c];
}
