"""Side effects behind the ports (HTTP, SSH, git, bgpq4).

`build` is the one place that builds them from settings.
"""
