// WASI benchmark program: one preview1 call per operation, so the time is the calls' own.
//   io FILE MiB    writes MiB in 4 KiB writes (fd_write), then reads it back (fd_read)
//   stat FILE N    N stats (path_filestat_get)
//   clock N        N monotonic clock reads (clock_time_get)
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  long sum = 0;
  if (!strcmp(argv[1], "io")) {
    static char buf[4096];
    long blocks = atol(argv[3]) * 256;
    for (int i = 0; i < 4096; i++) buf[i] = (char)i;
    int fd = open(argv[2], O_CREAT | O_TRUNC | O_WRONLY, 0644);
    for (long i = 0; i < blocks; i++) sum += write(fd, buf, sizeof buf);
    close(fd);
    fd = open(argv[2], O_RDONLY);
    long n;
    while ((n = read(fd, buf, sizeof buf)) > 0) sum += n;
    close(fd);
  } else if (!strcmp(argv[1], "stat")) {
    struct stat st;
    long n = atol(argv[3]);
    for (long i = 0; i < n; i++) sum += stat(argv[2], &st) == 0 ? st.st_size : -1;
  } else if (!strcmp(argv[1], "clock")) {
    long n = atol(argv[2]);
    __wasi_timestamp_t t = 0;
    for (long i = 0; i < n; i++) {
      (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t);
      sum += (long)(t & 1);
    }
    sum = n;
  }
  printf("%ld\n", sum);
  return 0;
}
