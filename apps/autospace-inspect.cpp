// autospace-inspect FILE.json [--dot OUT.dot] [--svg OUT.svg]: see apps/report/inspect.h.
#include <iostream>

#include "apps/report/inspect.h"

int main(int argc, char** argv) {
  return autospace::apps::inspect_main({argv + 1, argv + argc}, std::cout, std::cerr);
}
