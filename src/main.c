/* gslbd: entry point (placeholder until the modules are wired). */
#include "config.h"

#include <stdio.h>

int main(void)
{
    printf("%s\n", PACKAGE_STRING);
    return 0;
}
