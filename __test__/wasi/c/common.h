// Helpers shared by the differential programs: report a call's outcome by errno name, so that
// both WASI implementations can be compared line by line.
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *errname(int e) {
  switch (e) {
    case 0: return "OK";
    case EACCES: return "EACCES";
    case EBADF: return "EBADF";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case EISDIR: return "EISDIR";
    case ELOOP: return "ELOOP";
    case ENOENT: return "ENOENT";
    case ENOTDIR: return "ENOTDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ENOTCAPABLE: return "ENOTCAPABLE";
    case EPERM: return "EPERM";
    case ESPIPE: return "ESPIPE";
    case EXDEV: return "EXDEV";
    case ENOSYS: return "ENOSYS";
    case ENOTSUP: return "ENOTSUP";
    default: return "other";
  }
}

// Prints "label: OK" or "label: ENAME" for a call that returns < 0 on failure.
#define REPORT(label, call) do { errno = 0; long r_ = (long)(call); printf("%s: %s\n", label, r_ < 0 ? errname(errno) : "OK"); } while (0)
