/* check_csv.c - the CSV reader against RFC 4180's cases and the writer's own output. */
#include <string.h>
#include "../experiment/tb_csv.h"
#include "tb_test.h"

START_TEST(quoted_fields_keep_their_commas_quotes_and_line_breaks)
{
    tb_csv t;
    const char *text = "policy,metric,n\r\n"
                       "\"a,b\",x,1\n"
                       "\"say \"\"hi\"\"\",\"line\nbreak\",\n"
                       "a b,,3";
    ck_assert_int_eq(tb_csv_parse(&t, text), 0);
    ck_assert_int_eq(t.nrow, 4);
    ck_assert_int_eq(tb_csv_col(&t, "metric"), 1);
    ck_assert_int_eq(tb_csv_col(&t, "nosuch"), -1);
    ck_assert_str_eq(tb_csv_get(&t, 1, 0), "a,b");
    ck_assert_str_eq(tb_csv_get(&t, 2, 0), "say \"hi\"");
    ck_assert_str_eq(tb_csv_get(&t, 2, 1), "line\nbreak");
    ck_assert_int_eq(t.ncol[2], 3);
    ck_assert_str_eq(tb_csv_get(&t, 2, 2), ""); /* an empty last field */
    ck_assert_str_eq(tb_csv_get(&t, 3, 0), "a b");
    ck_assert_str_eq(tb_csv_get(&t, 3, 1), "");
    ck_assert_str_eq(tb_csv_get(&t, 3, 2), "3"); /* no final line break */
    ck_assert_str_eq(tb_csv_get(&t, 3, 9), "");  /* beyond the row */
    tb_csv_free(&t);
}
END_TEST

START_TEST(an_unclosed_quote_is_an_error_not_a_guess)
{
    tb_csv t;
    ck_assert_int_eq(tb_csv_parse(&t, "a,\"b\nc,d\n"), -1);
    ck_assert_int_eq(t.nrow, 0);
    tb_csv_free(&t);
    ck_assert_int_eq(tb_csv_parse(&t, ""), 0);
    ck_assert_int_eq(t.nrow, 0);
    tb_csv_free(&t);
}
END_TEST

Suite *csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("reader");
    tcase_set_tags(tc, "core");
    tcase_add_test(tc, quoted_fields_keep_their_commas_quotes_and_line_breaks);
    tcase_add_test(tc, an_unclosed_quote_is_an_error_not_a_guess);
    suite_add_tcase(s, tc);
    return s;
}
