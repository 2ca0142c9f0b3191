# The gslbd daemon: links every module's internal library (callers before callees).
sbin_PROGRAMS += src/gslbd
src_gslbd_SOURCES = src/main.c
# Everything but the control plane, for the daemon and the programs built beside it
# (fuzz targets, the steering simulator).
GSLBD_CORE_LIBS = \
	src/query/libquery.a \
	src/snapshot/libsnapshot.a \
	src/server/libserver.a \
	src/policy/libpolicy.a \
	src/conf/libconf.a \
	src/latency/liblatency.a src/geo/libgeo.a \
	src/dnssec/libdnssec.a src/zone/libzone.a \
	src/dns/libdns.a \
	src/rrl/librrl.a src/cookie/libcookie.a \
	src/fleet/libfleet.a src/steer/libsteer.a src/health/libhealth.a \
	src/util/libutil.a \
	$(LDNS_LIBS) $(CRYPTO_LIBS) $(MAXMINDDB_LIBS) $(LIBEVENT_SSL_LIBS) $(LIBEVENT_LIBS) \
	$(FYAML_LIBS) $(URCU_LIBS) $(JANSSON_LIBS) $(XXHASH_LIBS) $(SODIUM_LIBS) -lm
src_gslbd_LDADD = src/ctl/libctl.a $(GSLBD_CORE_LIBS) $(SYSTEMD_LIBS)

# Manual pages, installed with the programs.
dist_man_MANS = doc/gslbd.8 doc/gslbctl.8 doc/gslbd.conf.5
EXTRA_DIST += contrib/gslbd.service doc/operations.md doc/fleet.md
dist_noinst_SCRIPTS += scripts/reload-under-load.sh
# The Debian package (scripts/package-test.sh builds and checks it), its default configuration,
# and the README's picture of the dashboard (scripts/dashboard-screenshot.py makes it).
EXTRA_DIST += debian contrib/etc/gslbd.yaml contrib/etc/example.zone doc/dashboard.png
dist_noinst_SCRIPTS += scripts/package-test.sh scripts/dashboard-screenshot.py
