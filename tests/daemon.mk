# SPDX-License-Identifier: MIT
# daemon tests.
