// Sandbox escape battery: each attempt tries to reach ../outside (beside the preopen) and
// prints what it got. argv[1] is the absolute host path of outside/target.txt. The host side
// checks that outside/ is unchanged and that no secret was printed.
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

static void try_read(const char *label, const char *path) {
  char buf[64] = {0};
  int fd = open(path, O_RDONLY);
  if (fd < 0) { printf("%s: %s\n", label, errname(errno)); return; }
  long n = read(fd, buf, sizeof buf - 1);
  close(fd);
  printf("%s: read %ld [%s]\n", label, n, n > 0 ? buf : "");
}

static void try_write(const char *label, const char *path, int flags) {
  int fd = open(path, O_WRONLY | flags, 0644);
  if (fd < 0) { printf("%s: %s\n", label, errname(errno)); return; }
  long n = write(fd, "PWNED", 5);
  close(fd);
  printf("%s: wrote %ld\n", label, n);
}

static void list(const char *label, const char *path) {
  DIR *d = opendir(path);
  if (!d) { printf("%s: %s\n", label, errname(errno)); return; }
  printf("%s:", label);
  struct dirent *e;
  while ((e = readdir(d))) printf(" %s", e->d_name);
  printf("\n");
  closedir(d);
}

int main(int argc, char **argv) {
  const char *abs = argc > 1 ? argv[1] : "/nonexistent";
  chdir("/sandbox");
  try_read("dotdot", "/sandbox/../outside/target.txt");
  try_read("dotdot deep", "/sandbox/sub/../../outside/target.txt");
  try_read("absolute host path", abs);
  try_read("host symlink relative", "/sandbox/sub/outlink");
  try_read("host symlink absolute", "/sandbox/abslink");
  try_read("host dir symlink", "/sandbox/dirlink/target.txt");
  try_read("symlink loop", "/sandbox/loop1");
  try_write("create through dangling symlink", "/sandbox/dangling", O_CREAT);
  try_write("truncate through host symlink", "/sandbox/sub/outlink", O_TRUNC);
  try_write("create in dir symlink", "/sandbox/dirlink/new.txt", O_CREAT);
  REPORT("guest symlink relative", symlink("../outside/target.txt", "/sandbox/mylink"));
  try_read("read guest symlink relative", "/sandbox/mylink");
  REPORT("guest symlink absolute", symlink(abs, "/sandbox/mylink2"));
  try_read("read guest symlink absolute", "/sandbox/mylink2");
  REPORT("hard link following host symlink", linkat(AT_FDCWD, "/sandbox/sub/outlink", AT_FDCWD, "/sandbox/hard1", AT_SYMLINK_FOLLOW));
  try_read("read hard link 1", "/sandbox/hard1");
  REPORT("hard link through dir symlink", link("/sandbox/dirlink/target.txt", "/sandbox/hard2"));
  try_read("read hard link 2", "/sandbox/hard2");
  REPORT("rename onto host symlink", rename("/sandbox/file.txt", "/sandbox/sub/outlink"));
  REPORT("rename dir holding a symlink", rename("/sandbox/mover", "/sandbox/sub/mover"));
  try_read("read through moved symlink", "/sandbox/sub/mover/evil/target.txt");
  REPORT("rename out through dir symlink", rename("/sandbox/sub/mover", "/sandbox/dirlink/moved"));
  REPORT("rename in from outside", rename("/sandbox/dirlink/target.txt", "/sandbox/stolen.txt"));
  REPORT("mkdir through dir symlink", mkdir("/sandbox/dirlink/newdir", 0755));
  REPORT("unlink through dir symlink", unlink("/sandbox/dirlink/target.txt"));
  struct stat st;
  REPORT("stat outside", stat("/sandbox/../outside/target.txt", &st));
  REPORT("stat through host symlink", stat("/sandbox/sub/outlink", &st));
  struct timespec times[2] = {{0, 0}, {0, 0}};
  REPORT("set times through host symlink", utimensat(AT_FDCWD, "/sandbox/abslink", times, 0));
  list("list parent", "/sandbox/..");
  list("list dir symlink", "/sandbox/dirlink");
  char buf[256] = {0};
  long n = readlink("/sandbox/abslink", buf, sizeof buf - 1);
  printf("readlink absolute host symlink: %s\n", n < 0 ? errname(errno) : "OK");
  // An absolute link to a file inside: the guest sees its own path, never the host's.
  n = readlink("/sandbox/inlink", buf, sizeof buf - 1);
  printf("readlink absolute host symlink inside: %s\n", n < 0 ? errname(errno) : (buf[n] = 0, buf));
  // Links that stay inside for the guest (its lookups are confined) but that a host program
  // following them would take outside, through the guest's own links or after a move.
  REPORT("guest symlink to .", symlink(".", "/sandbox/selfroot"));
  REPORT("guest symlink through a . link", symlink("selfroot/../outside/target.txt", "/sandbox/esc3"));
  REPORT("guest symlink placed through a . link", symlink("../outside/target.txt", "/sandbox/selfroot/esc4"));
  REPORT("guest symlink with .. after a name", symlink("sub/../../outside/target.txt", "/sandbox/esc5"));
  REPORT("mkdir a", mkdir("/sandbox/a", 0755));
  REPORT("mkdir a/b", mkdir("/sandbox/a/b", 0755));
  REPORT("guest symlink climbing two levels", symlink("../../file.txt", "/sandbox/a/b/up2"));
  REPORT("rename a dir holding it one level up", rename("/sandbox/a/b", "/sandbox/b2"));
  REPORT("guest symlink climbing one level", symlink("../file.txt", "/sandbox/a/up1"));
  REPORT("hard link to it one level up", link("/sandbox/a/up1", "/sandbox/up1copy"));
  REPORT("rename it one level up", rename("/sandbox/a/up1", "/sandbox/up1moved"));
  REPORT("rename a dir holding it deeper", rename("/sandbox/a", "/sandbox/sub/a"));
  try_read("read through the guest's own links", "/sandbox/sub/a/up1");
  // The host swaps swap/ for a symlink to outside/ once it sees ready, then creates go.
  close(open("/sandbox/ready", O_CREAT | O_WRONLY, 0644));
  struct stat go;
  for (int i = 0; i < 500 && stat("/sandbox/go", &go) != 0; i++) {
    struct timespec nap = {0, 10 * 1000 * 1000};
    nanosleep(&nap, NULL);
  }
  try_read("read after host swapped a dir for a symlink", "/sandbox/swap/target.txt");
  try_write("write after host swapped a dir for a symlink", "/sandbox/swap/target.txt", O_TRUNC);
  return 0;
}
