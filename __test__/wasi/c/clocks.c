// Clocks, sleeping and random bytes behave sanely (values differ run to run; checks do not).
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void) {
  struct timespec a, b, r;
  clock_gettime(CLOCK_MONOTONIC, &a);
  struct timespec nap = {0, 20 * 1000 * 1000};
  nanosleep(&nap, NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  int64_t ms = ((int64_t)b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
  printf("slept>=20ms: %d\n", ms >= 20);
  clock_gettime(CLOCK_REALTIME, &r);
  printf("realtime after 2020: %d\n", r.tv_sec > 1577836800);
  clock_getres(CLOCK_MONOTONIC, &r);
  printf("resolution<=1ms: %d\n", r.tv_sec == 0 && r.tv_nsec <= 1000000);
  unsigned char buf[64] = {0};
  getentropy(buf, sizeof buf);
  int nonzero = 0;
  for (unsigned i = 0; i < sizeof buf; i++) nonzero += buf[i] != 0;
  printf("random bytes mostly nonzero: %d\n", nonzero > 32);
  struct timespec zero = {0, 0};
  printf("sleep(0) returns: %d\n", nanosleep(&zero, NULL) == 0);
  return 0;
}
