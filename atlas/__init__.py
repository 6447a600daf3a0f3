"""Core of the Atlas Culture des territoires: configuration, catalogue, store, maths, exports.

Nothing in this package builds Dash components, so everything here can be unit-tested directly.
"""
