// Directories: create, list, rename, remove, and the errors of each.
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common.h"

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *path) {
  DIR *d = opendir(path);
  if (!d) { printf("opendir %s: %s\n", path, errname(errno)); return; }
  char *names[64]; int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 64) {
    // node:wasi leaves out . and .., the WASI testsuite wants them: compare the rest.
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp);
  printf("%s:", path);
  for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
  printf("\n");
}

int main(void) {
  REPORT("mkdir a", mkdir("/work/a", 0755));
  REPORT("mkdir a again", mkdir("/work/a", 0755));
  REPORT("mkdir a/b", mkdir("/work/a/b", 0755));
  REPORT("mkdir missing/x", mkdir("/work/missing/x", 0755));
  close(open("/work/a/f1", O_CREAT | O_WRONLY, 0644));
  close(open("/work/a/f2", O_CREAT | O_WRONLY, 0644));
  list("/work/a");
  REPORT("rename f1 -> b/f1", rename("/work/a/f1", "/work/a/b/f1"));
  REPORT("rename missing", rename("/work/a/nope", "/work/a/x"));
  REPORT("rename dir over file", rename("/work/a/b", "/work/a/f2"));
  list("/work/a");
  list("/work/a/b");
  REPORT("rmdir nonempty", rmdir("/work/a/b"));
  REPORT("rmdir file", rmdir("/work/a/f2"));
  REPORT("unlink dir", unlink("/work/a/b"));
  REPORT("unlink missing", unlink("/work/a/nope"));
  REPORT("open file as dir", open("/work/a/f2/x", O_RDONLY));
  REPORT("unlink b/f1", unlink("/work/a/b/f1"));
  REPORT("rmdir b", rmdir("/work/a/b"));
  REPORT("unlink f2", unlink("/work/a/f2"));
  REPORT("rmdir a", rmdir("/work/a"));
  list("/work");
  REPORT("symlink", symlink("target.txt", "/work/link"));
  char buf[64] = {0};
  printf("readlink=%ld [%s]\n", (long)readlink("/work/link", buf, sizeof buf - 1), buf);
  REPORT("open dangling", open("/work/link", O_RDONLY));
  REPORT("unlink link", unlink("/work/link"));
  return 0;
}
