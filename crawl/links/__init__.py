"""The link store and what fills it: rules, dump files, the collector and the manifest export."""
