/* util: text for GSLB_E* error codes. */
#include "gslb/util.h"

const char *gslb_strerror(int err)
{
    if (err < 0) {
        err = -err;
    }
    switch (err) {
    case GSLB_OK: return "success";
    case GSLB_ENOMEM: return "out of memory";
    case GSLB_EINVAL: return "invalid value";
    case GSLB_EIO: return "input/output error";
    case GSLB_ECONF: return "configuration has errors";
    case GSLB_EZONE: return "zone has errors";
    case GSLB_EGEO: return "GeoIP database error";
    case GSLB_ENOTFOUND: return "not found";
    case GSLB_ENOSPACE: return "no space left in buffer";
    case GSLB_ESYS: return "system call failed";
    case GSLB_EBUSY: return "already in progress";
    default: return "unknown error";
    }
}
