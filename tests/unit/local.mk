# Unit tests: one cmocka program per unit, listed by each module's fragment.
include tests/unit/util/local.mk
include tests/unit/dns/local.mk
include tests/unit/rrl/local.mk
include tests/unit/cookie/local.mk
include tests/unit/zone/local.mk
include tests/unit/dnssec/local.mk
include tests/unit/geo/local.mk
include tests/unit/latency/local.mk
include tests/unit/conf/local.mk
include tests/unit/policy/local.mk
include tests/unit/snapshot/local.mk
include tests/unit/query/local.mk
include tests/unit/server/local.mk
include tests/unit/health/local.mk
include tests/unit/ctl/local.mk
include tests/unit/steer/local.mk
include tests/unit/fleet/local.mk
EXTRA_DIST += tests/unit/test_files.h tests/unit/dnssec_test.h
