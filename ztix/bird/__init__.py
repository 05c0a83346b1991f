"""BIRD's dialect: config text structure, names, reason codes, `birdc` answers.

A leaf: it imports nothing of ZT-IX.
"""
