# SPDX-License-Identifier: MIT
# docs/: man pages and the longer documents.
dist_man_MANS += %D%/mviewd.8 %D%/mviewd.conf.5 %D%/libmviewclient.3
EXTRA_DIST += %D%/architecture.md %D%/protocol.md %D%/operations.md %D%/security.md \
	%D%/performance.md %D%/python.md %D%/streams.md %D%/bench.png %D%/bench.json \
	%D%/bench-stream.json
# The view algebra's reference is installed: mview.h points to it.
dist_doc_DATA = %D%/view-algebra.md
