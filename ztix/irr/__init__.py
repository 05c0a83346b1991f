"""IRR data: expanding members' AS-SETs with bgpq4 (`ztix irr refresh`) into reviewed files.

files.py writes the generated `irr/AS<asn>.yaml`; bgpq4.py and whois.py are the adapter that
asks the IRR servers; refresh.py decides, per member, what is written, held back or kept.
"""
