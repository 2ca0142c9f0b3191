/* health: the syntax of the JSON pointers (RFC 6901) that say where a load figure is. */
#include "gslb/health.h"

#include <stddef.h>

const char *health_load_pointer_problem(const char *pointer)
{
    if (pointer == NULL || pointer[0] == '\0') {
        return NULL;
    }
    if (pointer[0] != '/') {
        return "a JSON pointer must be empty or start with '/'";
    }
    /* RFC 6901 section 3: escaped = "~" ( "0" / "1" ); any other '~' is invalid. */
    for (const char *s = pointer; *s != '\0'; s++) {
        if (*s == '~' && s[1] != '0' && s[1] != '1') {
            return "'~' must be followed by '0' or '1'";
        }
    }
    return NULL;
}
