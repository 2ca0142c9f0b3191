noinst_LIBRARIES += src/policy/libpolicy.a
src_policy_libpolicy_a_SOURCES = \
	include/gslb/policy.h \
	src/policy/policy_int.h \
	src/policy/admin.c \
	src/policy/build.c \
	src/policy/dynamic.c \
	src/policy/latency.c \
	src/policy/select.c \
	src/policy/trees.c \
	src/policy/weights.c
