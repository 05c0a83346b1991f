"""IRR expansion with bgpq4 and the whois questions bgpq4 cannot answer."""
