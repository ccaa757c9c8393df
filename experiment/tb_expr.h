/* tb_expr.h - the small arithmetic language of an experiment's theory curves, parsed and evaluated in C. */
#ifndef TB_EXPR_H
#define TB_EXPR_H

#include <stddef.h>

/*
 * Grammar (whitespace between tokens is ignored):
 *   expr    := term (("+" | "-") term)*
 *   term    := unary (("*" | "/") unary)*
 *   unary   := ("-" | "+") unary | power
 *   power   := primary (("^" | "**") unary)?      right-associative: 2^3^2 = 2^9
 *   primary := NUMBER | NAME | FUNC "(" expr ("," expr)* ")" | "(" expr ")"
 *   NUMBER  := digits with an optional fraction and exponent (1, 0.5, 2e-3)
 *   NAME    := x (the varied parameter), pi, e, or a parameter the caller names
 *   FUNC    := exp log sqrt abs (one argument), min max pow (two)
 * Nothing else: no strings, no assignments, no calls out.  Evaluation is
 * IEEE arithmetic: 1/(1-x) at x = 1 is inf, log(-1) is nan; the caller
 * decides what to draw.
 */
typedef struct tb_expr tb_expr;

/* Parse `text` with parameter names names[0..nnames) (their values are
 * given to tb_expr_eval in the same order).  Returns a new expression (free
 * with tb_expr_free(); NULL is a no-op), or NULL with a one-line message in
 * err naming the column (1-based) and what was expected. */
tb_expr *tb_expr_parse(const char *text, const char *const *names, int nnames, char *err, size_t n);

/* The value at x, with the parameters' values. */
double tb_expr_eval(const tb_expr *e, double x, const double *values);

void tb_expr_free(tb_expr *e);

/* An experiment's theory entry: "EXPR", or {"expression": "EXPR", "params":
 * {NAME: number, ...}} with at most TB_EXPR_MAX_PARAMS parameters (names of
 * letters, digits and _, none of x, pi, e or a function).  Returns the
 * expression, its parameters' values in values[], or NULL with a message
 * in err to append to the entry's JSON path: ": why" about the entry
 * itself, or ".params.NAME: why", ".expression: column C: why". */
#define TB_EXPR_MAX_PARAMS 16
struct cJSON;
tb_expr *tb_expr_theory(const struct cJSON *entry, double *values, char *err, size_t n);

#endif
