// Four POSIX threads on one shared memory: atomic adds, a mutex and a condition variable (futex
// waits and wakes, both in wasm and in Emscripten's JS), then joins.
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#define THREADS 4

static atomic_int counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t finished = PTHREAD_COND_INITIALIZER;
static int done;
static long sums[THREADS];

static void *work(void *arg) {
  long id = (long)arg, sum = 0;
  for (long i = 0; i < 100000; i++) {
    sum += i % (id + 2);
    atomic_fetch_add(&counter, 1);
  }
  sums[id] = sum;
  pthread_mutex_lock(&lock);
  done++;
  pthread_cond_signal(&finished);
  pthread_mutex_unlock(&lock);
  return (void *)(id * 10);
}

int main(void) {
  pthread_t threads[THREADS];
  for (long i = 0; i < THREADS; i++) pthread_create(&threads[i], NULL, work, (void *)i);
  pthread_mutex_lock(&lock);
  while (done < THREADS) pthread_cond_wait(&finished, &lock);
  pthread_mutex_unlock(&lock);
  for (int i = 0; i < THREADS; i++) {
    void *ret;
    pthread_join(threads[i], &ret);
    printf("thread %d: sum %ld, returned %ld\n", i, sums[i], (long)ret);
  }
  printf("counter %d\n", atomic_load(&counter));
  return 0;
}
