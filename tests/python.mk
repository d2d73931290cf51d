# SPDX-License-Identifier: MIT
# Python tests: unittest suites against a real mviewd (run by run-python.sh
# with the configured interpreter and the build tree's module).
python_tests = \
	%D%/test-python-client.py \
	%D%/test-python-metrics.py \
	%D%/test-python-memoryview.py \
	%D%/test-python-numpy.py \
	%D%/test-python-lifetime.py \
	%D%/test-python-share.py \
	%D%/test-python-leak.py \
	%D%/test-python-buffer.py \
	%D%/test-python-pickle.py \
	%D%/test-python-cpython.py \
	%D%/test-python-stream.py \
	%D%/test-python-private.py
EXTRA_DIST += $(python_tests) %D%/mviewtest.py %D%/test-python-pip.sh \
	%D%/pip-share.py

if HAVE_PYTHON
TESTS += $(python_tests) %D%/test-python-pip.sh
endif
