# SPDX-License-Identifier: MIT
# common tests.
