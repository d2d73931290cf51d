# SPDX-License-Identifier: MIT
# client tests.
