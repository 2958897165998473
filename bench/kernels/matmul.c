// Dense n×n double matrix multiply (i-k-j order); returns a checksum of the product.
#include "kernel.h"

#define MAX 512
static double A[MAX * MAX], B[MAX * MAX], C[MAX * MAX];

EXPORT("run") double run(u32 n) {
  if (n > MAX) n = MAX;
  for (u32 i = 0; i < n * n; i++) {
    A[i] = (double)(i % 17) * 0.25 - 2.0;
    B[i] = (double)(i % 13) * 0.5 - 3.0;
    C[i] = 0;
  }
  for (u32 i = 0; i < n; i++)
    for (u32 k = 0; k < n; k++) {
      double a = A[i * n + k];
      for (u32 j = 0; j < n; j++) C[i * n + j] += a * B[k * n + j];
    }
  double sum = 0;
  for (u32 i = 0; i < n * n; i++) sum += C[i] * (double)(i % 7 + 1);
  return sum;
}
