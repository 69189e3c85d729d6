/*
 * inv(J^T J) from J P = Q R: it is (P inv(R)) (P inv(R))^T, and P inv(R)
 * is inv(R) with its row k moved to row ipvt[k] - 1.  In C because this is
 * a few hundred floating-point operations for a typical n, which numpy
 * would spend microseconds of call overhead on.
 */
#include "covariance.h"

#include <string.h>

int
pm_is_permutation(const int32_t *perm, ptrdiff_t n)
{
    /* Each value in range, and no value twice (then all appear). */
    for (ptrdiff_t k = 0; k < n; k++) {
        if (perm[k] < 1 || perm[k] > n) {
            return 0;
        }
        for (ptrdiff_t j = 0; j < k; j++) {
            if (perm[j] == perm[k]) {
                return 0;
            }
        }
    }
    return 1;
}

size_t
pm_inverse_jtj_scratch(ptrdiff_t n)
{
    return 2 * (size_t)n * (size_t)n * sizeof(double);
}

int
pm_inverse_jtj(const double *fjac, ptrdiff_t m, ptrdiff_t n,
               const int32_t *perm, double *out, double *scratch)
{
    const double *a = fjac;  /* R[i][j] = a[j*m + i], i <= j < n */
    for (ptrdiff_t k = 0; k < n; k++) {
        if (a[k * m + k] == 0.0) {
            return 1;
        }
    }
    double *inverse = scratch;
    double *permuted = scratch + n * n;
    memset(inverse, 0, (size_t)(n * n) * sizeof(double));
    /* Back substitution, from the last row of inv(R) up: row k is
     * (e_k - sum_{j>k} R[k][j] * row j) / R[k][k]; row j is zero left of j. */
    for (ptrdiff_t k = n - 1; k >= 0; k--) {
        double *row = inverse + k * n;
        row[k] = 1.0;
        for (ptrdiff_t j = k + 1; j < n; j++) {
            const double r = a[j * m + k];
            const double *below = inverse + j * n;
            for (ptrdiff_t c = j; c < n; c++) {
                row[c] -= r * below[c];
            }
        }
        const double diagonal = a[k * m + k];
        for (ptrdiff_t c = k; c < n; c++) {
            row[c] /= diagonal;
        }
    }
    for (ptrdiff_t k = 0; k < n; k++) {
        memcpy(permuted + (perm[k] - 1) * n, inverse + k * n,
               (size_t)n * sizeof(double));
    }
    /* Lower triangle computed, upper mirrored: symmetric by construction. */
    for (ptrdiff_t i = 0; i < n; i++) {
        const double *row_i = permuted + i * n;
        for (ptrdiff_t j = 0; j <= i; j++) {
            const double *row_j = permuted + j * n;
            double sum = 0.0;
            for (ptrdiff_t c = 0; c < n; c++) {
                sum += row_i[c] * row_j[c];
            }
            out[i * n + j] = out[j * n + i] = sum;
        }
    }
    return 0;
}
