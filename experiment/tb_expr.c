/* tb_expr.c - theory expressions: a recursive-descent parser to a postfix program, and its evaluator. */
#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "tb_expr.h"

/* Limits that keep parsing and evaluation small whatever the input: the
 * text's length, the nesting depth (the parser recurses once per level). */
#define MAX_TEXT 1000
#define MAX_DEPTH 64

enum op { OP_NUM, OP_X, OP_PARAM, OP_NEG, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW,
          OP_EXP, OP_LOG, OP_SQRT, OP_ABS, OP_MIN, OP_MAX };

typedef struct { enum op op; double v; int param; } insn;

struct tb_expr {
    insn *code;
    int n;
    int stack; /* the deepest the evaluation stack goes */
};

typedef struct {
    const char *text, *s;
    const char *const *names;
    int nnames;
    insn *code;
    int n, cap, depth, sp, maxsp;
    char *err;
    size_t errn;
    int failed;
} parser;

static const struct { const char *name; enum op op; int args; } funcs[] = {
    { "exp", OP_EXP, 1 }, { "log", OP_LOG, 1 }, { "sqrt", OP_SQRT, 1 }, { "abs", OP_ABS, 1 },
    { "min", OP_MIN, 2 }, { "max", OP_MAX, 2 }, { "pow", OP_POW, 2 },
};

static void fail(parser *p, const char *what)
{
    if (p->failed)
        return;
    p->failed = 1;
    const char *at = p->s;
    if (*at)
        snprintf(p->err, p->errn, "column %d: expected %s, found \"%.12s\"", (int)(at - p->text) + 1, what, at);
    else
        snprintf(p->err, p->errn, "column %d: expected %s, found the end", (int)(at - p->text) + 1, what);
}

static void skip(parser *p)
{
    while (*p->s == ' ' || *p->s == '\t')
        p->s++;
}

/* Append an instruction; `pops` operands are consumed and one pushed. */
static void emit(parser *p, enum op op, double v, int param, int pops)
{
    if (p->failed)
        return;
    if (p->n == p->cap) {
        int ncap = p->cap ? 2 * p->cap : 32;
        insn *nc = realloc(p->code, (size_t)ncap * sizeof *nc);
        if (!nc) {
            snprintf(p->err, p->errn, "out of memory");
            p->failed = 1;
            return;
        }
        p->code = nc;
        p->cap = ncap;
    }
    p->code[p->n++] = (insn){ op, v, param };
    p->sp += 1 - pops;
    if (p->sp > p->maxsp)
        p->maxsp = p->sp;
}

static void expr(parser *p);
static void unary(parser *p);

static void primary(parser *p)
{
    skip(p);
    const char *s = p->s;
    if (isdigit((unsigned char)*s) || (*s == '.' && isdigit((unsigned char)s[1]))) {
        /* digits [. digits] [e [+-] digits]: strtod alone would take hex, inf and nan */
        const char *q = s;
        while (isdigit((unsigned char)*q))
            q++;
        if (*q == '.')
            for (q++; isdigit((unsigned char)*q);)
                q++;
        if ((*q == 'e' || *q == 'E') &&
            (isdigit((unsigned char)q[1]) || ((q[1] == '+' || q[1] == '-') && isdigit((unsigned char)q[2])))) {
            q += 2;
            while (isdigit((unsigned char)*q))
                q++;
        }
        char buf[64];
        if (q - s >= (long)sizeof buf) {
            fail(p, "a number of at most 63 characters");
            return;
        }
        memcpy(buf, s, (size_t)(q - s));
        buf[q - s] = 0;
        p->s = q;
        emit(p, OP_NUM, strtod(buf, NULL), 0, 0);
        return;
    }
    if (isalpha((unsigned char)*s) || *s == '_') {
        const char *q = s;
        while (isalnum((unsigned char)*q) || *q == '_' || *q == '.')
            q++;
        size_t len = (size_t)(q - s);
        p->s = q;
        skip(p);
        if (*p->s == '(') {
            for (size_t k = 0; k < sizeof funcs / sizeof *funcs; k++) {
                if (strlen(funcs[k].name) != len || strncmp(funcs[k].name, s, len) != 0)
                    continue;
                p->s++;
                for (int a = 0; a < funcs[k].args && !p->failed; a++) {
                    if (a > 0) {
                        skip(p);
                        if (*p->s != ',') {
                            fail(p, funcs[k].args == 2 ? "',' and a second argument" : "','");
                            return;
                        }
                        p->s++;
                    }
                    expr(p);
                }
                skip(p);
                if (*p->s != ')') {
                    fail(p, funcs[k].args == 1 ? "')' (the function takes one argument)"
                                               : "')' (the function takes two arguments)");
                    return;
                }
                p->s++;
                emit(p, funcs[k].op, 0, 0, funcs[k].args);
                return;
            }
            p->s = s;
            fail(p, "a function: exp, log, sqrt, abs, min, max or pow");
            return;
        }
        if (len == 1 && *s == 'x') {
            emit(p, OP_X, 0, 0, 0);
            return;
        }
        if (len == 2 && strncmp(s, "pi", 2) == 0) {
            emit(p, OP_NUM, M_PI, 0, 0);
            return;
        }
        if (len == 1 && *s == 'e') {
            emit(p, OP_NUM, M_E, 0, 0);
            return;
        }
        for (int k = 0; k < p->nnames; k++)
            if (strlen(p->names[k]) == len && strncmp(p->names[k], s, len) == 0) {
                emit(p, OP_PARAM, 0, k, 0);
                return;
            }
        p->s = s;
        fail(p, p->nnames ? "x, pi, e or one of the expression's params" : "x, pi or e (or a parameter named in params)");
        return;
    }
    if (*s == '(') {
        p->s++;
        expr(p);
        skip(p);
        if (*p->s != ')') {
            fail(p, "')'");
            return;
        }
        p->s++;
        return;
    }
    fail(p, "a number, x, a name, a function or '('");
}

static void power(parser *p)
{
    primary(p);
    skip(p);
    if (*p->s == '^' || (p->s[0] == '*' && p->s[1] == '*')) {
        p->s += *p->s == '^' ? 1 : 2;
        unary(p); /* right-associative, and binds tighter than a unary minus on its left */
        emit(p, OP_POW, 0, 0, 2);
    }
}

static void unary(parser *p)
{
    skip(p);
    if (++p->depth > MAX_DEPTH) {
        fail(p, "at most 64 levels of nesting");
        return;
    }
    if (*p->s == '-' || *p->s == '+') {
        int neg = *p->s++ == '-';
        unary(p);
        if (neg)
            emit(p, OP_NEG, 0, 0, 1);
    } else {
        power(p);
    }
    p->depth--;
}

static void term(parser *p)
{
    unary(p);
    for (;;) {
        skip(p);
        char c = *p->s;
        if ((c != '*' && c != '/') || (c == '*' && p->s[1] == '*') || p->failed)
            return;
        p->s++;
        unary(p);
        emit(p, c == '*' ? OP_MUL : OP_DIV, 0, 0, 2);
    }
}

static void expr(parser *p)
{
    if (++p->depth > MAX_DEPTH) {
        fail(p, "at most 64 levels of nesting");
        return;
    }
    term(p);
    for (;;) {
        skip(p);
        char c = *p->s;
        if ((c != '+' && c != '-') || p->failed)
            break;
        p->s++;
        term(p);
        emit(p, c == '+' ? OP_ADD : OP_SUB, 0, 0, 2);
    }
    p->depth--;
}

tb_expr *tb_expr_parse(const char *text, const char *const *names, int nnames, char *err, size_t n)
{
    parser p = { .text = text, .s = text, .names = names, .nnames = nnames, .err = err, .errn = n };
    err[0] = 0;
    if (strlen(text) > MAX_TEXT) {
        snprintf(err, n, "expected an expression of at most %d characters, found %zu", MAX_TEXT, strlen(text));
        return NULL;
    }
    expr(&p);
    skip(&p);
    if (!p.failed && *p.s)
        fail(&p, "an operator (+ - * / ^) or the end");
    tb_expr *e = p.failed ? NULL : malloc(sizeof *e);
    if (!e) {
        if (!p.failed)
            snprintf(err, n, "out of memory");
        free(p.code);
        return NULL;
    }
    e->code = p.code;
    e->n = p.n;
    e->stack = p.maxsp;
    return e;
}

double tb_expr_eval(const tb_expr *e, double x, const double *values)
{
    double st[MAX_TEXT + 2]; /* each push comes from at least one character */
    int sp = 0;
    assert(e->stack <= MAX_TEXT + 2);
    for (int i = 0; i < e->n; i++) {
        const insn *c = &e->code[i];
        double b = sp > 0 ? st[sp - 1] : 0;
        switch (c->op) {
        case OP_NUM: st[sp++] = c->v; break;
        case OP_X: st[sp++] = x; break;
        case OP_PARAM: st[sp++] = values[c->param]; break;
        case OP_NEG: st[sp - 1] = -b; break;
        case OP_EXP: st[sp - 1] = exp(b); break;
        case OP_LOG: st[sp - 1] = log(b); break;
        case OP_SQRT: st[sp - 1] = sqrt(b); break;
        case OP_ABS: st[sp - 1] = fabs(b); break;
        default: { /* binary */
            double a = st[sp - 2];
            double r = c->op == OP_ADD ? a + b
                     : c->op == OP_SUB ? a - b
                     : c->op == OP_MUL ? a * b
                     : c->op == OP_DIV ? a / b
                     : c->op == OP_POW ? pow(a, b)
                     : c->op == OP_MIN ? fmin(a, b)
                                       : fmax(a, b);
            st[--sp - 1] = r;
        }
        }
    }
    return sp == 1 ? st[0] : NAN;
}

void tb_expr_free(tb_expr *e)
{
    if (e) {
        free(e->code);
        free(e);
    }
}

tb_expr *tb_expr_theory(const cJSON *entry, double *values, char *err, size_t n)
{
    const char *names[TB_EXPR_MAX_PARAMS];
    int nn = 0;
    const cJSON *text = entry;
    char sub[256];
    if (cJSON_IsObject(entry)) {
        for (const cJSON *f = entry->child; f; f = f->next)
            if (strcmp(f->string, "expression") && strcmp(f->string, "params") && strcmp(f->string, "comment")) {
                snprintf(err, n, ".%.40s: unknown field (expected one of: expression, params, comment)", f->string);
                return NULL;
            }
        text = cJSON_GetObjectItemCaseSensitive(entry, "expression");
        const cJSON *ps = cJSON_GetObjectItemCaseSensitive(entry, "params");
        if (ps && !cJSON_IsObject(ps)) {
            snprintf(err, n, ".params: expected an object of {NAME: number}");
            return NULL;
        }
        for (const cJSON *q = ps ? ps->child : NULL; q; q = q->next) {
            int ok = (isalpha((unsigned char)q->string[0]) || q->string[0] == '_') && strlen(q->string) <= 32;
            for (const char *c = q->string; ok && *c; c++)
                ok = isalnum((unsigned char)*c) || *c == '_';
            for (size_t k = 0; ok && k < sizeof funcs / sizeof *funcs; k++)
                ok = strcmp(q->string, funcs[k].name) != 0;
            if (!ok || !strcmp(q->string, "x") || !strcmp(q->string, "pi") || !strcmp(q->string, "e")) {
                snprintf(err, n, ".params.%.40s: expected a name of letters, digits and _ (not x, pi, e or a function)",
                         q->string);
                return NULL;
            }
            if (!cJSON_IsNumber(q) || !isfinite(q->valuedouble)) {
                snprintf(err, n, ".params.%.40s: expected a number", q->string);
                return NULL;
            }
            if (nn == TB_EXPR_MAX_PARAMS) {
                snprintf(err, n, ".params: expected at most %d parameters", TB_EXPR_MAX_PARAMS);
                return NULL;
            }
            names[nn] = q->string;
            values[nn++] = q->valuedouble;
        }
        if (!cJSON_IsString(text)) {
            snprintf(err, n, ".expression: expected a string, e.g. \"1/(mu - x)\"");
            return NULL;
        }
        snprintf(sub, sizeof sub, ".expression: ");
    } else if (!cJSON_IsString(entry)) {
        snprintf(err, n, ": expected an expression in x (a string, e.g. \"1/(1-x)\"), or {\"expression\": ..., "
                         "\"params\": {...}}");
        return NULL;
    } else {
        sub[0] = 0;
    }
    char why[200];
    tb_expr *e = tb_expr_parse(text->valuestring, names, nn, why, sizeof why);
    if (!e)
        snprintf(err, n, "%s%s", sub[0] ? sub : ": ", why);
    return e;
}
