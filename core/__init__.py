"""Shared core of webtext: the Document type, ids, atomic writes, errors, config and progress.

Every stage imports from here; this package imports no stage (ARCHITECTURE §1).
"""
