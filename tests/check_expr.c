/* check_expr.c - theory expressions: values against C's own arithmetic, precedence, and refusals naming the column. */
#include <math.h>
#include <string.h>
#include "../experiment/tb_expr.h"
#include "tb_test.h"

static double value(const char *text, double x)
{
    static const char *const names[] = { "mu", "c" };
    static const double vals[] = { 2, 3 };
    char err[256];
    tb_expr *e = tb_expr_parse(text, names, 2, err, sizeof err);
    ck_assert_msg(e != NULL, "%s: %s", text, err);
    double v = tb_expr_eval(e, x, vals);
    tb_expr_free(e);
    return v;
}

START_TEST(expressions_compute_what_c_computes)
{
    const double x = 0.7;
    /* each against the same formula written in C */
    ck_assert_double_eq_tol(value("1/(1-x)", x), 1 / (1 - x), 1e-15);
    ck_assert_double_eq_tol(value("log(100)/(1-x)", x), log(100) / (1 - x), 1e-14);
    ck_assert_double_eq_tol(value("1/(mu - x)", x), 1 / (2 - x), 1e-15);
    ck_assert_double_eq_tol(value("x^2 + 2*x*c - 1.5e-1", x), x * x + 2 * x * 3 - 0.15, 1e-15);
    ck_assert_double_eq(value("2^3^2", x), 512);       /* right-associative */
    ck_assert_double_eq(value("2**3", x), 8);
    ck_assert_double_eq(value("-x^2", x), -(x * x));     /* ^ binds tighter than unary minus */
    ck_assert_double_eq(value("2^-1", x), 0.5);
    ck_assert_double_eq(value("1 - 2 - 3", x), -4);      /* left-associative */
    ck_assert_double_eq(value("8 / 4 / 2", x), 1);
    ck_assert_double_eq(value("--x", x), x);
    ck_assert_double_eq_tol(value("sqrt(x) * exp(-x) + abs(-1)", x), sqrt(x) * exp(-x) + 1, 1e-15);
    ck_assert_double_eq_tol(value("min(x, 0.5) + max(x, 0.5) + pow(x, 3)", x), 0.5 + x + pow(x, 3), 1e-15);
    ck_assert_double_eq_tol(value("pi * e", x), M_PI * M_E, 1e-15);
    ck_assert_double_eq(value(" ( ( x ) ) ", x), x);
    ck_assert(isinf(value("1/(1-x)", 1)));
    ck_assert(isnan(value("log(x)", -1)));
}
END_TEST

START_TEST(anything_outside_the_grammar_is_refused_with_its_column)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        { "1/(1-x) + 0*`touch FILE; echo 0`", "column 13: expected a number, x, a name, a function or '(', found \"`touch FILE;\"" },
        { "system('touch X')", "column 1: expected a function: exp, log, sqrt, abs, min, max or pow" },
        { "1/(1-y)", "column 6: expected x, pi, e or one of the expression's params, found \"y)\"" },
        { "1/(1-x", "column 7: expected ')', found the end" },
        { "x x", "column 3: expected an operator (+ - * / ^) or the end, found \"x\"" },
        { "0x10", "column 2: expected an operator (+ - * / ^) or the end, found \"x10\"" },
        { "inf", "column 1: expected x, pi, e or one of the expression's params" },
        { "min(x)", "column 6: expected ',' and a second argument, found \")\"" },
        { "exp(x, 1)", "column 6: expected ')' (the function takes one argument), found \", 1)\"" },
        { "", "column 1: expected a number, x, a name, a function or '(', found the end" },
        { "x; set output", "column 2: expected an operator (+ - * / ^) or the end, found \"; set output\"" },
        { "\"abc\"", "column 1: expected a number, x, a name, a function or '(', found \"\"abc\"\"" },
        { "@macro", "column 1: expected a number, x, a name, a function or '('" },
    };
    static const char *const names[] = { "mu", "c" };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char err[256];
        tb_expr *e = tb_expr_parse(cases[i].text, names, 2, err, sizeof err);
        ck_assert_msg(e == NULL, "accepted %s", cases[i].text);
        ck_assert_msg(strncmp(err, cases[i].want, strlen(cases[i].want)) == 0, "%s\n got: %s\nwant: %s",
                      cases[i].text, err, cases[i].want);
    }
    /* deep nesting and long texts are refused, not recursed into */
    char deep[400];
    memset(deep, '(', 200);
    strcpy(deep + 200, "x");
    char err[256];
    ck_assert_ptr_null(tb_expr_parse(deep, NULL, 0, err, sizeof err));
    ck_assert_msg(strstr(err, "at most 64 levels of nesting") != NULL, "%s", err);
    char longer[1200];
    memset(longer, '1', sizeof longer - 1);
    longer[sizeof longer - 1] = 0;
    ck_assert_ptr_null(tb_expr_parse(longer, NULL, 0, err, sizeof err));
    ck_assert_msg(strstr(err, "at most 1000 characters") != NULL, "%s", err);
}
END_TEST

Suite *expr_suite(void)
{
    Suite *s = suite_create("expr");
    TCase *tc = tcase_create("theory expressions");
    tcase_add_test(tc, expressions_compute_what_c_computes);
    tcase_add_test(tc, anything_outside_the_grammar_is_refused_with_its_column);
    suite_add_tcase(s, tc);
    return s;
}
