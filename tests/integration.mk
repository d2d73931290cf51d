# SPDX-License-Identifier: MIT
# integration tests.
