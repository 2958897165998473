// stdin to stdout, upper-cased; a line to stderr; output order kept.
#include <ctype.h>
#include <stdio.h>

int main(void) {
  int c;
  long n = 0;
  while ((c = getchar()) != EOF) { putchar(toupper(c)); n++; }
  fflush(stdout);
  fprintf(stderr, "read %ld bytes\n", n);
  for (int i = 0; i < 3; i++) { printf("line %d\n", i); fflush(stdout); }
  return 0;
}
