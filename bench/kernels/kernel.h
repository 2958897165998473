// Shared by the compute kernels: freestanding wasm32, no libc. Each kernel exports
// `run(n)`, whose result the benchmark compares across engines.
#ifndef KERNEL_H
#define KERNEL_H

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;

#define EXPORT(name) __attribute__((export_name(name)))

// clang may emit calls to these for struct copies and array initialisation.
void *memcpy(void *dst, const void *src, unsigned long n);
void *memset(void *dst, int c, unsigned long n);
void *memmove(void *dst, const void *src, unsigned long n);

static inline double sqrt_(double x) { return __builtin_sqrt(x); }

#endif
