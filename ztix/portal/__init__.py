"""The member portal: log in with PeeringDB, prove the right to act for an ASN, open the change."""
