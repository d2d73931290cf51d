# SPDX-License-Identifier: MIT
# ctl/: mviewctl, the operator's tool, built on the public mview.h alone
# (AM_CPPFLAGS: neither common/ nor proto/ is on its include path).
dist_man_MANS += %D%/mviewctl.1

bin_PROGRAMS += %D%/mviewctl
%C%_mviewctl_SOURCES = \
	%D%/ctl.h \
	%D%/mviewctl.c \
	%D%/ctl-output.c \
	%D%/ctl-segment.c \
	%D%/ctl-view.c \
	%D%/ctl-value.c \
	%D%/ctl-watch.c \
	%D%/ctl-drain.c \
	%D%/ctl-metrics.c \
	%D%/ctl-sessions.c \
	%D%/ctl-stream.c
%C%_mviewctl_LDADD = client/libmviewclient.la

# bash completion (commands and options from --help, names from the daemon).
dist_bashcompletion_DATA = %D%/completion/mviewctl
