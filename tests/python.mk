# SPDX-License-Identifier: MIT
# python tests.
