// File I/O in a preopened directory: write, read back, seek, tell, append, truncate, pread,
// pwrite, stat.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common.h"

int main(void) {
  int fd = open("/work/data.txt", O_CREAT | O_TRUNC | O_RDWR, 0644);
  if (fd < 0) { printf("open: %s\n", errname(errno)); return 1; }
  printf("write=%ld\n", (long)write(fd, "hello, world\n", 13));
  printf("tell=%ld\n", (long)lseek(fd, 0, SEEK_CUR));
  printf("seek=%ld\n", (long)lseek(fd, 7, SEEK_SET));
  char buf[64] = {0};
  printf("read=%ld [%s]\n", (long)read(fd, buf, 5), buf);
  printf("seek_end=%ld\n", (long)lseek(fd, -6, SEEK_END));
  printf("pwrite=%ld\n", (long)pwrite(fd, "WORLD", 5, 7));
  memset(buf, 0, sizeof buf);
  printf("pread=%ld [%s]\n", (long)pread(fd, buf, 13, 0), buf);
  struct stat st;
  fstat(fd, &st);
  printf("size=%lld regular=%d\n", (long long)st.st_size, S_ISREG(st.st_mode));
  REPORT("ftruncate", ftruncate(fd, 5));
  fstat(fd, &st);
  printf("size_after_truncate=%lld\n", (long long)st.st_size);
  close(fd);
  int a = open("/work/data.txt", O_WRONLY | O_APPEND);
  printf("append=%ld\n", (long)write(a, "+tail", 5));
  close(a);
  FILE *f = fopen("/work/data.txt", "r");
  memset(buf, 0, sizeof buf);
  fread(buf, 1, sizeof buf - 1, f);
  printf("content=[%s]\n", buf);
  fclose(f);
  REPORT("stat", stat("/work/data.txt", &st));
  printf("stat_size=%lld\n", (long long)st.st_size);
  REPORT("seek_negative", lseek(open("/work/data.txt", O_RDONLY), -100, SEEK_SET));
  REPORT("write_readonly", write(open("/work/data.txt", O_RDONLY), "x", 1));
  REPORT("unlink", unlink("/work/data.txt"));
  return 0;
}
