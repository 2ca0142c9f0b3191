# ctl module: the reload thread, admin overrides, the HTTP control endpoint.
noinst_LIBRARIES += src/ctl/libctl.a
src_ctl_libctl_a_SOURCES = \
	include/gslb/ctl.h \
	include/gslb/ctl_api.h \
	src/ctl/ctl_int.h \
	src/ctl/ctl.c \
	src/ctl/dashboard.c \
	src/ctl/ds.c \
	src/ctl/explain.c \
	src/ctl/fleet.c \
	src/ctl/http.c \
	src/ctl/latency.c \
	src/ctl/metrics.c \
	src/ctl/names.c \
	src/ctl/overrides.c \
	src/ctl/reload.c \
	src/ctl/status.c \
	src/ctl/steering.c \
	src/ctl/watch.c
src_ctl_libctl_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SYSTEMD_CFLAGS)
# Where "make install" puts the dashboard (dashboard/local.mk), the default of control: dashboard.
src_ctl_libctl_a_CPPFLAGS = $(AM_CPPFLAGS) -DCTL_DASHBOARD_DIR='"$(dashboarddir)"'
