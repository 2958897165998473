// Where wasmer-wasix 0.704 is wrong by reading (research/wasmer-wasix-0.704.md), wasm-rt must
// be right: set-times, fd_renumber, path_symlink on a file, renaming a relative symlink,
// poll_oneoff's clocks. Prints one line per check.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>
#include "common.h"

static long long ms_since(struct timespec *a) {
  struct timespec b;
  clock_gettime(CLOCK_MONOTONIC, &b);
  return ((long long)b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

static int poll_clocks(__wasi_timestamp_t first, __wasi_timestamp_t second, __wasi_event_t *events) {
  __wasi_subscription_t subs[2] = {0};
  subs[0].userdata = 1;
  subs[0].u.tag = __WASI_EVENTTYPE_CLOCK;
  subs[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  subs[0].u.u.clock.timeout = first;
  subs[1] = subs[0];
  subs[1].userdata = 2;
  subs[1].u.u.clock.timeout = second;
  __wasi_size_t n = 0;
  __wasi_errno_t e = __wasi_poll_oneoff(subs, events, 2, &n);
  return e ? -e : (int)n;
}

int main(void) {
  int fd = open("/work/t.txt", O_CREAT | O_RDWR, 0644);
  struct timespec times[2] = {{1000000000, 5}, {1200000000, 7}};
  REPORT("futimens", futimens(fd, times));
  struct stat st;
  fstat(fd, &st);
  printf("fd times: %lld %lld\n", (long long)st.st_atim.tv_sec, (long long)st.st_mtim.tv_sec);
  struct timespec later[2] = {{1300000000, 0}, {1400000000, 0}};
  REPORT("utimensat", utimensat(AT_FDCWD, "/work/t.txt", later, 0));
  stat("/work/t.txt", &st);
  printf("path times: %lld %lld\n", (long long)st.st_atim.tv_sec, (long long)st.st_mtim.tv_sec);

  int other = open("/work/u.txt", O_CREAT | O_RDWR, 0644);
  printf("renumber: %d\n", __wasi_fd_renumber(fd, other));
  printf("old fd after renumber: %s\n", __wasi_fd_close(fd) == __WASI_ERRNO_BADF ? "closed" : "still open");
  printf("write to renumbered fd: %ld\n", (long)write(other, "abc", 3));

  REPORT("symlink on a file fd", symlinkat("x", other, "name"));
  mkdir("/work/a", 0755);
  mkdir("/work/b", 0755);
  REPORT("relative symlink", symlink("../nowhere", "/work/a/link"));
  REPORT("symlink climbing out", symlink("../../outside", "/work/a/out"));
  REPORT("rename relative symlink across dirs", rename("/work/a/link", "/work/b/link"));
  char buf[32] = {0};
  readlink("/work/b/link", buf, sizeof buf - 1);
  printf("moved link reads: %s\n", buf);

  __wasi_event_t events[2];
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int n = poll_clocks(0, 0, events);
  printf("poll zero timeouts: %d events, quick=%d\n", n, ms_since(&t0) < 1000);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  n = poll_clocks(5000000000ull, 20000000ull, events);
  long long waited = ms_since(&t0);
  printf("poll 5s and 20ms: %d event(s), first userdata %llu, waited 20ms..1s: %d\n", n, (unsigned long long)events[0].userdata, waited >= 20 && waited < 1000);
  return 0;
}
