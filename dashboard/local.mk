# The dashboard the control endpoint serves at /ui/: our page, script and styles, and the
# libraries and map data scripts/vendor-dashboard.sh fetches from the npm registry at build time.
dashboarddir = $(pkgdatadir)/dashboard
dist_dashboard_DATA = dashboard/index.html dashboard/app.js dashboard/style.css
dashboardvendordir = $(dashboarddir)/vendor
DASHBOARD_VENDOR = \
	dashboard/vendor/d3-array.min.js \
	dashboard/vendor/d3-geo.min.js \
	dashboard/vendor/topojson-client.min.js \
	dashboard/vendor/countries-110m.json \
	dashboard/vendor/LICENSE.d3-array.txt \
	dashboard/vendor/LICENSE.d3-geo.txt \
	dashboard/vendor/LICENSE.topojson-client.txt \
	dashboard/vendor/LICENSE.world-atlas.txt \
	dashboard/vendor/VERSIONS.txt
nodist_dashboardvendor_DATA = $(DASHBOARD_VENDOR)
dist_noinst_SCRIPTS += scripts/vendor-dashboard.sh

# One run of the script makes every file; VERSIONS.txt stands for all of them.
dashboard/vendor/VERSIONS.txt: $(srcdir)/scripts/vendor-dashboard.sh
	$(AM_V_GEN)$(srcdir)/scripts/vendor-dashboard.sh dashboard/vendor
dashboard/vendor/d3-array.min.js dashboard/vendor/d3-geo.min.js \
dashboard/vendor/topojson-client.min.js dashboard/vendor/countries-110m.json \
dashboard/vendor/LICENSE.d3-array.txt dashboard/vendor/LICENSE.d3-geo.txt \
dashboard/vendor/LICENSE.topojson-client.txt dashboard/vendor/LICENSE.world-atlas.txt: \
		dashboard/vendor/VERSIONS.txt

# The build tree holds a complete dashboard (control: dashboard can point at it): in a
# separate build directory, our own files are copied next to the vendored ones.
dashboard-build: $(DASHBOARD_VENDOR)
	@if test "$(srcdir)" != "."; then \
	    for f in $(dist_dashboard_DATA); do cp "$(srcdir)/$$f" "$$f"; done; \
	fi
all-local: dashboard-build
clean-local: clean-dashboard
clean-dashboard:
	rm -rf dashboard/vendor
	if test "$(srcdir)" != "."; then rm -f $(dist_dashboard_DATA); fi
.PHONY: dashboard-build clean-dashboard
