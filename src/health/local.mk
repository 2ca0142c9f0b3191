# health module: probes on the health thread, hysteresis, overrides, lock-free state array.
noinst_LIBRARIES += src/health/libhealth.a
src_health_libhealth_a_SOURCES = \
	include/gslb/health.h \
	src/health/health_int.h \
	src/health/fsm.c \
	src/health/identity.c \
	src/health/load.c \
	src/health/load_figure.c \
	src/health/load_pointer.c \
	src/health/probe_dns.c \
	src/health/probe_exec.c \
	src/health/probe_file.c \
	src/health/probe_http.c \
	src/health/probe_tcp.c \
	src/health/probe_type.c \
	src/health/registry.c \
	src/health/thread.c \
	src/health/tls.c
