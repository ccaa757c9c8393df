/* tb_csv.h - reading back the CSV files tailback writes: RFC 4180 fields, quotes and all. */
#ifndef TB_CSV_H
#define TB_CSV_H

/*
 * A whole CSV text as rows of fields.  Fields may be quoted ("a,b", with
 * "" for a quote, and line breaks inside quotes); CRLF and LF both end a
 * record; a final line break is optional.  Every field is a new string.
 */
typedef struct tb_csv {
    char ***row;   /* row[r][c] */
    int *ncol;
    int nrow;
} tb_csv;

/* Parse `text`; 0, or -1 (out of memory, or a quote never closed: *t is
 * then empty).  Free with tb_csv_free() either way. */
int tb_csv_parse(tb_csv *t, const char *text);

/* Read and parse a file; -1 also when it cannot be read. */
int tb_csv_read(tb_csv *t, const char *path);

void tb_csv_free(tb_csv *t);

/* The index of the header field `name` (row 0), or -1. */
int tb_csv_col(const tb_csv *t, const char *name);

/* Field c of row r, or "" when the row is shorter. */
const char *tb_csv_get(const tb_csv *t, int r, int c);

#endif
