# gslbctl: the command-line client of the control endpoint, installed next to gslbd. It speaks
# HTTP and JSON only (libevent, jansson), so it links none of the server's libraries.
bin_PROGRAMS += src/gslbctl/gslbctl
src_gslbctl_gslbctl_SOURCES = include/gslb/ctl_api.h src/gslbctl/gslbctl.c
src_gslbctl_gslbctl_LDADD = $(LIBEVENT_LIBS) $(JANSSON_LIBS)
