// Arguments and environment reach the guest exactly as given.
#include <stdio.h>
#include <stdlib.h>
extern char **environ;
int main(int argc, char **argv) {
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; i++) printf("argv[%d]=[%s]\n", i, argv[i]);
  for (char **e = environ; *e; e++) printf("env [%s]\n", *e);
  const char *home = getenv("HOME");
  printf("HOME=%s\n", home ? home : "(unset)");
  return 0;
}
