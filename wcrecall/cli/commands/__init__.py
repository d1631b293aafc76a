"""The commands, one module per topic. Each body parses its options, calls one function of the layer below and
prints; errors leave through `cli/boundary.py`."""
