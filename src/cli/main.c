#include <stdio.h>

int main(void) {
  puts("arcos-scale");
  return 0;
}
