/* refined.c - Mitzenmacher's mean-field limit T_d(lambda) and its 1/n correction for the power of d choices.
 *
 * usage: refined N D LAMBDA...   prints "d lambda T_d refined" per line
 *
 * The mean-field state x_i is the fraction of servers with at least i jobs
 * (x_0 = 1).  With d choices sampled with replacement its drift is
 *   f_i(x) = lambda (x_{i-1}^d - x_i^d) - (x_i - x_{i+1}),
 * whose fixed point pi_i = lambda^((d^i - 1)/(d - 1)) gives, by Little's law,
 * T_d = sum_i pi_i / lambda (Mitzenmacher, IEEE TPDS 2001).  For finite n,
 * Gast and Van Houdt ("A refined mean field approximation", SIGMETRICS 2018)
 * show E[x] = pi + V/n + o(1/n), where, with A the Jacobian and B the Hessian
 * of f at pi and Q = sum over transitions of rate * jump jump^T,
 *   A W + W A^T + Q = 0    and    A V = -(1/2) sum_{k,m} B_{.,k,m} W_{k,m}.
 * Here Q is diagonal: an arrival to a server with i-1 jobs raises x_i, a
 * departure from one with i jobs lowers it, and at pi both happen at rate
 * pi_i - pi_{i+1}.  The state is truncated at K levels, far beyond where
 * pi_i underflows for d >= 2.  Solving the Lyapunov equation as one
 * K^2 x K^2 linear system is crude but takes well under a second.
 */
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define K 30 /* levels kept: pi_30 underflows for every d >= 2 */

static double pw(double x, double e) { return e == 0 ? 1 : pow(x, e); }

/* the refined mean time in system (and the limit in *limit) */
static double refined(int n, int d, double lambda, double *limit)
{
    double pi[K + 2], dd = d;
    pi[0] = 1;
    for (size_t i = 1; i <= K + 1; i++)
        pi[i] = d == 1 ? pow(lambda, (double)i) : pow(lambda, (pow(dd, (double)i) - 1) / (dd - 1));
    double t = 0;
    for (size_t i = 1; i <= K; i++)
        t += pi[i];
    *limit = t / lambda;
    if (d == 1) { /* independent M/M/1 queues (pi_i = lambda^i needs more than K levels);
                   * the drift is linear, so there is no correction */
        *limit = 1 / (1 - lambda);
        return *limit;
    }

    /* A: row/column i - 1 for level i */
    static double a[K][K];
    for (size_t i = 1; i <= K; i++) {
        for (size_t j = 0; j < K; j++)
            a[i - 1][j] = 0;
        if (i >= 2)
            a[i - 1][i - 2] = lambda * dd * pw(pi[i - 1], dd - 1);
        a[i - 1][i - 1] = -lambda * dd * pw(pi[i], dd - 1) - 1;
        if (i < K)
            a[i - 1][i] = 1;
    }
    /* (I (x) A + A (x) I) vec(W) = -vec(Q), with W[r][c] at r*K + c */
    size_t m = (size_t)K * K;
    gsl_matrix *L = gsl_matrix_calloc(m, m);
    gsl_vector *q = gsl_vector_calloc(m), *w = gsl_vector_alloc(m);
    for (size_t r = 0; r < K; r++)
        for (size_t c = 0; c < K; c++) {
            size_t row = r * K + c;
            for (size_t j = 0; j < K; j++) {
                /* (A W)[r][c] = sum_j A[r][j] W[j][c];  (W A^T)[r][c] = sum_j W[r][j] A[c][j] */
                *gsl_matrix_ptr(L, row, j * K + c) += a[r][j];
                *gsl_matrix_ptr(L, row, r * K + j) += a[c][j];
            }
            if (r == c)
                gsl_vector_set(q, row, -2 * (pi[r + 1] - pi[r + 2]));
        }
    gsl_permutation *p = gsl_permutation_alloc(m), *pk = gsl_permutation_alloc(K);
    int sign;
    gsl_linalg_LU_decomp(L, p, &sign);
    gsl_linalg_LU_solve(L, p, q, w);

    /* rhs_i = -(1/2) sum_{j,k} B^i_{j,k} W_{j,k}: only d2f_i/dx_{i-1}^2 and d2f_i/dx_i^2 are nonzero */
    gsl_vector *rhs = gsl_vector_alloc(K), *v = gsl_vector_alloc(K);
    for (size_t i = 1; i <= K; i++) {
        double h = -lambda * dd * (dd - 1) * pw(pi[i], dd - 2) * gsl_vector_get(w, (i - 1) * K + i - 1);
        if (i >= 2)
            h += lambda * dd * (dd - 1) * pw(pi[i - 1], dd - 2) * gsl_vector_get(w, (i - 2) * K + i - 2);
        gsl_vector_set(rhs, i - 1, -0.5 * h);
    }
    gsl_matrix_view A = gsl_matrix_view_array(&a[0][0], K, K);
    gsl_linalg_LU_decomp(&A.matrix, pk, &sign);
    gsl_linalg_LU_solve(&A.matrix, pk, rhs, v);
    double sv = 0;
    for (size_t i = 0; i < K; i++)
        sv += gsl_vector_get(v, i);

    gsl_matrix_free(L);
    gsl_vector_free(q);
    gsl_vector_free(w);
    gsl_vector_free(rhs);
    gsl_vector_free(v);
    gsl_permutation_free(p);
    gsl_permutation_free(pk);
    return *limit + sv / (n * lambda);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s N D LAMBDA...\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]), d = atoi(argv[2]);
    for (int i = 3; i < argc; i++) {
        double lambda = atof(argv[i]), limit;
        double t = refined(n, d, lambda, &limit);
        printf("%d %g %.6f %.6f\n", d, lambda, limit, t);
    }
    return 0;
}
