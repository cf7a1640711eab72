#include "cli/omni_main.h"

int main(int argc, char** argv) { return omni::omni_main(argc, argv); }
