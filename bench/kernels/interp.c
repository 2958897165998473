// A bytecode interpreter (a stack machine with a switch dispatch loop) running a program that
// counts the primes below n by trial division; returns the count.
#include "kernel.h"

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, LT, JZ, JMP, HALT };

static const int code[] = {
  /* 0: count = 0; i = 2 */ PUSH, 0, STORE, 0, PUSH, 2, STORE, 1,
  /* 8: while (i < n) */ LOAD, 1, LOAD, 3, LT, JZ, 68,
  /* 15: d = 2; prime = 1 */ PUSH, 2, STORE, 2, PUSH, 1, STORE, 4,
  /* 23: while (d * d < i + 1) */ LOAD, 2, LOAD, 2, MUL, LOAD, 1, PUSH, 1, ADD, LT, JZ, 52,
  /* 36: if (i % d == 0) goto composite */ LOAD, 1, LOAD, 2, MOD, JZ, 69,
  /* 43: d = d + 1 */ LOAD, 2, PUSH, 1, ADD, STORE, 2, JMP, 23,
  /* 52: count += prime; i = i + 1 */ LOAD, 0, LOAD, 4, ADD, STORE, 0, LOAD, 1, PUSH, 1, ADD, STORE, 1,
  /* 66 */ JMP, 8,
  /* 68 */ HALT,
  /* 69: composite: prime = 0 */ PUSH, 0, STORE, 4, JMP, 52,
};

static int exec(int n) {
  int stack[64], vars[8] = {0};
  int sp = 0, pc = 0;
  vars[3] = n;
  for (;;) {
    int op = code[pc++];
    switch (op) {
      case PUSH: stack[sp++] = code[pc++]; break;
      case LOAD: stack[sp++] = vars[code[pc++]]; break;
      case STORE: vars[code[pc++]] = stack[--sp]; break;
      case ADD: sp--; stack[sp - 1] += stack[sp]; break;
      case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
      case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
      case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
      case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
      case JZ: { int t = code[pc++]; if (stack[--sp] == 0) pc = t; break; }
      case JMP: pc = code[pc]; break;
      case HALT: return vars[0];
    }
  }
}

EXPORT("run") int run(int n) { return exec(n); }
