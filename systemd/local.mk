# SPDX-License-Identifier: MIT
# systemd/: units for the system instance and a per-user instance.
systemdsystemunit_DATA = %D%/mviewd.socket %D%/mviewd.service \
	%D%/mviewd-metrics.service %D%/mviewd-metrics.timer
systemduserunit_DATA = %D%/user/mviewd.socket %D%/user/mviewd.service
sysusers_DATA = %D%/mview.conf

EXTRA_DIST += %D%/mviewd.socket %D%/mviewd.service.in %D%/mviewd-user.socket \
	%D%/mviewd-user.service.in %D%/mview.sysusers \
	%D%/mviewd-metrics.service.in %D%/mviewd-metrics.timer
CLEANFILES += %D%/mviewd-metrics.service %D%/mviewd.service %D%/user/mviewd.socket %D%/user/mviewd.service %D%/mview.conf

systemd_subst = sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@bindir[@]|$(bindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g'

%D%/mviewd.service: %D%/mviewd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(systemd_subst) $(srcdir)/systemd/mviewd.service.in > $@
%D%/user/mviewd.service: %D%/mviewd-user.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(systemd_subst) $(srcdir)/systemd/mviewd-user.service.in > $@
%D%/user/mviewd.socket: %D%/mviewd-user.socket
	$(AM_V_GEN)$(MKDIR_P) $(@D) && cp $(srcdir)/systemd/mviewd-user.socket $@
%D%/mview.conf: %D%/mview.sysusers
	$(AM_V_GEN)$(MKDIR_P) $(@D) && cp $(srcdir)/systemd/mview.sysusers $@

%D%/mviewd-metrics.service: %D%/mviewd-metrics.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(systemd_subst) $(srcdir)/systemd/mviewd-metrics.service.in > $@
