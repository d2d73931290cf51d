# SPDX-License-Identifier: MIT
# algebra tests: unit tests of the view algebra, a property test, and the
# differential test against CPython's memoryview and NumPy.

# The differential test: view-diff.py (run with $(NUMPY_PYTHON) by
# test-view-diff.sh) drives the C algebra through view-driver.
check_PROGRAMS += %D%/diff/view-driver
%C%_diff_view_driver_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_diff_view_driver_SOURCES = %D%/diff/view-driver.c
%C%_diff_view_driver_LDADD = common/libmviewalgebra.la
TESTS += %D%/test-view-diff.sh
EXTRA_DIST += %D%/test-view-diff.sh %D%/diff/view-diff.py %D%/diff/oracle.py

if HAVE_CMOCKA
view_unit_tests = \
	%D%/test-view-core \
	%D%/test-view-subscript \
	%D%/test-view-derive \
	%D%/test-view-element \
	%D%/test-view-output \
	%D%/test-view-props

check_PROGRAMS += $(view_unit_tests)
TESTS += $(view_unit_tests)
EXTRA_DIST += %D%/view-test.h

%C%_test_view_core_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_view_core_SOURCES = %D%/test-view-core.c %D%/view-test.h
%C%_test_view_core_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
%C%_test_view_core_LDADD = common/libmviewalgebra.la $(CMOCKA_LIBS)
%C%_test_view_subscript_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_view_subscript_SOURCES = %D%/test-view-subscript.c %D%/view-test.h
%C%_test_view_subscript_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
%C%_test_view_subscript_LDADD = common/libmviewalgebra.la $(CMOCKA_LIBS)
%C%_test_view_derive_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_view_derive_SOURCES = %D%/test-view-derive.c %D%/view-test.h
%C%_test_view_derive_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
%C%_test_view_derive_LDADD = common/libmviewalgebra.la $(CMOCKA_LIBS)
%C%_test_view_element_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_view_element_SOURCES = %D%/test-view-element.c %D%/view-test.h
%C%_test_view_element_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
%C%_test_view_element_LDADD = common/libmviewalgebra.la $(CMOCKA_LIBS)
%C%_test_view_output_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_view_output_SOURCES = %D%/test-view-output.c %D%/view-test.h
%C%_test_view_output_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
%C%_test_view_output_LDADD = common/libmviewalgebra.la $(CMOCKA_LIBS)
%C%_test_view_props_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_view_props_SOURCES = %D%/test-view-props.c %D%/view-test.h
%C%_test_view_props_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
%C%_test_view_props_LDADD = common/libmviewalgebra.la $(CMOCKA_LIBS)
endif
