# SPDX-License-Identifier: MIT
# algebra tests.
