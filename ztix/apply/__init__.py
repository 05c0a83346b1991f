"""Apply: make the ZeroTier network and the route servers match the files, through the ports."""
